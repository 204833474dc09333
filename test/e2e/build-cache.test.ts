// The build's disk cache (cli/util/content-cache.ts), through the CLI as a user runs it: results are
// read back in the next process (proved by editing them), a changed module alone is computed again,
// Wi-Fi credentials never reach the cache, and the cache lives where it is documented.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli, project, ROOT } from '../helpers/cli';

const CLIENT = "import { createConnection } from 'net';\nconst s = createConnection(80, '10.0.0.1', () => s.end('hi'));\ns.on('error', (e) => console.log(e.code));\n";

const entries = (cache: string, name: string) => (existsSync(join(cache, name)) ? readdirSync(join(cache, name)).filter((n) => n.endsWith('.json')) : []);
const rewrite = (cache: string, name: string, change: (value: any) => any) => {
  for (const n of entries(cache, name)) writeFileSync(join(cache, name, n), JSON.stringify(change(JSON.parse(readFileSync(join(cache, name, n), 'utf8')))));
};
const poisoned = (stderr: string) => stderr.split('\n').filter((l) => l.endsWith(': POISON')).length;

test('engine check: each module piece is read back from disk; an edited module alone is scanned again', () => {
  const dir = project({ 'src/index.js': CLIENT });
  const cache = mkdtempSync(join(tmpdir(), 'kn-cache-'));
  const env = { KALUMA_NET_CACHE_DIR: cache };
  const build = () => cli(['build', 'src/index.js', '-t', 'pico-w', '--format', 'js'], dir, env);
  let r = build();
  assert.is(r.status, 0, r.stderr);
  const pieces = entries(cache, 'engine-check').length;
  assert.ok(pieces > 3, `a scan per module piece (${pieces})`);
  assert.is(entries(cache, 'clean-program').length, 1);

  // Every cached scan now reports a finding; the known-clean program is forgotten so the pieces are read.
  rewrite(cache, 'engine-check', (s) => ({ ...s, findings: [{ severity: 'warning', pos: '"use strict";'.length, message: 'POISON' }] }));
  rewrite(cache, 'clean-program', () => null);
  r = build();
  assert.is(r.status, 0, r.stderr);
  assert.is(poisoned(r.stderr), pieces, 'every piece came from the cache');

  writeFileSync(join(dir, 'src/index.js'), CLIENT.replace("'hi'", "'hello'"));
  r = build();
  assert.is(r.status, 0, r.stderr);
  assert.is(poisoned(r.stderr), pieces - 1, 'the edited module was scanned again, the others read back');
  assert.is(entries(cache, 'engine-check').length, pieces + 1);
});

test('another build of the CLI does not trust the cache of the last one', () => {
  const dir = project({ 'src/index.js': CLIENT });
  const cache = mkdtempSync(join(tmpdir(), 'kn-cache-'));
  const build = () => cli(['build', 'src/index.js', '-t', 'pico-w', '--format', 'js'], dir, { KALUMA_NET_CACHE_DIR: cache });
  assert.is(build().status, 0);
  rewrite(cache, 'engine-check', (s) => ({ ...s, findings: [{ severity: 'warning', pos: '"use strict";'.length, message: 'POISON' }] }));
  rewrite(cache, 'clean-program', () => null);
  assert.ok(poisoned(build().stderr) > 0, 'the same CLI reads its cache');
  // What a rebuilt or upgraded lib/kaluma-net.cjs looks like to the cache: another size or time.
  const lib = join(ROOT, 'lib/kaluma-net.cjs');
  const later = new Date(statSync(lib).mtimeMs + 1000);
  utimesSync(lib, later, later);
  const r = build();
  assert.is(r.status, 0, r.stderr);
  assert.is(poisoned(r.stderr), 0, 'results of other code are not used');
});

test('a program known clean skips the check; its cached figures are what the heap estimate uses', () => {
  const dir = project({ 'src/index.js': CLIENT });
  const cache = mkdtempSync(join(tmpdir(), 'kn-cache-'));
  const build = () => cli(['build', 'src/index.js', '-t', 'pico-w', '--format', 'js'], dir, { KALUMA_NET_CACHE_DIR: cache });
  const before = build();
  assert.is(before.status, 0, before.stderr);
  assert.match(before.stdout, /heap: parsing needs about \d+\.\d KB/);
  rewrite(cache, 'clean-program', (shape) => ({ ...shape, functions: 10000 }));
  const after = build();
  assert.match(after.stderr, /parsing this program needs about \d+ KB, more than the board's 180 KB JerryScript heap/);
});

test('runtime usage: read back from disk by the next build', () => {
  const dir = project({ 'src/index.js': CLIENT });
  const cache = mkdtempSync(join(tmpdir(), 'kn-cache-'));
  const build = () => cli(['build', 'src/index.js', '-t', 'pico-w', '--format', 'js'], dir, { KALUMA_NET_CACHE_DIR: cache });
  const server = /this program opens a server/;
  const before = build();
  assert.not.match(before.stderr, server, 'a client');
  assert.is(entries(cache, 'runtime-usage').length, 1);
  rewrite(cache, 'runtime-usage', () => [['net', 'all']]);
  assert.match(build().stderr, server, 'the cached usage (all of net, so maybe a server) was used');
});

test('Wi-Fi credentials never reach the cache', () => {
  const dir = project({ 'src/index.js': CLIENT });
  const cache = mkdtempSync(join(tmpdir(), 'kn-cache-'));
  const r = cli(['build', 'src/index.js', '-t', 'pico-w', '--wifi-ssid', 'home-net', '--wifi-password', 'hunter2-secret'], dir, { KALUMA_NET_CACHE_DIR: cache });
  assert.is(r.status, 0, r.stderr);
  assert.ok(readFileSync(join(dir, 'dist/index.js'), 'latin1').includes('hunter2-secret'));
  assert.is(entries(cache, 'clean-program').length, 0, 'a program holding credentials is not remembered on disk');
  const plain = mkdtempSync(join(tmpdir(), 'kn-cache-'));
  assert.is(cli(['build', 'src/index.js', '-t', 'pico-w'], dir, { KALUMA_NET_CACHE_DIR: plain }).status, 0);
  assert.is(entries(cache, 'engine-check').length, entries(plain, 'engine-check').length - 1, 'the piece holding them is kept in memory only');
  for (const name of readdirSync(cache)) {
    for (const n of entries(cache, name)) assert.not.ok(readFileSync(join(cache, name, n), 'utf8').includes('hunter2'), `${name}/${n}`);
  }
});

test("the cache lives in the project's node_modules/.cache/kaluma-net; KALUMA_NET_CACHE_DIR=off disables it", () => {
  const dir = project({ 'src/index.js': CLIENT });
  mkdirSync(join(dir, 'node_modules'));
  assert.is(cli(['build', 'src/index.js', '-t', 'pico-w', '--format', 'js'], dir, { KALUMA_NET_CACHE_DIR: 'off' }).status, 0);
  assert.not.ok(existsSync(join(dir, 'node_modules/.cache')));
  assert.is(cli(['build', 'src/index.js', '-t', 'pico-w', '--format', 'js'], dir, { KALUMA_NET_CACHE_DIR: '' }).status, 0);
  assert.ok(entries(join(dir, 'node_modules/.cache/kaluma-net'), 'engine-check').length > 0);
});

test.run();
