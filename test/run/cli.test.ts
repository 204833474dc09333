// `kaluma-net run` as a child process: the board's answers to an unhandled rejection, a job chain
// that never ends, and a bound serial port once the program is done.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { cli, cliAsync, project } from '../helpers/cli';
import { openPtyPair } from '../flash/pty-pair';

const hasSocat = spawnSync('sh', ['-c', 'command -v socat']).status === 0;

for (const target of ['host', 'sim', 'pico']) {
  test(`${target}: an unhandled rejection prints "Uncaught (in promise)" at the user's file:line:col and the program goes on`, () => {
    const dir = project({
      'src/index.js': `import { fail } from './lib';\nfail();\nsetTimeout(() => print('still running'), 20);\n`,
      'src/lib.js': `export async function fail() {\n  await null;\n  throw new Error('boom');\n}\n`,
    });
    const r = cli(['run', '--target', target], dir);
    assert.is(r.stdout, 'still running');
    assert.match(r.stderr, /Uncaught \(in promise\) Error: boom\n    at src\/lib\.js:3:9\n/);
    assert.not.match(r.stderr, /node:internal|UnhandledPromiseRejection/);
    assert.is(r.status, 1, 'an error was printed');
  });
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  test(`${signal} stops a promise-job chain that never ends`, async () => {
    const dir = project({ 'app.js': `async function f() { while (true) await null; }\nf();\nprint('started');\n` });
    const p = cliAsync(['run', 'app.js', '--target', 'host'], dir, {}, 20000);
    await p.waitFor('started');
    await new Promise((r) => setTimeout(r, 300));
    p.child.kill(signal);
    const r = await p.done;
    assert.ok(p.child.signalCode === signal || r.status === (signal === 'SIGINT' ? 130 : 143), `stopped by ${signal}: ${r.status} ${p.child.signalCode}`);
  });
}

test('run --uart 0=<port> ends once the program is done (the open port does not keep it alive)', async () => {
  if (!hasSocat) {
    console.log('  (skipped: socat is not installed)');
    return;
  }
  const pty = await openPtyPair();
  try {
    const dir = project({
      'app.js': `const { UART } = require('uart');\nconst u = new UART(0);\nu.write('hello');\nsetTimeout(() => print('done'), 50);\n`,
    });
    const p = cliAsync(['run', 'app.js', '--target', 'pico', '--uart', `0=${pty.device}`], dir, {}, 15000);
    const r = await p.done;
    assert.is(r.stdout, 'done');
    assert.is(r.status, 0, r.stderr);
  } finally {
    await pty.close();
  }
});

test.run();
