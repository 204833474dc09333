import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli, project } from '../helpers/cli';

const CLIENT = `import { createConnection } from 'net';
const s = createConnection({ host: '127.0.0.1', port: 1 }, () => s.end('hi'));
s.on('error', (e) => console.log(e.code));
`;
const SERVER = `const net = require('net');
net.createServer((s) => s.pipe(s)).listen(8124);
`;

test('--help works and lists the commands', () => {
  const r = cli(['--help'], process.cwd());
  assert.is(r.status, 0);
  for (const c of ['build', 'run', 'init', 'targets']) assert.match(r.stdout, new RegExp(`\\n  ${c}\\b`));
});

test('targets --json lists every target with its driver', () => {
  const r = cli(['targets', '--json'], process.cwd());
  assert.is(r.status, 0, r.stderr);
  const list = JSON.parse(r.stdout) as { id: string; netdev: { driver: string } | null }[];
  const byId = Object.fromEntries(list.map((t) => [t.id, t.netdev?.driver ?? null]));
  assert.equal(byId, { host: 'host', pico: null, 'pico-esp01': 'esp-at', 'pico-w': 'cyw43', pico2: null, 'pico2-w': 'cyw43', sim: 'sim', 'w5500-evb-pico': 'w5500' });
});

test('a client-only app for pico-w: strict IIFE, ASCII, stamped, no server and no other drivers', () => {
  const dir = project({ 'app.js': CLIENT });
  const r = cli(['build', 'app.js', '--target', 'pico-w', '--format', 'js', '--no-minify'], dir);
  assert.is(r.status, 0, r.stderr);
  const out = readFileSync(join(dir, 'dist/app.js'), 'latin1');
  assert.match(out, /^\/\*kaluma-net:\{"v":"[^"]+","target":"pico-w","engine":"kaluma-1\.2","sha256":"[0-9a-f]{16}"\}\*\/\n"use strict";/);
  assert.ok(/^[\x09\x0a\x0d\x20-\x7e]*$/.test(out), 'ASCII only');
  // The modules in the program: the size report's rows (the driver is bundled in a scope of its own,
  // so the output has no module comments for it).
  const modules = r.stdout;
  assert.ok(modules.includes('runtime/drivers/cyw43/client.ts'), 'cyw43 driver included');
  for (const absent of ['runtime/drivers/esp-at', 'runtime/drivers/w5500', 'runtime/drivers/sim', 'runtime/net/server.ts', 'runtime/drivers/cyw43/server.ts']) {
    assert.not.ok(modules.includes(absent), `must not contain ${absent}`);
  }
  assert.not.ok(out.includes('createServer'));
  assert.match(r.stdout, /size:\n  total \d+ bytes/);
});

test('require("net") is shaken too; a server app includes the server', () => {
  const dir = project({ 'srv.js': SERVER });
  const r = cli(['build', 'srv.js', '--target', 'w5500-evb-pico', '--format', 'js', '--no-minify'], dir);
  assert.is(r.status, 0, r.stderr);
  const modules = r.stdout; // the size report's rows
  assert.ok(modules.includes('runtime/drivers/w5500/server.ts'));
  assert.ok(modules.includes('runtime/net/server.ts'));
  // A server-only program: no connect, no DNS in the driver.
  assert.not.ok(modules.includes('runtime/drivers/w5500/client.ts'));
  assert.not.ok(modules.includes('runtime/drivers/w5500/dns.ts'));
  assert.not.ok(modules.includes('runtime/drivers/cyw43'));
  assert.not.ok(modules.includes('runtime/drivers/esp-at'));
});

test('net/events/stream in every form resolve to our runtime, never to the firmware copies', () => {
  const dir = project({
    'a.js': `import { EventEmitter } from 'node:events';\nconst { Duplex } = require('stream');\nimport * as net from 'node:net';\nconst e = new EventEmitter();\ne.on('x', () => new Duplex());\nnet.createConnection(1);\n`,
  });
  const r = cli(['build', 'a.js', '--target', 'sim', '--no-minify'], dir);
  assert.is(r.status, 0, r.stderr);
  const out = readFileSync(join(dir, 'dist/a.js'), 'latin1');
  for (const m of ['runtime/events.ts', 'runtime/stream.ts', 'runtime/net/socket.ts']) assert.ok(out.includes(m), m);
  assert.ok(r.stdout.includes('runtime/drivers/sim.ts'), 'the sim driver (its own scope: listed by the size report)');
  assert.not.match(out, /require\("(net|events|stream)"\)/);
});

test('firmware built-ins stay require() calls; Node built-ins are errors naming file and target', () => {
  const ok = project({ 'a.js': `const { UART } = require('uart'); import('gpio'); new UART(0);` });
  let r = cli(['build', 'a.js', '--target', 'pico', '--format', 'js', '--no-minify'], ok);
  assert.is(r.status, 0, r.stderr);
  assert.match(readFileSync(join(ok, 'dist/a.js'), 'latin1'), /require\("uart"\)/);
  const bad = project({ 'src/main.js': `import { createHash } from 'crypto';\ncreateHash('x');\n` });
  r = cli(['build', 'src/main.js', '--target', 'pico-w'], bad);
  assert.is(r.status, 1);
  assert.match(r.stderr, /src\/main\.js:1:\d+: "crypto" is a Node built-in module that target "pico-w" \(Kaluma\) does not have/);
  assert.not.ok(existsSync(join(bad, 'dist')), 'nothing written');
});

test('unresolvable import, missing entry, unknown target, syntax error: one line, non-zero', () => {
  const dir = project({ 'a.js': `import x from 'left-pad-nope';\nx();\n`, 'b.js': `let a = ;\n` });
  let r = cli(['build', 'a.js', '--target', 'pico-w'], dir);
  assert.is(r.status, 1);
  assert.match(r.stderr, /^kaluma-net: error: a\.js:1:15: Could not resolve "left-pad-nope".*\(target pico-w\)\n$/);
  r = cli(['build', 'nope.js', '--target', 'pico-w'], dir);
  assert.equal([r.status, r.stderr], [1, 'kaluma-net: error: nope.js: entry file not found\n']);
  r = cli(['build', 'a.js', '--target', 'nano'], dir);
  assert.match(r.stderr, /unknown target "nano"; valid targets: host, pico, pico-esp01, pico-w, pico2, pico2-w, sim, w5500-evb-pico/);
  r = cli(['build', 'b.js', '--target', 'pico'], dir);
  assert.is(r.status, 1);
  assert.match(r.stderr, /^kaluma-net: error: b\.js:1:9: /);
});

test('net on a target without network hardware names the network targets', () => {
  const dir = project({ 'app.js': CLIENT });
  const r = cli(['build', 'app.js', '--target', 'pico'], dir);
  assert.is(r.status, 1);
  assert.match(r.stderr, /app\.js: imports "net", but target "pico" has no network driver; network targets: host, pico-esp01, pico-w, pico2-w, sim, w5500-evb-pico/);
});

test('engine check: syntax errors at the user line, missing built-ins as warnings (--strict: errors)', () => {
  const dir = project({
    'src/index.js': `const re = /(?<=a)b/;\nconsole.log(re);\n`,
    'warn.js': `const a = [1, 2];\n\nconsole.log(a.at(-1), Object.hasOwn({}, 'x'));\n`,
  });
  let r = cli(['build', '--target', 'pico'], dir);
  assert.is(r.status, 1);
  assert.match(r.stderr, /src\/index\.js:1:12: RegExp lookbehind \(\?<= \/ \?<!\) is not supported by Kaluma 1\.2\.x/);
  r = cli(['build', 'warn.js', '--target', 'pico', '--format', 'js'], dir);
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stderr, /warning: warn\.js:3:15: Array\.prototype\.at is not available/);
  assert.match(r.stderr, /warning: warn\.js:3:23: Object\.hasOwn is not available/);
  r = cli(['build', 'warn.js', '--target', 'pico', '--strict'], dir);
  assert.is(r.status, 1);
});

test('esbuild lowers ?. ??= #private and static blocks to what the engine parses', () => {
  const dir = project({ 'a.js': `class A { #x = 1; static { A.y = 2; } get x() { return this.#x; } }\nlet o = null; o ??= {}; console.log(o?.z, new A().x);\n` });
  const r = cli(['build', 'a.js', '--target', 'pico', '--format', 'js', '--json'], dir);
  assert.is(r.status, 0, r.stderr);
  const out = readFileSync(join(dir, 'dist/a.js'), 'latin1');
  assert.not.ok(/\?\.|\?\?=|#x|static \{/.test(out));
  const j = JSON.parse(r.stdout);
  assert.is(j.target, 'pico');
  assert.equal(j.files.map((f: { path: string }) => f.path), ['dist/a.js']);
  assert.ok(j.modules.some((m: { path: string; group: string }) => m.path === 'a.js' && m.group === 'user'));
});

test('--define, --sourcemap, --outdir, reproducible output', () => {
  const dir = project({ 'a.js': `console.log(__PORT__ + 1);\n` });
  const args = ['build', 'a.js', '--target', 'pico', '--format', 'js', '--define', '__PORT__=41', '--sourcemap', '--outdir', 'out'];
  let r = cli(args, dir);
  assert.is(r.status, 0, r.stderr);
  const first = readFileSync(join(dir, 'out/a.js'), 'latin1');
  assert.match(first, /console\.log\(42\)|console\.log\(41\+1\)/);
  assert.ok(existsSync(join(dir, 'out/a.js.map')));
  r = cli(args, dir);
  assert.is(readFileSync(join(dir, 'out/a.js'), 'latin1'), first);
  assert.equal(readdirSync(join(dir, 'out')).sort(), ['a.js', 'a.js.map']);
});

test('a program larger than the region fails with both sizes', () => {
  const big = 'x'.repeat(600 * 1024);
  const dir = project({ 'a.js': `console.log(${JSON.stringify(big)});\n` });
  const r = cli(['build', 'a.js', '--target', 'pico', '--format', 'js'], dir);
  assert.is(r.status, 1);
  assert.match(r.stderr, /the program \(\d+ bytes with its NUL terminator\) is larger than the 524288-byte program region of target pico/);
});

test('boards get the parse-heap estimate; a program that crowds the heap is warned about', () => {
  const arrows = (n: number) => `console.log([${Array.from({ length: n }, (_, i) => `(x) => x + ${i}`).join(', ')}].length);\n`;
  const dir = project({
    'small.js': "console.log('hi');\n",
    'text.js': `console.log(${JSON.stringify('x'.repeat(80 * 1024))});\n`,
    'code.js': arrows(2000),
    'huge.js': arrows(8000),
  });
  const small = cli(['build', 'small.js', '--target', 'pico', '--format', 'js', '--json'], dir);
  assert.is(small.status, 0, small.stderr);
  const heap = JSON.parse(small.stdout).heap;
  assert.is(heap.heapSize, 184320);
  assert.ok(heap.parse > 1300 && heap.parse < 1800, `a tiny program needs about the engine baseline, not ${heap.parse}`);
  assert.is(small.stderr, '');
  // 80 KB of string literal: stored as it is, about 80 KB of heap, no warning.
  const text = cli(['build', 'text.js', '--target', 'pico', '--format', 'js'], dir);
  assert.is(text.status, 0, text.stderr);
  assert.match(text.stdout, /heap: parsing needs about 8\d\.\d KB of the 180\.0 KB JerryScript heap \(4\d%; estimate\)/);
  assert.is(text.stderr, '');
  // 2000 tiny functions in 19 KB: functions weigh more than their bytes, and the board is crowded.
  const many = cli(['build', 'code.js', '--target', 'pico', '--format', 'js'], dir);
  assert.is(many.status, 0, many.stderr);
  assert.match(many.stderr, /warning: pico: parsing this program needs about 11\d KB of the board's 180 KB JerryScript heap, leaving about \d+ KB for it to run/);
  const huge = cli(['build', 'huge.js', '--target', 'pico', '--format', 'js', '--allow-heap-overflow'], dir);
  assert.is(huge.status, 0, huge.stderr);
  assert.match(huge.stderr, /warning: pico: parsing this program needs about \d+ KB, more than the board's 180 KB JerryScript heap: it will very likely fail to load/);
  const roomier = cli(['build', 'huge.js', '--target', 'pico2', '--format', 'js', '--json', '--allow-heap-overflow'], dir);
  assert.is(JSON.parse(roomier.stdout).heap.heapSize, 393216, 'RP2350 boards have 384 KB');
  const pc = cli(['build', 'small.js', '--target', 'sim', '--json'], dir);
  assert.is(JSON.parse(pc.stdout).heap, undefined, 'PC targets have no board heap');
  const plain = cli(['build', 'small.js', '--target', 'pico', '--format', 'js', '--json', '--no-minify'], dir);
  assert.is(JSON.parse(plain.stdout).heap, undefined, 'the estimate is for minified programs');
});

test.run();
