// generateSnapshot. Fake generators (small shell scripts) cover the error paths; the real one runs when
// KALUMA_NET_JERRY_SNAPSHOT names a JerryScript 2.4 jerry-snapshot (Kaluma fork), and the snapshots it
// makes are also executed when KALUMA_NET_TEST_JERRY names a `jerry` shell of the same engine.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { gated } from '../helpers/gated';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MISSING_TOOL_MESSAGE, SNAPSHOT_TOOL_ENV, generateSnapshot, verifySnapshot } from '../../cli/codegen/snapshot';
import { GOLDEN_DIR, goldenFiles, sameBytes } from './golden';

const TOOL = process.env[SNAPSHOT_TOOL_ENV];
const JERRY = process.env.KALUMA_NET_TEST_JERRY;
const golden = goldenFiles();
const scratch = mkdtempSync(join(tmpdir(), 'kaluma-net-snapshot-test-'));

function fakeTool(name: string, script: string): string {
  const path = join(scratch, name);
  writeFileSync(path, `#!/bin/sh\n${script}\n`);
  chmodSync(path, 0o755);
  return path;
}

test.after(() => rmSync(scratch, { recursive: true, force: true }));

test('without a generator: the error says what is needed, why, and how to point at it', async () => {
  const saved = process.env[SNAPSHOT_TOOL_ENV];
  delete process.env[SNAPSHOT_TOOL_ENV];
  try {
    await generateSnapshot('print(1)', { resourceName: 'app.js' });
    assert.unreachable('generated without a tool');
  } catch (e) {
    const message = (e as Error).message;
    assert.is(message, MISSING_TOOL_MESSAGE);
    assert.match(message, /JerryScript 2\.4 snapshot generator/);
    assert.match(message, /snapshot format 63/);
    assert.match(message, /--snapshot-tool <path>/);
    assert.match(message, /KALUMA_NET_JERRY_SNAPSHOT/);
  } finally {
    if (saved !== undefined) process.env[SNAPSHOT_TOOL_ENV] = saved;
  }
});

test('the resource name must be a bare file name', async () => {
  for (const name of ['', 'dir/app.js', '..', '-o', 'a\\b.js']) {
    await generateSnapshot('print(1)', { resourceName: name, tool: '/nonexistent' }).then(
      () => assert.unreachable(name),
      (e) => assert.match((e as Error).message, /must be a bare file name/),
    );
  }
});

test('constructs the generator refuses or miscompiles are reported with their position first', async () => {
  const cases: [string, RegExp][] = [
    ['var t = String.raw`a${1}`;', /^app\.js:1:9: a tagged template/],
    ['\nvar r = /a.b/s;', /^app\.js:2:9: RegExp literal \/a\.b\/s with the s flag/],
    ['var z = [1n, 0x0n];', /^app\.js:1:14: the BigInt literal 0n.*write BigInt\(0\)/],
    [`var s = "${'é'.repeat(40000)}";`, /^app\.js:1:9: a string literal of 80000 bytes; a snapshot literal holds at most 65535/],
  ];
  for (const [code, expected] of cases) {
    await generateSnapshot(code, { resourceName: 'app.js', tool: '/nonexistent' }).then(
      () => assert.unreachable(code),
      (e) => assert.match((e as Error).message, expected),
    );
  }
});

test('a generator that cannot run, crashes, refuses, writes nothing or writes a bad snapshot', async () => {
  const run = (tool: string) => generateSnapshot('print(1)', { resourceName: 'app.js', tool }).then(() => 'no error', (e) => (e as Error).message);
  assert.match(await run(join(scratch, 'missing')), /cannot be run \(ENOENT\); no such file/);
  assert.match(await run(fakeTool('crash', 'kill -SEGV $$')), /was killed by SIGSEGV \(it crashed\)/);
  assert.match(
    await run(fakeTool('refuse', 'echo "Error: Generating snapshot failed!" >&2; echo "Snapshot error: SyntaxError: Unexpected end of input. [app.js:1:9]" >&2; exit 1')),
    /refused app\.js: SyntaxError: Unexpected end of input\. \[app\.js:1:9\]$/,
  );
  assert.match(await run(fakeTool('silent', 'exit 0')), /exited without writing out\.snapshot; is it jerry-snapshot\?/);
  // A real snapshot, but of another file: its resource name is not app.js.
  const other = fakeTool('other', `cp "${join(GOLDEN_DIR, 'es2020_nullish.snapshot')}" "$3"`);
  assert.match(await run(other), /does not verify: invalid snapshot: .*resource name \(last constant\) is "es2020_nullish\.js", expected "app\.js"/);
});

test('the generator runs in a directory holding only the bundle, under the resource name', async () => {
  const echo = fakeTool('args', `L=$(ls); echo "$L" > listing.txt; echo "$@" > args.txt; cp "${join(GOLDEN_DIR, 'es2020_nullish.snapshot')}" "$3"; cp listing.txt args.txt "${scratch}/"`);
  const bytes = await generateSnapshot('print(1)', { resourceName: 'es2020_nullish.js', tool: echo });
  assert.ok(sameBytes(bytes, golden.find((g) => g.name === 'es2020_nullish')!.snapshot));
  assert.is(execFileSync('cat', [join(scratch, 'args.txt')], { encoding: 'utf8' }).trim(), 'generate -o out.snapshot es2020_nullish.js');
  assert.is(execFileSync('cat', [join(scratch, 'listing.txt')], { encoding: 'utf8' }).trim(), 'es2020_nullish.js');
});

const generatorTest = gated(test, !!TOOL, `generate.test.ts: real-generator tests skipped: set ${SNAPSHOT_TOOL_ENV} to a JerryScript 2.4 jerry-snapshot (Kaluma fork)`);
generatorTest('the real generator reproduces every golden snapshot from its source', async () => {
  for (const g of golden) {
    const bytes = await generateSnapshot(g.js, { resourceName: `${g.name}.js`, tool: TOOL });
    assert.ok(sameBytes(bytes, g.snapshot), `${g.name}: ${bytes.length} vs ${g.snapshot.length} bytes`);
  }
});

generatorTest('the real generator: a syntax error is reported in its own words', async () => {
  await generateSnapshot('var a = ;', { resourceName: 'bad.js', tool: TOOL }).then(
    () => assert.unreachable(),
    (e) => assert.match((e as Error).message, /refused bad\.js: SyntaxError: Primary expression expected\. \[bad\.js:1:9\]/),
  );
});

const engineTest = gated(generatorTest, !!JERRY, 'generate.test.ts: execution of generated snapshots skipped: set KALUMA_NET_TEST_JERRY to a JerryScript 2.4 jerry shell');
engineTest('generated snapshots print the golden output when executed', async () => {
  for (const g of golden) {
    const bytes = await generateSnapshot(g.js, { resourceName: `${g.name}.js`, tool: TOOL });
    const file = join(scratch, `${g.name}.snapshot`);
    writeFileSync(file, bytes);
    assert.is(execFileSync(JERRY!, ['--exec-snapshot', file], { encoding: 'utf8' }), g.out, g.name);
    assert.ok(verifySnapshot(bytes).ok);
  }
});

test.run();
