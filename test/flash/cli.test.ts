// The real CLI (lib/kaluma-net.cjs, built by `node scripts/build-cli.mjs`) as a child process against
// the emulated board on a pty pair; the board lives in this process, so only async spawns are used.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stampProgram } from '../../cli/image/stamp';
import { cliAsync, project } from '../helpers/cli';
import { openBoard, sampleProgram, until, withNul, type Board } from './board';
import type { KalumaDeviceOptions } from '../../cli/emulate/kaluma-device/device';

const IMAGE = stampProgram('"use strict";\n' + sampleProgram(20000).toString('latin1'), { v: '0.1.0', target: 'pico-w', engine: 'kaluma-1.2' });

async function run(device: KalumaDeviceOptions, args: (board: Board, dir: string) => string[], files: Record<string, string> = {}, stdin?: string) {
  const board = await openBoard(device);
  const dir = project({ 'app.js': IMAGE, ...files });
  try {
    const child = cliAsync(args(board, dir), dir);
    if (stdin !== undefined) child.child.stdin.end(stdin);
    const result = await child.done;
    return { ...result, board, dir };
  } finally {
    await board.close();
  }
}

test('flash --port <pty> app.js (a built image): stored bytes equal the image, progress lines, .load', async () => {
  const r = await run({}, (b) => ['flash', '--port', b.port, 'app.js']);
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stdout, /^flashed app\.js to \S+ \(Kaluma v1\.2\.1\): \d+ bytes in \d+\.\d s, size and read-back verified, program started\n$/);
  assert.match(r.stderr, /flashing app\.js \(\d+ bytes\) to /);
  assert.match(r.stderr, /flash: 0% \(0\.0 of 19\.6 KB\)\nflash: 25% \(5\.0 of 19\.6 KB\)\n/, r.stderr);
  assert.match(r.stderr, /flash: 100% /);
  assert.ok(Buffer.from(r.board.device.storedProgram()).equals(withNul(Buffer.from(IMAGE, 'latin1'))));
  assert.ok(await until(() => r.board.device.events.includes('load')) || r.board.device.events.includes('load'));
});

test('flash refuses an image for another engine profile (exit 1, one clear line); --force overrides', async () => {
  const refused = await run({ version: '1.3.0' }, (b) => ['flash', '--port', b.port, 'app.js']);
  assert.is(refused.status, 1);
  assert.is(
    refused.stderr.split('\n').filter((l) => l.startsWith('kaluma-net: error:')).join('\n'),
    'kaluma-net: error: app.js was built for engine "kaluma-1.2" (target pico-w), but the board runs Kaluma v1.3.0 (engine "kaluma-1.3"); build it for a target with engine "kaluma-1.3", or pass --force to flash it anyway',
  );
  assert.is(refused.board.device.storedProgram().length, 0);
  const forced = await run({ version: '1.3.0' }, (b) => ['flash', '--port', b.port, '--force', '--no-load', 'app.js']);
  assert.is(forced.status, 0, forced.stderr);
  assert.match(forced.stderr, /warning: app\.js was built for engine "kaluma-1\.2"/);
  assert.match(forced.stdout, /not started \(--no-load\)/);
  assert.ok(Buffer.from(forced.board.device.storedProgram()).equals(withNul(Buffer.from(IMAGE, 'latin1'))));
});

test('flash <source entry> --target pico builds first, then flashes the built program', async () => {
  const src = 'setInterval(() => console.log("tick"), 1000);\n';
  const r = await run({}, (b) => ['flash', 'blink.js', '--target', 'pico', '--port', b.port], { 'blink.js': src });
  assert.is(r.status, 0, r.stderr);
  const built = readFileSync(join(r.dir, 'dist/blink.js'));
  assert.match(built.toString('latin1'), /^\/\*kaluma-net:\{"v":"[^"]+","target":"pico","engine":"kaluma-1\.2"/);
  assert.ok(Buffer.from(r.board.device.storedProgram()).equals(withNul(built)));
  assert.match(r.stdout, /^flashed dist\/blink\.js to /);
});

test('a .bin image flashes its bytes up to the NUL', async () => {
  const bin = Buffer.concat([Buffer.from(IMAGE, 'latin1'), Buffer.from([0]), Buffer.alloc(4096, 0xff)]);
  const ok = await run({}, (b, dir) => (writeFileSync(join(dir, 'app.bin'), bin), ['flash', '--port', b.port, 'app.bin']));
  assert.is(ok.status, 0, ok.stderr);
  assert.ok(Buffer.from(ok.board.device.storedProgram()).equals(withNul(Buffer.from(IMAGE, 'latin1'))));
});

test('erase, ports and monitor', async () => {
  const erased = await run({ program: Buffer.from('print(1)') }, (b) => ['erase', '--port', b.port]);
  assert.is(erased.status, 0, erased.stderr);
  assert.match(erased.stdout, /^erased the program on \S+ \(Kaluma v1\.2\.1\)\n$/);
  assert.is(erased.board.device.storedProgram().length, 0);

  const ports = await run({}, () => ['ports']);
  assert.is(ports.status, 0, ports.stderr);
  assert.match(ports.stdout, /^(no serial ports found|PORT +VID:PID +MANUFACTURER)\n/);

  const monitor = await run({}, (b) => ['monitor', '--port', b.port], {}, '.hi\n');
  assert.is(monitor.status, 0, monitor.stderr);
  assert.match(monitor.stdout, /Welcome to Kaluma v1\.2\.1/);
  assert.match(monitor.stderr, /exit with Ctrl-\]/);
});

test.run();
