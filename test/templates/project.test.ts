// What `init` writes for each target: the dependency on kaluma-net, the scripts, and a README that
// promises only what the target has.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { initTargetIds, kalumaNetDependency, scaffold } from '../../cli/init/scaffold';
import { asker } from '../../cli/init/prompt';
import { PassThrough } from 'node:stream';
import { cli, ROOT } from '../helpers/cli';

const VERSION = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version;

async function project(target: string, template = 'tcp-echo-server') {
  const dir = join(mkdtempSync(join(tmpdir(), 'kn-project-')), `${template}-${target}`);
  await scaffold({ dir, template, target, typescript: false, force: false });
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  return { dir, pkg, readme: readFileSync(join(dir, 'README.md'), 'utf8') };
}

test('the dependency: the published version, or a relative file: link to a checkout (with a note)', () => {
  assert.equal(kalumaNetDependency('/home/me/app', '/home/me/app/node_modules/kaluma-net'), { spec: `^${VERSION}` });
  assert.equal(kalumaNetDependency('/home/me/app', tmpdir()), { spec: `^${VERSION}` }, 'not a checkout: no .git');
  const linked = kalumaNetDependency('/nowhere/app', ROOT);
  assert.ok(linked.spec.startsWith('file:../'), linked.spec);
  assert.is(resolve('/nowhere/app', linked.spec.slice('file:'.length)), ROOT);
  assert.match(linked.note!, /links kaluma-net from the checkout at .*\(".*", relative: move the project with it\), or use "\^\d+\.\d+\.\d+" from npm/);
});

test('init from this checkout: no absolute path in package.json, and the note says how it is linked', () => {
  const dir = join(mkdtempSync(join(tmpdir(), 'kn-link-')), 'app');
  const r = cli(['init', dir, '--template', 'tcp-client', '--target', 'host'], tmpdir());
  assert.is(r.status, 0, r.stderr);
  const text = readFileSync(join(dir, 'package.json'), 'utf8');
  assert.not.match(text, /"file:\//);
  assert.is(resolve(dir, JSON.parse(text).devDependencies['kaluma-net'].slice('file:'.length)), ROOT);
  assert.match(r.stdout, /\nnote: package.json links kaluma-net from the checkout/);
});

test('host: npm start runs on real sockets; no flash, no UF2, no Wi-Fi in the README', async () => {
  const { pkg, readme } = await project('host');
  assert.equal(pkg.scripts, { start: 'kaluma-net run', build: 'kaluma-net build' });
  assert.match(readme, /`npm start` builds the program and runs it on this PC, .* on this PC's real network/);
  assert.match(readme, /Ctrl-C stops it/);
  for (const word of [/uf2/i, /flash/, /Wi-Fi/, /WIFI/, /BOOTSEL/]) assert.not.match(readme, word);
});

test('pico-w: emulated Wi-Fi chip, UF2 and flash, Wi-Fi credentials, one client at a time for a server only', async () => {
  const { pkg, readme } = await project('pico-w');
  assert.equal(pkg.scripts, { start: 'kaluma-net run --emulate', build: 'kaluma-net build', flash: 'kaluma-net flash' });
  assert.match(readme, /Wi-Fi chip is emulated under the firmware's own CYW43 driver/);
  assert.match(readme, /`dist\/index\.uf2`/);
  assert.match(readme, /`npm run flash`/);
  assert.match(readme, /## Wi-Fi[\s\S]*KALUMA_NET_WIFI_SSID=/);
  assert.match(readme, /one client at a time/);
  assert.not.match((await project('pico-w', 'tcp-client')).readme, /one client at a time/);
});

test('pico-esp01: wiring and Wi-Fi; w5500-evb-pico: Ethernet, no Wi-Fi', async () => {
  const esp = (await project('pico-esp01')).readme;
  assert.match(esp, /## Wiring[\s\S]*GP0 \(TX\) to ESP RX, GP1 \(RX\)\nto ESP TX, 115200 baud/);
  assert.match(esp, /## Wi-Fi/);
  assert.match(esp, /emulated ESP-01 modem/);
  const w = (await project('w5500-evb-pico')).readme;
  assert.match(w, /## Ethernet[\s\S]*DHCP/);
  assert.match(w, /emulated W5500 Ethernet chip/);
  assert.not.match(w, /Wi-Fi|WIFI/);
});

test('targets without a reachable network are refused by name', () => {
  assert.not.ok(initTargetIds().includes('pico') || initTargetIds().includes('sim'));
  const dir = mkdtempSync(join(tmpdir(), 'kn-refuse-'));
  const pico = cli(['init', join(dir, 'a'), '--template', 'tcp-client', '--target', 'pico'], tmpdir());
  assert.is(pico.status, 1);
  assert.match(pico.stderr, /--target pico: pico has no network hardware, and every template uses net; init targets: host, pico-esp01, pico-w/);
  const sim = cli(['init', join(dir, 'b'), '--template', 'tcp-client', '--target', 'sim'], tmpdir());
  assert.match(sim.stderr, /--target sim: sim is the in-memory network of kaluma-net's own tests/);
});

test('prompt: a number picks that choice, a name is taken as is, anything else asks again', async () => {
  const input = new PassThrough();
  const output = new PassThrough();
  let shown = '';
  output.on('data', (d) => (shown += d));
  const a = asker(input, output);
  input.write('2\n');
  assert.is(await a.choose('template', ['one', 'two', 'three'], 'three'), 'two');
  input.write('three\n');
  assert.is(await a.choose('template', ['one', 'two', 'three'], 'one'), 'three');
  input.write('\n');
  assert.is(await a.choose('language', ['JavaScript', 'TypeScript'], 'JavaScript'), 'JavaScript');
  input.write('4\nfour\n1\n');
  assert.is(await a.choose('template', ['one', 'two', 'three'], 'three'), 'one');
  assert.match(shown, /"4" is not one of 1-3: one, two, three\n[\s\S]*"four" is not one of 1-3/);
  input.end();
  await a.choose('x', ['y'], 'y').then(
    () => assert.unreachable('answered after the input ended'),
    (e) => assert.match((e as Error).message, /the input ended before every question was answered/),
  );
  a.close();
});

test.run();
