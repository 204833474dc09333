// Wi-Fi credentials: which files hold them (the build says, inspect finds them), file modes,
// .env parsed as dotenv does, and stale temp files of interrupted writes.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { cli, project } from '../helpers/cli';
import { gated } from '../helpers/gated';

const APP = `import { createConnection } from 'net';\ncreateConnection(80, '127.0.0.1').on('error', () => 0);\n`;
const PASSWORD = 's3cret-pass-123';
const ENV = `KALUMA_NET_WIFI_SSID=home-net\nKALUMA_NET_WIFI_PASSWORD=${PASSWORD}\n`;

/** The password as the driver options in the program hold it (dotenv's value). */
function programPassword(dir: string): string | undefined {
  return /password:"([^"]*)"/.exec(readFileSync(join(dir, 'dist/app.js'), 'latin1'))?.[1];
}

test('every output that holds the credentials is named by the build, mode 600, and found by inspect', () => {
  const dir = project({ 'app.js': APP, '.env': ENV });
  const r = cli(['build', 'app.js', '-t', 'pico-w', '--format', 'js,bin,uf2', '--json'], dir);
  assert.is(r.status, 0, r.stderr);
  assert.not.match(r.stdout + r.stderr, new RegExp(PASSWORD));
  const note = (JSON.parse(r.stdout).notes as string[]).find((n) => n.startsWith('Wi-Fi credentials'));
  assert.is(note, 'Wi-Fi credentials (SSID and password) are in dist/app.js (program text), dist/app.bin (program text), dist/app.uf2 (program text and storage slots): keep these files private (written with mode 600)');
  for (const [file, where] of [['app.js', ['program']], ['app.bin', ['program']], ['app.uf2', ['program', 'storage']]] as const) {
    const path = join(dir, 'dist', file);
    assert.ok(readFileSync(path).includes(PASSWORD), `${file} really holds the password`);
    assert.is(statSync(path).mode & 0o777, 0o600, `${file} is mode 600`);
    const i = cli(['inspect', `dist/${file}`, '--json'], dir);
    assert.is(i.status, 0, i.stderr);
    assert.not.match(i.stdout, new RegExp(PASSWORD));
    assert.equal(JSON.parse(i.stdout).wifi, { ssid: 'home-net', password: 'present', security: null, in: where }, file);
    const text = cli(['inspect', `dist/${file}`], dir).stdout;
    assert.match(text, /Wi-Fi: SSID "home-net", password present \(in the program text.*\): keep this file private/, file);
  }
});

test('without credentials nothing is secret: no note, ordinary modes, inspect says none', () => {
  const dir = project({ 'app.js': APP });
  const r = cli(['build', 'app.js', '-t', 'pico-w', '--format', 'js,bin', '--json'], dir);
  assert.is(r.status, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).notes, []);
  assert.is.not(statSync(join(dir, 'dist/app.bin')).mode & 0o077, 0);
  const i = cli(['inspect', 'dist/app.bin'], dir);
  assert.match(i.stdout, /Wi-Fi: no credentials/);
});

test('a program that joins Wi-Fi itself with literal credentials: the build says so, mode 600, inspect reports it', () => {
  const dir = project({ 'app.js': `require('wifi').connect({ ssid: 'lab', password: 'hunter2hunter2' });\n` });
  const r = cli(['build', 'app.js', '-t', 'pico', '--format', 'js,bin'], dir);
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stdout, /note: Wi-Fi credentials \(SSID and password\) are in dist\/app\.js \(program text\), dist\/app\.bin \(program text\)/);
  assert.is(statSync(join(dir, 'dist/app.bin')).mode & 0o777, 0o600);
  const i = cli(['inspect', 'dist/app.js', '--json'], dir);
  assert.equal(JSON.parse(i.stdout).wifi, { ssid: 'lab', password: 'present', security: null, in: ['program'] });
});

test('.env is parsed as dotenv does: comments, quotes, export, escapes', () => {
  const cases: [string, string][] = [
    [`KALUMA_NET_WIFI_PASSWORD=${PASSWORD} # my router`, PASSWORD],
    [`KALUMA_NET_WIFI_PASSWORD="${PASSWORD}" # quoted, then a comment`, PASSWORD],
    [`KALUMA_NET_WIFI_PASSWORD='has # inside' `, 'has # inside'],
    [`export KALUMA_NET_WIFI_PASSWORD=${PASSWORD}`, PASSWORD],
    [`KALUMA_NET_WIFI_PASSWORD = "spaces kept  "`, 'spaces kept  '],
  ];
  for (const [line, expected] of cases) {
    const dir = project({ 'app.js': APP, '.env': `# Wi-Fi\nKALUMA_NET_WIFI_SSID=home-net\n${line}\n` });
    const r = cli(['build', 'app.js', '-t', 'pico-w', '--format', 'js'], dir);
    assert.is(r.status, 0, `${line}: ${r.stderr}`);
    assert.is(programPassword(dir), expected, line);
  }
});

test('a .env value that looks written wrong is an error naming the file, line and key (never the value)', () => {
  const cases: [string, RegExp][] = [
    ['KALUMA_NET_WIFI_PASSWORD="unbalanced-pass', /unbalanced " quote/],
    ["KALUMA_NET_WIFI_PASSWORD=pass'word-123", /a quote inside an unquoted value/],
    ['KALUMA_NET_WIFI_PASSWORD=pass#word-123', /'#' starts a comment, cutting the value short/],
    ['KALUMA_NET_WIFI_PASSWORD="pass"word-123', /text after the closing " quote/],
  ];
  for (const [line, why] of cases) {
    const dir = project({ 'app.js': APP, '.env': `KALUMA_NET_WIFI_SSID=home-net\n${line}\n` });
    const r = cli(['build', 'app.js', '-t', 'pico-w'], dir);
    assert.is(r.status, 1, line);
    assert.match(r.stderr, /^kaluma-net: error: \S+\.env:2: KALUMA_NET_WIFI_PASSWORD: /, line);
    assert.match(r.stderr, why, line);
    assert.not.match(r.stderr, /word-123|unbalanced-pass/, 'the value is never shown');
    assert.is(r.stderr.split('\n').length, 2, 'one line');
    assert.not.ok(existsSync(join(dir, 'dist')), 'nothing written');
  }
});

const SNAPSHOT_TOOL = process.env.KALUMA_NET_JERRY_SNAPSHOT;
const withTool = gated(test, !!SNAPSHOT_TOOL && existsSync(SNAPSHOT_TOOL), 'secrets-cli: KALUMA_NET_JERRY_SNAPSHOT is not set: skipping the snapshot credential test');

withTool('snapshots of a build with credentials: named by the build, mode 600, inspect reports them and hides the password', () => {
  const dir = project({ 'app.js': APP, '.env': ENV });
  const r = cli(['build', 'app.js', '-t', 'pico-w', '--format', 'js,bin,uf2,snapshot', '--json'], dir);
  assert.is(r.status, 0, r.stderr);
  const note = (JSON.parse(r.stdout).notes as string[]).find((n) => n.startsWith('Wi-Fi credentials'))!;
  for (const file of ['app.snapshot', 'app.snapshot.bin', 'app.snapshot.uf2']) {
    assert.ok(note.includes(`dist/${file} (program text)`), `${file} named: ${note}`);
    assert.is(statSync(join(dir, 'dist', file)).mode & 0o777, 0o600, file);
    const i = cli(['inspect', `dist/${file}`], dir);
    assert.is(i.status, 0, i.stdout);
    assert.not.match(i.stdout, new RegExp(PASSWORD), `${file}: the password is never shown`);
    assert.match(i.stdout, /Wi-Fi: SSID "home-net", password present \(in the (byte code|program \(snapshot byte code\))\): keep this file private/, file);
  }
});

test("the next build removes stale temp files of its own outputs (not others', not a live writer's)", () => {
  const dir = project({ 'app.js': APP });
  mkdirSync(join(dir, 'dist'));
  const dead = 2 ** 22 + 12345; // above Linux's pid_max default range: no such process
  const stale = [`.app.js.${dead}.0123abcd.tmp`, `.app.uf2.${dead}.89abcdef.tmp`];
  const kept = [`.other.js.${dead}.0123abcd.tmp`, `.app.js.${process.pid}.0123abcd.tmp`, 'notes.txt'];
  for (const f of [...stale, ...kept]) writeFileSync(join(dir, 'dist', f), 'partial');
  const r = cli(['build', 'app.js', '-t', 'pico-w'], dir);
  assert.is(r.status, 0, r.stderr);
  assert.equal(readdirSync(join(dir, 'dist')).sort(), ['app.js', 'app.uf2', ...kept].sort());
});

test.run();
