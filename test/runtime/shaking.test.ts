// The runtime modules have no top-level side effects, so a program bundles only the parts of `net`,
// `stream` and `events` it uses (built by the real pipeline, unminified so module paths show).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from '../../cli/pipeline/build';

const dir = mkdtempSync(join(tmpdir(), 'kaluma-net-shaking-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

async function modulesOf(source: string): Promise<string[]> {
  writeFileSync(join(dir, 'app.js'), source);
  const r = await build({ cwd: dir, entry: 'app.js', target: 'host', formats: ['js'], write: false, minify: false });
  return r.modules.map((m) => m.path).sort();
}

test('isIP alone carries no socket, stream or emitter', async () => {
  assert.equal(await modulesOf(`import { isIP } from 'net';\nprint(isIP('10.0.0.1'));\n`), ['app.js', 'runtime/net/ip.ts']);
});

test('an EventEmitter alone carries no stream or net', async () => {
  assert.equal(await modulesOf(`import { EventEmitter } from 'events';\nnew EventEmitter().emit('x');\n`), ['app.js', 'runtime/events.ts']);
});

test('a client carries no server', async () => {
  const mods = await modulesOf(`import { createConnection } from 'net';\ncreateConnection(80, 'localhost');\n`);
  assert.ok(mods.includes('runtime/net/socket.ts'), mods.join());
  assert.not.ok(mods.includes('runtime/net/server.ts'), mods.join());
});

test.run();
