import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { connect } from 'node:net';
import { cli, cliAsync, freePort, project } from '../helpers/cli';

test('a program that finishes exits 0 when nothing is left to do', () => {
  const dir = project({ 'app.js': `let n = 0;\nconst t = setInterval(() => { print('tick' + ++n + ' '); if (n === 3) clearInterval(t); }, 5);\n` });
  const r = cli(['run', 'app.js', '--target', 'host'], dir);
  assert.equal([r.status, r.stdout, r.stderr], [0, 'tick1 tick2 tick3 ', 'running app.js for host on this PC; network: none; it ends when idle, Ctrl-C stops it\n']);
});

test('Node-only APIs fail as on the board, with the user file:line', () => {
  const dir = project({
    'src/index.js': `import { helper } from './lib';\nhelper();\n`,
    'src/lib.js': `export function helper() {\n  const b = Buffer.from('x');\n  return b;\n}\n`,
  });
  const r = cli(['run', '--target', 'host'], dir);
  assert.is(r.status, 1);
  assert.match(r.stderr, /warning: src\/lib\.js:2:13: Buffer is not available/);
  assert.match(r.stderr, /\nUncaught ReferenceError: Buffer is not defined\n    at src\/lib\.js:2:13/);
});

test('a missing built-in fails at run time (and warns at build time)', () => {
  const dir = project({ 'app.js': `setTimeout(() => {\n  console.log([1, 2, 3].at(-1));\n}, 1);\n` });
  const r = cli(['run', 'app.js', '--target', 'host'], dir);
  assert.is(r.status, 1);
  assert.match(r.stderr, /warning: app\.js:2:25: Array\.prototype\.at is not available/);
  assert.match(r.stderr, /Uncaught TypeError: .*at is not a function\n    at app\.js:2:\d+/);
});

test('firmware modules: unbound UART names --uart and --emulate; unknown module fails like Kaluma', () => {
  const dir = project({ 'a.js': `const { UART } = require('uart');\nnew UART(0);\n`, 'b.js': `require(['o', 's'].join(''));\n` });
  let r = cli(['run', 'a.js', '--target', 'pico'], dir);
  assert.is(r.status, 1);
  assert.match(r.stderr, /UART0 is not connected to anything in kaluma-net run: bind it to a serial port with --uart 0=\/dev\/ttyUSB0, or emulate the board's hardware with --emulate \(target pico\)/);
  r = cli(['run', 'b.js', '--target', 'pico'], dir);
  assert.match(r.stderr, /Uncaught Error: Failed to load module: os/);
  r = cli(['run', 'a.js', '--target', 'pico', '--uart', '7=/dev/null'], dir);
  assert.match(r.stderr, /^kaluma-net: error: --uart 7=\/dev\/null: expected <bus>=<path>\[:<baud>\]/);
});

test('a TCP echo program on --target host serves a real client', async () => {
  const port = await freePort();
  const dir = project({ 'echo.js': `import { createServer } from 'net';\nconst s = createServer((c) => c.pipe(c)).listen(__PORT__, () => console.log('listening'));\nsetTimeout(() => s.close(), 1500);\n` });
  const p = cliAsync(['run', 'echo.js', '--target', 'host', '--define', `__PORT__=${port}`], dir);
  await p.waitFor('listening');
  const payload = Buffer.alloc(100000, 0).map((_, i) => i % 256);
  const got: Buffer[] = [];
  await new Promise<void>((res, rej) => {
    const c = connect(port, '127.0.0.1', () => c.end(payload));
    c.on('data', (d) => got.push(d));
    c.on('error', rej);
    c.on('close', () => res());
  });
  assert.ok(Buffer.concat(got).equals(payload), 'echoed bytes');
  const r = await p.done;
  assert.is(r.status, 0, r.stderr);
});

test('SIGINT stops a server cleanly', async () => {
  const port = await freePort();
  const dir = project({ 'srv.js': `require('net').createServer(() => 0).listen(__PORT__, () => console.log('up'));\n` });
  const p = cliAsync(['run', 'srv.js', '--target', 'host', '-D', `__PORT__=${port}`], dir);
  await p.waitFor('up');
  p.child.kill('SIGINT');
  const r = await p.done;
  assert.is(r.status, 130);
});

test('--emulate needs emulated hardware; pico-w needs --emulate', () => {
  const dir = project({ 'a.js': `import { connect } from 'net';\nconnect(1, '127.0.0.1').on('error', () => 0);\n` });
  let r = cli(['run', 'a.js', '--target', 'host', '--emulate'], dir);
  assert.match(r.stderr, /--emulate: target host has no hardware to emulate/);
  r = cli(['run', 'a.js', '--target', 'pico-w'], dir);
  assert.match(r.stderr, /target pico-w: its Wi-Fi chip is built into the firmware; run it with --emulate/);
});

test('--heap-limit reports a program holding more than the target heap', () => {
  const dir = project({ 'heap.js': `const keep = [];\nfor (let i = 0; i < 20000; i++) keep.push({ i, s: 'x' + i });\nsetTimeout(() => print(String(keep.length)), 1200);\n` });
  const r = cli(['run', 'heap.js', '--target', 'host', '--heap-limit'], dir);
  assert.is(r.status, 0, r.stderr);
  assert.is(r.stdout, '20000');
  assert.match(r.stderr, /^running heap\.js for host .*\nkaluma-net: heap: the program holds about \d+ bytes, more than the 184320-byte heap of host\n/);
  assert.not.match(r.stderr, /ExperimentalWarning/);
});

test.run();
