import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeUf2 } from '../../cli/image/uf2-write';
import { cli, project } from '../helpers/cli';

const APP = `import { createConnection } from 'net';\ncreateConnection(80, '127.0.0.1').on('error', () => 0);\n`;

test('default formats for a board: js + uf2; bin on request; inspect reads them back', () => {
  const dir = project({ 'app.js': APP });
  let r = cli(['build', 'app.js', '-t', 'w5500-evb-pico'], dir);
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stdout, /dist\/app\.js +\d+ bytes\n +dist\/app\.uf2 +\d+ bytes/);
  r = cli(['build', 'app.js', '-t', 'w5500-evb-pico', '--format', 'js,bin,uf2', '--json'], dir);
  const j = JSON.parse(r.stdout);
  assert.equal(j.files.map((f: { format: string }) => f.format), ['js', 'bin', 'uf2']);
  const bin = readFileSync(join(dir, 'dist/app.bin'));
  const js = readFileSync(join(dir, 'dist/app.js'));
  assert.is(bin.length % 4096, 0);
  assert.ok(bin.subarray(0, js.length).equals(js));
  assert.is(bin[js.length], 0);
  r = cli(['inspect', 'dist/app.uf2', '--json'], dir);
  assert.is(r.status, 0, r.stderr);
  const info = JSON.parse(r.stdout);
  assert.match(JSON.stringify(info), /"target":"w5500-evb-pico"/);
  assert.match(JSON.stringify(info), /0x10100000/i);
  r = cli(['inspect', 'dist/app.js'], dir);
  assert.is(r.status, 0, r.stderr);
  r = cli(['inspect', 'nope.uf2'], dir);
  assert.equal([r.status, r.stderr], [1, 'kaluma-net: error: nope.uf2: no such file\n']);
});

test('Wi-Fi pre-seeding: the build says so, never prints the password; inspect shows only "present"', () => {
  const dir = project({ 'app.js': APP, '.env': 'KALUMA_NET_WIFI_SSID=home-net\nKALUMA_NET_WIFI_PASSWORD=s3cret-pass-123\n' });
  const r = cli(['build', 'app.js', '-t', 'pico-w', '--json'], dir);
  assert.is(r.status, 0, r.stderr);
  assert.not.match(r.stdout + r.stderr, /s3cret-pass-123/);
  assert.match(r.stdout, /Wi-Fi credentials \(SSID and password\) are in dist\/app\.js \(program text\), dist\/app\.uf2 \(program text and storage slots\)/);
  assert.is(statSync(join(dir, 'dist/app.uf2')).mode & 0o777, 0o600);
  const i = cli(['inspect', 'dist/app.uf2', '--json'], dir);
  assert.not.match(i.stdout, /s3cret-pass-123/);
  assert.match(i.stdout, /home-net/);
  assert.match(i.stdout, /present/);
});

test('--firmware: one combined UF2; a firmware of the wrong family is refused', () => {
  const dir = project({ 'app.js': APP });
  const fw = new Uint8Array(8192).fill(0xaa);
  writeFileSync(join(dir, 'fw-rp2040.uf2'), writeUf2([{ address: 0x10000000, bytes: fw }], 0xe48bff56));
  writeFileSync(join(dir, 'fw-rp2350.uf2'), writeUf2([{ address: 0x10000000, bytes: fw }], 0xe48bff59));
  let r = cli(['build', 'app.js', '-t', 'pico-w', '--firmware', 'fw-rp2040.uf2'], dir);
  assert.is(r.status, 0, r.stderr);
  const uf2 = readFileSync(join(dir, 'dist/app.uf2'));
  const total = uf2.readUInt32LE(24);
  assert.is(uf2.length / 512, total);
  assert.is(uf2.readUInt32LE(12), 0x10000000);
  r = cli(['build', 'app.js', '-t', 'pico-w', '--firmware', 'fw-rp2350.uf2'], dir);
  assert.is(r.status, 1);
  assert.match(r.stderr, /family/i);
  r = cli(['build', 'app.js', '-t', 'pico-w', '--firmware', 'missing.uf2'], dir);
  assert.equal([r.status, r.stderr], [1, 'kaluma-net: error: --firmware missing.uf2: no such file\n']);
});

test('--format errors and PC targets', () => {
  const dir = project({ 'app.js': APP });
  let r = cli(['build', 'app.js', '-t', 'pico-w', '--format', 'hex'], dir);
  assert.equal([r.status, r.stderr], [1, 'kaluma-net: error: --format: unknown format "hex"; formats: js, bin, uf2, snapshot\n']);
  r = cli(['build', 'app.js', '-t', 'host', '--format', 'uf2'], dir);
  assert.match(r.stderr, /--format uf2: target "host" runs on the PC and has no flash images/);
});

test('--format snapshot without a generator says what is needed', () => {
  const dir = project({ 'app.js': `print('hi');\n` });
  const r = cli(['build', 'app.js', '-t', 'pico', '--format', 'snapshot'], dir, { KALUMA_NET_JERRY_SNAPSHOT: '' });
  assert.is(r.status, 1);
  assert.match(r.stderr, /^kaluma-net: error: --format snapshot: .*KALUMA_NET_JERRY_SNAPSHOT/);
});

test.run();
