// Bad input ends in one clear line and a non-zero status, never a stack; results scripts can trust.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, cli, project, type CliResult } from '../helpers/cli';
import { gated } from '../helpers/gated';

const APP = `import { createConnection } from 'net';\ncreateConnection(80, '127.0.0.1').on('error', () => 0);\n`;
const arrows = (n: number) => `console.log([${Array.from({ length: n }, (_, i) => `(x) => x + ${i}`).join(', ')}].length);\n`;

/** One `kaluma-net: error:` line matching `what`, status 1, no stack. */
function oneLine(r: CliResult, what: RegExp): void {
  assert.is(r.status, 1, r.stderr);
  assert.match(r.stderr, /^kaluma-net: error: [^\n]+\n$/);
  assert.match(r.stderr, what);
}

/** Root writes anywhere: as root, permission tests run the CLI as the unprivileged user nobody. */
const asRoot = process.getuid?.() === 0;
const NOBODY = { uid: 65534, gid: 65534 };

function cliUnprivileged(args: string[], cwd: string): CliResult {
  if (!asRoot) return cli(args, cwd);
  chmodSync(cwd, 0o755);
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', ...NOBODY, env: { ...process.env, HOME: '/tmp', FORCE_COLOR: '0' }, timeout: 60000 });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Whether permissions can be tested here: not root, or root and nobody can run this checkout. */
const permissionsTestable = !asRoot || spawnSync(process.execPath, [BIN, '--version'], { cwd: '/', ...NOBODY, timeout: 60000 }).status === 0;
const permissionTest = gated(test, permissionsTestable, 'errors-cli: running as root in a checkout the user nobody cannot read: skipping the permission test');

test('--outdir that is a file, under a file, not creatable; /proc/x fails instead of hanging', () => {
  const dir = project({ 'app.js': APP, 'afile': 'x' });
  oneLine(cli(['build', 'app.js', '-t', 'pico-w', '--outdir', 'afile'], dir), /--outdir afile: is a file, not a directory/);
  oneLine(cli(['build', 'app.js', '-t', 'pico-w', '--outdir', 'afile/out'], dir), /--outdir afile\/out: \S+\/afile is a file, not a directory/);
  oneLine(cli(['build', 'app.js', '-t', 'pico-w', '--outdir', '/proc/x'], dir), /--outdir \/proc\/x: cannot create \/proc\/x/);
  writeFileSync(join(dir, 'kaluma-net.json'), '{"outdir": "afile"}');
  oneLine(cli(['build', 'app.js', '-t', 'pico-w'], dir), /output directory afile: is a file, not a directory/);
});

permissionTest('a read-only output directory, a project directory that is not writable', () => {
  const dir = project({ 'app.js': APP });
  const ro = join(dir, 'ro');
  mkdirSync(ro);
  chmodSync(ro, 0o555);
  oneLine(cliUnprivileged(['build', 'app.js', '-t', 'pico-w', '--outdir', 'ro'], dir), /--outdir ro: the directory is not writable \(permission denied\)/);
  oneLine(cliUnprivileged(['build', 'app.js', '-t', 'pico-w'], dir), /output directory dist: cannot create \S+\/dist: permission denied/);
});

test('init into a file, under a file, into /proc/x; a target without a network is refused', () => {
  const dir = project({ 'afile': 'x' });
  oneLine(cli(['init', 'afile', '--template', 'tcp-client', '-t', 'pico-w'], dir), /afile: is a file, not a directory/);
  oneLine(cli(['init', 'afile/app', '--template', 'tcp-client', '-t', 'pico-w'], dir), /afile\/app: \S+ is a file, not a directory/);
  oneLine(cli(['init', '/proc/x', '--template', 'tcp-client', '-t', 'pico-w'], dir), /\/proc\/x: cannot create \/proc\/x/);
  oneLine(cli(['init', 'app', '--template', 'tcp-client', '-t', 'pico'], dir), /--target pico: pico has no network hardware, and every template uses net; init targets: .*pico-w/);
  assert.not.ok(existsSync(join(dir, 'app')), 'nothing created');
});

test('a closed stdout (build | head) ends the CLI quietly', async () => {
  const dir = project({ 'app.js': APP });
  for (const args of [['build', 'app.js', '-t', 'pico-w'], ['targets']]) {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.destroy(); // the reader is gone before the first line is written
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const status = await new Promise<number | null>((res) => child.on('close', (code) => res(code)));
    assert.is(stderr, '', args.join(' '));
    assert.is(status, 0, args.join(' '));
  }
});

test("a program whose parse needs more than the board's heap is an error; --allow-heap-overflow builds it", () => {
  const dir = project({ 'huge.js': arrows(8000) });
  const r = cli(['build', 'huge.js', '--target', 'pico', '--format', 'js'], dir);
  oneLine(r, /pico: parsing this program needs about \d+ KB, more than the board's 180 KB JerryScript heap: .*; --allow-heap-overflow builds it anyway/);
  assert.not.ok(existsSync(join(dir, 'dist')), 'nothing written');
  const ok = cli(['build', 'huge.js', '--target', 'pico', '--format', 'js', '--allow-heap-overflow'], dir);
  assert.is(ok.status, 0, ok.stderr);
  assert.match(ok.stderr, /warning: pico: parsing this program needs about \d+ KB, more than the board's 180 KB/);
});

test('build --json prints a JSON result on failure too', () => {
  const dir = project({ 'a.js': 'let a = ;\n', 'app.js': APP });
  let r = cli(['build', 'a.js', '-t', 'pico', '--json'], dir);
  assert.is(r.status, 1);
  const j = JSON.parse(r.stdout);
  assert.is(j.ok, false);
  assert.match(j.errors[0], /a\.js:1:\d+: /);
  r = cli(['build', 'app.js', '-t', 'pico-w', '--json', '-D', '1x=2'], dir);
  assert.equal(JSON.parse(r.stdout), { ok: false, errors: [r.stderr.replace(/^kaluma-net: error: /, '').trim()] });
  r = cli(['build', 'app.js', '-t', 'pico-w', '--json'], dir);
  assert.is(JSON.parse(r.stdout).ok, true);
});

test('inspect exits non-zero for a file with problems, zero for a good one', () => {
  const dir = project({ 'app.js': APP, 'empty.js': '', 'empty.uf2': '' });
  assert.is(cli(['build', 'app.js', '-t', 'pico-w', '--format', 'js,bin,uf2'], dir).status, 0);
  const uf2 = readFileSync(join(dir, 'dist/app.uf2'));
  writeFileSync(join(dir, 'truncated.uf2'), uf2.subarray(0, 1000));
  writeFileSync(join(dir, 'magic.uf2'), Buffer.concat([Buffer.from('XXXX'), uf2.subarray(4)]));
  writeFileSync(join(dir, 'edited.js'), readFileSync(join(dir, 'dist/app.js'), 'latin1').replace('127.0.0.1', '127.0.0.2'));
  writeFileSync(join(dir, 'erased.bin'), Buffer.alloc(4096, 0xff));
  for (const good of ['dist/app.js', 'dist/app.bin', 'dist/app.uf2']) {
    const r = cli(['inspect', good], dir);
    assert.is(r.status, 0, `${good}: ${r.stdout}`);
  }
  const expected: Record<string, RegExp> = {
    'empty.js': /the program is empty/,
    'empty.uf2': /no UF2 blocks found/,
    'truncated.uf2': /not a multiple of 512/,
    'magic.uf2': /bad UF2 magic in block 0/,
    'edited.js': /the program text was changed after the build/,
    'erased.bin': /holds no program/,
  };
  for (const [bad, problem] of Object.entries(expected)) {
    const r = cli(['inspect', bad], dir);
    assert.is(r.status, 1, bad);
    assert.match(r.stdout, problem, bad);
    const j = cli(['inspect', bad, '--json'], dir);
    assert.is(j.status, 1, `${bad} --json`);
    assert.ok(JSON.parse(j.stdout).problems.length > 0);
  }
});

test('--sourcemap: the stamp matches what is written, in the .js and the images', () => {
  const dir = project({ 'app.js': APP });
  const r = cli(['build', 'app.js', '-t', 'pico-w', '--format', 'js,bin', '--sourcemap'], dir);
  assert.is(r.status, 0, r.stderr);
  assert.match(readFileSync(join(dir, 'dist/app.js'), 'latin1'), /\n\/\/# sourceMappingURL=app\.js\.map\n$/);
  for (const f of ['dist/app.js', 'dist/app.bin']) {
    const i = cli(['inspect', f, '--json'], dir);
    assert.is(i.status, 0, i.stdout);
    assert.is(JSON.parse(i.stdout).program.stamp.hashMatches, true, f);
  }
});

test('flash of a .uf2 with --port says --port does not apply', () => {
  const dir = project({ 'app.js': APP });
  assert.is(cli(['build', 'app.js', '-t', 'pico-w'], dir).status, 0);
  oneLine(cli(['flash', 'dist/app.uf2', '--port', '/dev/x'], dir), /--port \/dev\/x: a UF2 is copied to the board's BOOTSEL drive, not sent over a serial port/);
});

test('run without --emulate: one clean line for every board target with a network chip', () => {
  const dir = project({ 'app.js': APP });
  oneLine(cli(['run', 'app.js', '-t', 'pico-esp01'], dir), /target pico-esp01: its ESP-01 modem is on UART0: bind it to a serial port with --uart 0=\/dev\/ttyUSB0, or run it with --emulate/);
  oneLine(cli(['run', 'app.js', '-t', 'w5500-evb-pico'], dir), /target w5500-evb-pico: its W5500 chip on SPI0 can only be emulated on this PC: run it with --emulate/);
  oneLine(cli(['run', 'app.js', '-t', 'pico-w'], dir), /target pico-w: its Wi-Fi chip is built into the firmware; run it with --emulate/);
});

test.run();
