// The golden programs (JerryScript 2.4 feature checks with the output the real generator's snapshots
// print), built for pico with the stamp comment as shipped, print that same output on the engine.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from '../../cli/pipeline/build';
import { GOLDEN_DIR, goldenFiles } from '../snapshot/golden';
import { allOutput, buildSnapshotFile, engineTests, explain, snapshotTests, orUserError, runJerry, Scratch } from './jerry';

const engineTest = engineTests(test, 'golden.test.ts');
const snapshotTest = snapshotTests(test, 'golden.test.ts');

/** Golden programs the pipeline refuses, and why. */
const REFUSED: Record<string, RegExp> = {
  // Kaluma parses the program as strict code; the golden output comes from a sloppy-mode run.
  misc_sloppy_only: /strict mode/,
};

type Built = Awaited<ReturnType<typeof build>>;
const builds = new Map<string, Promise<{ ok: Built } | { refused: string }>>();
/** A golden program built for pico as JS (each build once per file: the tests share them). */
function buildFor(name: string, minify: boolean): Promise<{ ok: Built } | { refused: string }> {
  const key = `${name}:${minify}`;
  if (!builds.has(key)) builds.set(key, orUserError(() => build({ cwd: GOLDEN_DIR, entry: `${name}.js`, target: 'pico', formats: ['js'], write: false, minify })));
  return builds.get(key)!;
}

const golden = goldenFiles();
const scratch = new Scratch();
test.after(() => scratch.remove());

test('the golden set is there', () => {
  assert.ok(golden.length >= 28, `only ${golden.length} golden programs in ${GOLDEN_DIR}`);
});

test('the pipeline refuses only the expected golden programs, naming file:line:col', async () => {
  for (const g of golden) {
    const r = await buildFor(g.name, false);
    if (!REFUSED[g.name]) {
      assert.ok('ok' in r, `${g.name} was refused: ${'refused' in r ? r.refused : ''}`);
      continue;
    }
    assert.ok('refused' in r, `${g.name} was built`);
    const message = (r as { refused: string }).refused;
    assert.match(message, new RegExp(`^${g.name}\\.js:\\d+:\\d+: `));
    assert.match(message, REFUSED[g.name]);
  }
});

engineTest('built for pico (minified and not), they print their golden output on the engine', async () => {
  for (const g of golden.filter((g) => !REFUSED[g.name])) {
    for (const minify of [true, false]) {
      const b = await buildFor(g.name, minify);
      if (!('ok' in b)) continue; // reported by the test above
      const r = runJerry([scratch.write(`${g.name}.js`, b.ok.program)]);
      assert.is(allOutput(r), g.out, `${g.name} (minify ${minify}): ${explain(r)}`);
      assert.is(r.status, 0, explain(r));
    }
  }
});

engineTest('a refused golden program is one the engine refuses in strict mode, as Kaluma parses it', () => {
  for (const name of Object.keys(REFUSED)) {
    const raw = readFileSync(join(GOLDEN_DIR, `${name}.js`), 'utf8');
    const r = runJerry([scratch.write(`${name}-strict.js`, `"use strict";\n${raw}`)]);
    assert.is(r.status, 1, explain(r));
    assert.match(r.stderr, /^SyntaxError: /m, explain(r));
  }
});

snapshotTest('built with --format snapshot, their snapshots print the golden output on the engine', async () => {
  const todo = golden.filter((g) => !REFUSED[g.name]);
  // Four builds at a time: the generator runs as a child process while the next build minifies.
  for (let i = 0; i < todo.length; i += 4) {
    const batch = todo.slice(i, i + 4);
    const files = await Promise.all(batch.map((g) => buildSnapshotFile(GOLDEN_DIR, g.name, join(scratch.dir, g.name))));
    batch.forEach((g, k) => {
      const r = runJerry(['--exec-snapshot', files[k]]);
      assert.is(allOutput(r), g.out, `${g.name}: ${explain(r)}`);
      assert.is(r.status, 0, explain(r));
    });
  }
});

test.run();
