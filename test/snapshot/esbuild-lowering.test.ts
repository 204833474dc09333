// The esbuild settings a snapshot build needs (README.md): template-literal and regexp-dot-all-flag
// marked unsupported turn the two constructs the 2.4 generator refuses into ones it accepts.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { gated } from '../helpers/gated';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { transformSync } from 'esbuild';
import { SNAPSHOT_TOOL_ENV, findSnapshotHazards, generateSnapshot } from '../../cli/codegen/snapshot';
import { REJECTS_DIR } from './golden';

const SNAPSHOT_SETTINGS = { 'template-literal': false, 'regexp-dot-all-flag': false };
const lower = (code: string, supported?: Record<string, boolean>) =>
  transformSync(code, { target: 'es2019', format: 'iife', charset: 'ascii', banner: '"use strict";', supported }).code;
const rejects = ['es2015_tagged_template', 'es2018_regexp_dotall'].map((name) => ({ name, js: readFileSync(join(REJECTS_DIR, `${name}.js`), 'utf8') }));

test('the raw inputs have the constructs the generator refuses', () => {
  assert.match(findSnapshotHazards(rejects[0].js)!.map((h) => h.message).join('\n'), /tagged template/);
  assert.match(findSnapshotHazards(rejects[1].js)!.map((h) => h.message).join('\n'), /with the s flag/);
});

test('target es2019 alone keeps them', () => {
  for (const r of rejects) assert.ok(findSnapshotHazards(lower(r.js))!.length > 0, r.name);
});

test('with the snapshot settings none is left', () => {
  for (const r of rejects) {
    const out = lower(r.js, SNAPSHOT_SETTINGS);
    assert.equal(findSnapshotHazards(out), [], r.name);
  }
  assert.match(lower(rejects[1].js, SNAPSHOT_SETTINGS), /new RegExp\("a\.b", "s"\)/);
  assert.match(lower('var x = `a${1}b`;', SNAPSHOT_SETTINGS), /"a"\.concat\(1, "b"\)/);
});

test('target es2019 turns BigInt literals (0n included, which the generator mangles) into BigInt() calls', () => {
  assert.match(findSnapshotHazards('var z = 0n;')!.map((h) => h.message).join('\n'), /the BigInt literal 0n/);
  const out = lower('var z = 0n, y = 5n; print(typeof z);', SNAPSHOT_SETTINGS);
  assert.match(out, /BigInt\("0"\)/);
  assert.equal(findSnapshotHazards(out), []);
});

const TOOL = process.env[SNAPSHOT_TOOL_ENV];
const JERRY = process.env.KALUMA_NET_TEST_JERRY;
const generatorTest = gated(test, !!TOOL, `esbuild-lowering.test.ts: generation of the lowered inputs skipped: set ${SNAPSHOT_TOOL_ENV} to a JerryScript 2.4 jerry-snapshot`);
generatorTest('the real generator accepts the lowered inputs (and they still pass when run)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kaluma-net-lowering-'));
  try {
    for (const r of rejects) {
      const bytes = await generateSnapshot(lower(r.js, SNAPSHOT_SETTINGS), { resourceName: `${r.name}.js`, tool: TOOL });
      if (!JERRY) continue;
      const file = join(dir, `${r.name}.snapshot`);
      writeFileSync(file, bytes);
      assert.is(execFileSync(JERRY, ['--exec-snapshot', file], { encoding: 'utf8' }), `PASS ${r.name}\n`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
