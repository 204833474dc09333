// Syntax on the real engine. Each input that JerryScript 2.4 (or its snapshot generator) refuses must be
// lowered by our pipeline into a program the engine runs, or refused at build time at the position the
// engine reports: never built into something the engine rejects.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { build } from '../../cli/pipeline/build';
import { allOutput, buildSnapshotFile, engineTests, explain, FIXTURES, GENERATOR, snapshotTests, orUserError, runJerry, Scratch } from './jerry';

const engineTest = engineTests(test, 'syntax.test.ts');
const snapshotTest = snapshotTests(test, 'syntax.test.ts');

interface Input {
  name: string;
  dir: string;
  /** What the engine printed for the raw input: the board's own output (.board-out, shared data), or
   *  the `jerry` shell's (.jerry-out, recorded by `jerry <name>.js` in that directory). */
  recorded: string;
}

function inputs(sub: string, ext: string): Input[] {
  const dir = join(FIXTURES, sub);
  return readdirSync(dir)
    .filter((f) => f.endsWith('.js'))
    .sort()
    .map((f) => ({ name: f.slice(0, -3), dir, recorded: readFileSync(join(dir, f.slice(0, -3) + ext), 'utf8') }));
}

const INPUTS = [...inputs('jerry-rejects', '.board-out'), ...inputs('engine-rejects', '.jerry-out')];

/** The pipeline's answer for each: lowered (the engine runs the build) or refused at build time. */
const EXPECTED: Record<string, 'lowered' | 'refused'> = {
  es2015_module_syntax: 'lowered',
  es2015_tagged_template: 'lowered',
  es2018_regexp_dotall: 'lowered',
  es2018_regexp_named_groups: 'refused',
  es2020_optional_chaining: 'lowered',
  es2021_logical_assign: 'lowered',
  es2022_private_members: 'lowered',
  es2022_static_block: 'lowered',
  regexp_flag_d: 'refused',
  regexp_lookbehind: 'refused',
  regexp_negative_lookbehind: 'refused',
  regexp_unicode_property: 'refused',
};

/** The engine's error position for a raw input, from its recorded output ("[dir/name.js:L:C]"). */
function enginePosition(recorded: string, name: string): string | undefined {
  const m = new RegExp(`^SyntaxError: .* \\[(?:.*/)?${name}\\.js:(\\d+:\\d+)\\]$`, 'm').exec(recorded);
  return m ? m[1] : undefined;
}

const pass = (name: string) => `PASS ${name}\n`;
type Built = Awaited<ReturnType<typeof build>>;
const builds = new Map<string, Promise<{ ok: Built } | { refused: string }>>();
/** The input built for pico as JS (each build once per file: the tests share them). */
function buildFor(input: Input, minify: boolean): Promise<{ ok: Built } | { refused: string }> {
  const key = `${input.dir}/${input.name}:${minify}`;
  if (!builds.has(key)) builds.set(key, orUserError(() => build({ cwd: input.dir, entry: `${input.name}.js`, target: 'pico', formats: ['js'], write: false, minify })));
  return builds.get(key)!;
}

const scratch = new Scratch();
test.after(() => scratch.remove());

test('every input has an expected outcome', () => {
  assert.equal(INPUTS.map((i) => i.name).sort(), Object.keys(EXPECTED).sort());
});

test('the pipeline lowers or refuses each input as expected; a refusal names file:line:col where the engine stops', async () => {
  for (const input of INPUTS) {
    const pos = enginePosition(input.recorded, input.name);
    for (const minify of [true, false]) {
      const r = await buildFor(input, minify);
      const what = `${input.name} (minify ${minify})`;
      if (EXPECTED[input.name] === 'lowered') {
        assert.ok('ok' in r, `${what} was refused: ${'refused' in r ? r.refused : ''}`);
        continue;
      }
      assert.ok('refused' in r, `${what} was built`);
      assert.ok(pos, `${what}: the engine's recorded output has no error position`);
      assert.match(r.refused, new RegExp(`^${input.name}\\.js:${pos}: `), what);
    }
  }
});

engineTest('the engine does what was recorded with the raw inputs (refuses all but tagged templates and RegExp s)', () => {
  for (const input of INPUTS) {
    const r = runJerry([`${input.name}.js`], { cwd: input.dir });
    const recorded = input.recorded.replace(/\[(?:\S*\/)?([^/\s]+\.js:\d+:\d+\])$/m, '[$1');
    assert.is(allOutput(r), recorded, explain(r));
    assert.is(r.status, enginePosition(input.recorded, input.name) ? 1 : 0, explain(r));
  }
});

engineTest('what the pipeline lowered runs on the engine', async () => {
  for (const input of INPUTS.filter((i) => EXPECTED[i.name] === 'lowered')) {
    for (const minify of [true, false]) {
      const b = await buildFor(input, minify);
      if (!('ok' in b)) continue; // reported by the test above
      const r = runJerry([scratch.write(`${input.name}.js`, b.ok.program)]);
      assert.is(allOutput(r), pass(input.name), explain(r));
      assert.is(r.status, 0, explain(r));
    }
  }
});

engineTest('the stamp comment leaves the "use strict" directive in force', async () => {
  const { program } = await build({ cwd: FIXTURES, entry: 'strict-mode.js', target: 'pico', formats: ['js'], write: false });
  assert.ok(program.startsWith('/*kaluma-net:'), program.slice(0, 40));
  const r = runJerry([scratch.write('strict-mode.js', program)]);
  assert.is(allOutput(r), 'this in a plain call: undefined\n', explain(r));
});

snapshotTest('the snapshot generator refuses every raw input', () => {
  for (const input of INPUTS) {
    const out = join(scratch.dir, `${input.name}.snapshot`);
    const r = spawnSync(GENERATOR!, ['generate', '-o', out, `${input.name}.js`], { cwd: input.dir, encoding: 'utf8', timeout: 5000, killSignal: 'SIGKILL' });
    assert.is(r.status, 1, `${input.name}: ${r.stdout}${r.stderr}`);
    assert.match(r.stderr, /Snapshot error: (SyntaxError|RangeError): /, input.name);
  }
});

snapshotTest('with --format snapshot, what the pipeline lowered makes a snapshot the engine runs', async () => {
  for (const input of INPUTS.filter((i) => EXPECTED[i.name] === 'lowered')) {
    const r = runJerry(['--exec-snapshot', await buildSnapshotFile(input.dir, input.name, join(scratch.dir, input.name))]);
    assert.is(allOutput(r), pass(input.name), explain(r));
    assert.is(r.status, 0, explain(r));
  }
});

snapshotTest('with --format snapshot, what the pipeline refuses is refused too', async () => {
  for (const input of INPUTS.filter((i) => EXPECTED[i.name] === 'refused')) {
    const r = await orUserError(() => buildSnapshotFile(input.dir, input.name, join(scratch.dir, input.name)));
    assert.ok('refused' in r, `${input.name} was built`);
    assert.match((r as { refused: string }).refused, new RegExp(`^${input.name}\\.js:\\d+:\\d+: `));
  }
});

test.run();
