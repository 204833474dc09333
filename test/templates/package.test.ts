// Installing kaluma-net runs no install script of its own: lib/ is built at pack time (prepack), or on
// first use in a checkout; a project made by init installs without a warning, linked or packed.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli, ROOT } from '../helpers/cli';
import { gated } from '../helpers/gated';

const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
const hasNpm = spawnSync('npm', ['--version'], { encoding: 'utf8' }).status === 0;
const npmTest = gated(test, hasNpm, 'package.test.ts: install tests skipped: npm is not on the PATH');

function npm(args: string[], cwd: string) {
  const r = spawnSync('npm', [...args, '--no-audit', '--no-fund', '--no-update-notifier'], { cwd, encoding: 'utf8', timeout: 120000 });
  return { status: r.status, out: r.stdout + r.stderr };
}

function initProject(template = 'tcp-client', target = 'pico-esp01') {
  const dir = join(mkdtempSync(join(tmpdir(), 'kn-install-')), 'app');
  const r = cli(['init', dir, '--template', template, '--target', target], tmpdir());
  assert.is(r.status, 0, r.stderr);
  return dir;
}

test('the package has no install script (preinstall, install, postinstall, prepare); prepack builds lib/', () => {
  for (const s of ['preinstall', 'install', 'postinstall', 'prepare']) assert.not.ok(pkg.scripts[s], `scripts.${s}: ${pkg.scripts[s]}`);
  assert.is(pkg.scripts.prepack, 'node scripts/build-cli.mjs');
  assert.is(pkg.main, 'index.cjs');
  for (const f of ['bin', 'index.cjs', 'lib']) assert.ok(pkg.files.includes(f), f);
});

test('a checkout builds lib/ on first use and again when cli/ or runtime/ changed: the CLI and the package main both work', () => {
  const copy = mkdtempSync(join(tmpdir(), 'kn-checkout-'));
  for (const f of ['package.json', 'index.cjs', 'bin', 'scripts', 'cli', 'runtime', 'targets', 'templates', 'types']) cpSync(join(ROOT, f), join(copy, f), { recursive: true });
  symlinkSync(join(ROOT, 'node_modules'), join(copy, 'node_modules'));
  mkdirSync(join(copy, '.git'));
  const targets = () => spawnSync(process.execPath, [join(copy, 'bin/kaluma-net.cjs'), 'targets'], { encoding: 'utf8' });
  const first = targets();
  assert.is(first.status, 0, first.stderr);
  assert.is(first.stderr, 'kaluma-net: building lib/ from the sources (first use of this checkout)\n');
  assert.match(first.stdout, /^pico-w +Raspberry Pi Pico W/m);
  assert.ok(existsSync(join(copy, 'lib/kaluma-net.cjs')) && existsSync(join(copy, 'lib/api.cjs')));
  const api = spawnSync(process.execPath, ['-e', `console.log(require(${JSON.stringify(copy)}).listTargetIds().length)`], { encoding: 'utf8' });
  assert.equal([api.status, api.stderr], [0, '']);
  assert.ok(Number(api.stdout) > 5, api.stdout);
  // An edit after the build (lib/ dated back, so that file times of one second apart are enough).
  const before = new Date(Date.now() - 10000);
  for (const f of ['kaluma-net.cjs', 'api.cjs']) utimesSync(join(copy, 'lib', f), before, before);
  const edited = join(copy, 'cli/commands/targets.ts');
  writeFileSync(edited, readFileSync(edited, 'utf8').replace("'list the board targets'", "'list the board targets (edited)'"));
  const help = spawnSync(process.execPath, [join(copy, 'bin/kaluma-net.cjs'), '--help'], { encoding: 'utf8' });
  assert.is(help.stderr, 'kaluma-net: building lib/ from the sources (cli/ changed)\n');
  assert.match(help.stdout, /list the board targets \(edited\)/);
  assert.is(targets().stderr, '', 'built once');
  // The CLI bundles driver option checks from runtime/: an edit there alone rebuilds too.
  const driver = join(copy, 'runtime/drivers/w5500/config.ts');
  writeFileSync(driver, readFileSync(driver, 'utf8') + '\n');
  const later = new Date(Date.now() + 10000);
  utimesSync(driver, later, later);
  assert.is(targets().stderr, 'kaluma-net: building lib/ from the sources (runtime/ changed)\n');
});

npmTest('a project linking this checkout (file:) installs with no warning, and its kaluma-net builds', () => {
  const dir = initProject();
  const r = npm(['install', '--offline'], dir);
  assert.is(r.status, 0, r.out);
  assert.not.match(r.out, /warn/i);
  const built = spawnSync(join(dir, 'node_modules/.bin/kaluma-net'), ['build'], { cwd: dir, encoding: 'utf8' });
  assert.is(built.status, 0, built.stderr);
  assert.ok(existsSync(join(dir, 'dist/index.uf2')));
});

npmTest('the packed package installs into a project made by init with no warning, and builds', () => {
  const packs = mkdtempSync(join(tmpdir(), 'kn-pack-'));
  const packed = npm(['pack', '--pack-destination', packs], ROOT);
  assert.is(packed.status, 0, packed.out);
  const tarball = join(packs, `kaluma-net-${pkg.version}.tgz`);
  const dir = initProject('http-hello', 'w5500-evb-pico');
  const project = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  project.devDependencies['kaluma-net'] = `file:${tarball}`;
  writeFileSync(join(dir, 'package.json'), JSON.stringify(project, null, 2));
  // kaluma-net's dependencies come from npm's cache (the checkout's own install put them there).
  const r = npm(['install', '--prefer-offline'], dir);
  assert.is(r.status, 0, r.out);
  assert.not.match(r.out, /warn/i);
  assert.ok(existsSync(join(dir, 'node_modules/kaluma-net/lib/kaluma-net.cjs')));
  const built = spawnSync(join(dir, 'node_modules/.bin/kaluma-net'), ['build'], { cwd: dir, encoding: 'utf8' });
  assert.is(built.status, 0, built.stderr);
  assert.match(built.stdout, /built src\/index\.js for w5500-evb-pico/);
});

test.run();
