// Skipped tests are counted: test/run.cjs's summary and the CI's last two lines say how many.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT } from '../helpers/cli';

/** Runs test/run.cjs over a test/ folder holding `files`; returns its output and status. */
function runSuite(files: Record<string, string>) {
  const dir = mkdtempSync(join(tmpdir(), 'kn-skips-'));
  mkdirSync(join(dir, 'test'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, 'test', name), text);
  const tsx = pathToFileURL(require.resolve('tsx')).href;
  const r = spawnSync(process.execPath, ['--import', tsx, join(ROOT, 'test/run.cjs')], { cwd: dir, encoding: 'utf8', env: { ...process.env, FORCE_COLOR: '0' }, timeout: 60000 });
  const log = join(dir, 'log');
  writeFileSync(log, r.stdout + r.stderr);
  const summary = spawnSync('bash', [join(ROOT, '.ci/summary'), log, String(r.status)], { encoding: 'utf8' });
  return { out: r.stdout, status: r.status, summary: summary.stdout };
}

const header = `
const { test } = require(${JSON.stringify(join(ROOT, 'node_modules/uvu'))});
const { gated } = require(${JSON.stringify(join(ROOT, 'test/helpers/gated.ts'))});
`;

test('gated tests count as skipped, say why once, and leave passed and failed alone', () => {
  const r = runSuite({
    'a.test.ts': `${header}
const engineTest = gated(test, false, 'a.test.ts: engine tests skipped: set THE_ENGINE');
test.before(() => console.log('suite hook runs'));
engineTest.before(() => { throw new Error('a skipped hook ran'); });
engineTest('needs the engine', () => { throw new Error('a skipped test ran'); });
engineTest('needs it too', () => { throw new Error('a skipped test ran'); });
test('runs', () => {});
gated(test, true, 'never said')('runs when available', () => {});
test.run();`,
    'b.test.ts': `${header}
test('fails', () => { throw new Error('boom'); });
gated(test, false, 'b.test.ts: skipped: no socat')('needs socat', () => {});
test.run();`,
  });
  assert.is(r.status, 1, r.out);
  assert.is(r.out.slice(0, r.out.indexOf('Total:')).split('a.test.ts: engine tests skipped: set THE_ENGINE').length, 2, r.out);
  assert.match(r.out, /b\.test\.ts: skipped: no socat/);
  assert.not.match(r.out, /never said|a skipped (test|hook) ran/);
  assert.match(r.out, /Total: +3\n +Passed: +2\n +Skipped: +3\n/);
  assert.match(r.out, /\n  \(2 skipped\) a\.test\.ts: engine tests skipped: set THE_ENGINE\n  \(1 skipped\) b\.test\.ts: skipped: no socat\n/);
  assert.is(r.summary, '(3 skipped)\n2 passed, 1 failed\n');
});

test('the CI lines when everything passes, some skipped', () => {
  const r = runSuite({ 'c.test.ts': `${header}\ngated(test, false, 'c: skipped')('x', () => {});\ntest('y', () => {});\ntest.run();` });
  assert.is(r.status, 0, r.out);
  assert.is(r.summary, '(1 skipped)\n1 passed, 0 failed\n');
});

test.run();
