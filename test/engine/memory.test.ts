// JerryScript heap needed to load our runtime, measured on the real engine. Each fixture program
// (test/fixtures/engine/memory) is built as shipped (minified, stamped) and run with
// `jerry --mem-stats shell/global.js program.js`: the engine's peak heap over parsing and running the
// program, which loads the runtime and then does nothing. The baseline is the same for an empty program;
// `jerry --mem-stats --parse-only program.js` gives the parser's share. The runtime alone is the program
// built for target host (its driver lives on the PC); for target sim it comes with the sim driver.
// The goal (12 KB) is judged by bench/heap.mjs; this test holds the line at today's budget so that a
// change which makes the runtime heavier fails here.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import { build } from '../../cli/pipeline/build';
import { engineTests, explain, FIXTURES, GLOBAL_ONLY, peakHeap, runJerry, Scratch } from './jerry';

const BUDGET = 18.5 * 1024;
const DIR = join(FIXTURES, 'memory');

interface Figures {
  name: string;
  size: number;
  parse: number;
  load: number;
  byteCode: number;
}

const scratch = new Scratch();
test.after(() => scratch.remove());

async function measure(name: string, target = 'sim'): Promise<Figures> {
  const { program } = await build({ cwd: DIR, entry: `${name}.js`, target, formats: ['js'], write: false });
  const file = scratch.write(`${name}-${target}.js`, program);
  const load = runJerry(['--mem-stats', GLOBAL_ONLY, file]);
  assert.is(load.status, 0, explain(load));
  assert.is(load.stdout, '', explain(load));
  const parse = runJerry(['--mem-stats', '--parse-only', file]);
  assert.is(parse.status, 0, explain(parse));
  return { name, size: program.length, parse: peakHeap(parse), load: peakHeap(load), byteCode: peakHeap(load, 'byte code') };
}

const engineTest = engineTests(test, 'memory.test.ts');
const figures = new Map<string, Figures>();

engineTest.before(async () => {
  for (const name of ['empty', 'client', 'full']) figures.set(name, await measure(name));
  figures.set('runtime', await measure('full', 'host'));
  const base = figures.get('empty')!;
  const row = (label: string, f: Figures) =>
    `  ${label.padEnd(34)}${String(f.size).padStart(7)}${String(f.parse).padStart(8)}${String(f.load).padStart(8)}${String(f.byteCode).padStart(11)}${String(f.load - base.load).padStart(13)}`;
  console.log(
    [
      'memory.test.ts: JerryScript heap, peak bytes (jerry --mem-stats, heap 184312 bytes as on RP2040):',
      `  ${'program'.padEnd(34)}${'size'.padStart(7)}${'parse'.padStart(8)}${'load'.padStart(8)}${'byte code'.padStart(11)}${'load - empty'.padStart(13)}`,
      row('empty program (baseline)', base),
      row('client only + sim driver', figures.get('client')!),
      row('full runtime + sim driver', figures.get('full')!),
      row('full runtime alone (target host)', figures.get('runtime')!),
      `  budget: the full runtime's load - empty < ${BUDGET} (goal 12288: bench/heap.mjs)`,
    ].join('\n'),
  );
});

engineTest('a client-only program needs less than the full runtime', () => {
  const client = figures.get('client')!;
  const full = figures.get('full')!;
  assert.ok(client.size < full.size, `client ${client.size} bytes, full ${full.size} bytes`);
  assert.ok(client.load < full.load, `client peak ${client.load}, full peak ${full.load}`);
});

engineTest(`loading the full runtime peaks under ${BUDGET} bytes of heap above an empty program (today's budget)`, () => {
  const extra = figures.get('runtime')!.load - figures.get('empty')!.load;
  assert.ok(extra < BUDGET, `loading the full runtime peaks ${extra} bytes above an empty program; the budget is under ${BUDGET}`);
});

test.run();
