// The drivers' feature switches (cli/bundle/features.ts) on the real engine: what a program does not
// use is not parsed into the board's heap. Each case builds the same template with one switch forced
// the other way (`define`) and compares `jerry --mem-stats --parse-only` peaks. bench/heap.mjs prints
// the figures; here they must only go the right way.
import * as assert from 'uvu/assert';
import { test } from 'uvu';
import { join } from 'node:path';
import { build } from '../../cli/pipeline/build';
import { ROOT } from '../helpers/cli';
import { engineTests, explain, peakHeap, runJerry, Scratch } from './jerry';

const scratch = new Scratch();
test.after(() => scratch.remove());

async function parsePeak(template: string, target: string, define?: Record<string, string>): Promise<number> {
  const r = await build({ cwd: join(ROOT, 'templates', template, 'js'), entry: 'src/index.js', target, formats: ['js'], write: false, define, wifi: { ssid: 'lab', password: 'x' } });
  const file = scratch.write(`${target}-${template}-${Object.keys(define ?? {}).length}.js`, r.program);
  const run = runJerry(['--mem-stats', '--parse-only', file]);
  assert.is(run.status, 0, explain(run));
  return peakHeap(run);
}

const engineTest = engineTests(test, 'driver-heap.test.ts');

for (const target of ['pico-w', 'w5500-evb-pico']) {
  engineTest(`${target}: a client-only program does not carry the driver's server part`, async () => {
    const without = await parsePeak('tcp-client', target);
    const withServer = await parsePeak('tcp-client', target, { 'globalThis.KN_SERVER': 'true' });
    assert.ok(withServer - without > 1024, `server part: ${withServer - without} bytes`);
  });

  engineTest(`${target}: a server-only program does not carry the driver's client part`, async () => {
    const without = await parsePeak('tcp-echo-server', target);
    const withClient = await parsePeak('tcp-echo-server', target, { 'globalThis.KN_CLIENT': 'true' });
    assert.ok(withClient - without > 1024, `client part: ${withClient - without} bytes`);
  });
}

engineTest('w5500-evb-pico: a static address leaves the DHCP client out', async () => {
  const dhcp = await parsePeak('tcp-client', 'w5500-evb-pico');
  const fixed = await parsePeak('tcp-client', 'w5500-evb-pico', { 'globalThis.KN_DHCP': 'false' });
  assert.ok(dhcp - fixed > 2048, `DHCP: ${dhcp - fixed} bytes`);
});

test.run();
