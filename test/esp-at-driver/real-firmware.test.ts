// The ESP-AT driver on the real Kaluma 1.2.1 firmware (rp2040 bench) against our modem emulator:
// bench/esp-at-firmware.mjs runs an echo through the driver both ways (client and server on the
// board) under split and interleaved +IPD records; no byte may be lost or reordered and the modem
// must not be reset at boot. Needs KALUMA_NET_TEST_FIRMWARE, KALUMA_NET_TEST_BOOTROM and
// KALUMA_NET_TEST_RP2040_BENCH; skipped without them. (Throughput is the bench script's business.)

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { gated } from '../helpers/gated';
import { benchEnv } from '../realboard/rp2040-bench';

const ROOT = join(__dirname, '../..');
const env = benchEnv();
const real = gated(test, !('skip' in env), 'skip' in env ? env.skip : '');

function benchScript(args: string[]): Promise<{ status: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(ROOT, 'bench/esp-at-firmware.mjs'), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('close', (status) => resolve({ status, out }));
  });
}

real('8,000 bytes through the driver both ways on the real firmware, random splits: in order, no modem reset', async () => {
  const r = await benchScript(['--only', 'echo', '--bytes', '8000', '--chunking', 'random']);
  assert.match(r.out, /echo ok 8000 bytes in \d+ ms/, r.out);
  assert.match(r.out, /\d+ AT commands, 0 AT\+RST; first: AT\+CIPMUX\?, ATE0, AT\+GMR/, r.out);
  assert.is(r.status, 0, r.out);
});

test.run();
