// The ESP-AT driver in `kaluma-net run --emulate` (the sandbox with Kaluma 1.2.1's loop: the clock
// stamped before the program is parsed, timers before UART reads, one-byte-then-the-rest chunks)
// against the modem emulator: a program of the size of the templates boots without the driver
// losing step with the modem (no resync, no reset) and echoes through itself byte for byte.
// (The sandbox runs JS in no time, so the boot-time shift of issue 16 needs the slower board of
// firmware-loop.test.ts to show; this is the end-to-end check through `run`.)

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, cliAsync, freePort, project } from '../helpers/cli';

test('pico-esp01 echo program in the sandbox: no "esp-at:" resync or reset, every byte back in order', async () => {
  const port = await freePort();
  const dir = project({ 'app.js': readFileSync(join(ROOT, 'bench/esp-at-firmware/echo.js'), 'utf8') });
  const run = cliAsync(
    ['run', 'app.js', '--target', 'pico-esp01', '--emulate', '--define', `__PORT__=${port}`, '--define', '__BYTES__=6000', '--define', '__HOST__="127.0.0.1"'],
    dir,
    {},
    90000,
  );
  try {
    await run.waitFor('echo ', 60000);
    await new Promise((r) => setTimeout(r, 200));
  } finally {
    run.child.kill('SIGINT');
  }
  await run.done;
  assert.match(run.stdout, /echo ok 6000 bytes in \d+ ms/, run.stdout + run.stderr);
  assert.not.match(run.stdout + run.stderr, /esp-at: /, 'the driver never had to resynchronise or reset the modem');
});

test.run();
