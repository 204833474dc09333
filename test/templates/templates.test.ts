import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { spawnSync } from 'node:child_process';
import { connect } from 'node:net';
import { build } from '../../cli/pipeline/build';
import { initTargetIds, scaffold, templateNames } from '../../cli/init/scaffold';
import { cli, cliAsync, freePort, ROOT } from '../helpers/cli';
import { gated } from '../helpers/gated';

const TEMPLATES = ['http-hello', 'tcp-client', 'tcp-echo-server'];

test('the templates are the documented three', () => {
  assert.equal(templateNames(), TEMPLATES);
});

test('init: package.json, config, .gitignore, sources; refuses a non-empty dir without --force', () => {
  const dir = join(mkdtempSync(join(tmpdir(), 'kn-init-')), 'my app');
  const r = cli(['init', dir, '--template', 'tcp-echo-server', '--target', 'pico-w', '--typescript'], tmpdir());
  assert.is(r.status, 0, r.stderr);
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  assert.is(pkg.name, 'my-app');
  assert.equal(pkg.scripts, { start: 'kaluma-net run --emulate', build: 'kaluma-net build', flash: 'kaluma-net flash', typecheck: 'tsc -p tsconfig.json' });
  assert.equal(pkg.allowScripts, { esbuild: true, '@serialport/bindings-cpp': true });
  assert.equal(JSON.parse(readFileSync(join(dir, 'kaluma-net.json'), 'utf8')), { target: 'pico-w' });
  assert.is(readFileSync(join(dir, '.gitignore'), 'utf8'), 'node_modules/\ndist/\n.env\n.env.*\n!.env.example\n');
  assert.ok(existsSync(join(dir, 'src/index.ts')) && existsSync(join(dir, 'tsconfig.json')));
  assert.match(readFileSync(join(dir, 'README.md'), 'utf8'), /\.env/);
  assert.match(r.stdout, /^created tcp-echo-server \(TypeScript\) for pico-w in /);
  assert.match(r.stdout, /\nnext: cd .* && npm install && npm start\n$/);
  const again = cli(['init', dir, '--template', 'tcp-client', '--target', 'pico-w'], tmpdir());
  assert.equal([again.status, again.stderr.trim()], [1, `kaluma-net: error: ${dir}: directory is not empty (use --force to write into it anyway)`]);
  assert.is(cli(['init', dir, '--template', 'tcp-client', '--target', 'pico-w', '--force'], tmpdir()).status, 0);
  const bad = cli(['init', join(dir, 'x'), '--template', 'nope', '--target', 'pico-w'], tmpdir());
  assert.match(bad.stderr, /--template nope: unknown template; templates: http-hello, tcp-client, tcp-echo-server/);
  assert.match(cli(['init', join(dir, 'y')], tmpdir()).stderr, /--template and --target are required when not on a terminal/);
});

const terminalTest = gated(test, spawnSync('sh', ['-c', 'command -v script']).status === 0, 'templates: terminal prompt test skipped: util-linux `script` (to give init a terminal) is not installed');
terminalTest('init on a terminal asks template, language and target, by number or by name', async () => {
  const dir = join(mkdtempSync(join(tmpdir(), 'kn-ask-')), 'app');
  const { spawn } = await import('node:child_process');
  const child = spawn('script', ['-qc', `${process.execPath} ${join(ROOT, 'bin/kaluma-net.cjs')} init ${dir}`, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'] });
  // "2" is the second template (tcp-client), then TypeScript, then a target by name.
  const answers: [RegExp, string][] = [
    [/template:\r?\n  1\) http-hello\r?\n  2\) tcp-client\r?\n  3\) tcp-echo-server\r?\nchoose 1-3 or a name \[tcp-echo-server\]: $/, '2\n'],
    [/language:\r?\n  1\) JavaScript\r?\n  2\) TypeScript\r?\nchoose 1-2 or a name \[JavaScript\]: $/, '2\n'],
    [/target:\r?\n(  \d\) .*\r?\n)+choose 1-\d or a name \[pico-w\]: $/, 'pico-esp01\n'],
  ];
  let out = '';
  let asked = '';
  child.stdout.on('data', (d) => {
    out += d;
    asked += d;
    if (answers.length && answers[0][0].test(asked)) {
      child.stdin.write(answers.shift()![1]);
      asked = '';
    }
  });
  const guard = setTimeout(() => child.kill('SIGKILL'), 30000);
  await new Promise((r) => child.on('close', r));
  clearTimeout(guard);
  assert.is(answers.length, 0, out);
  assert.match(out, /created tcp-client \(TypeScript\) for pico-esp01/);
  assert.equal(JSON.parse(readFileSync(join(dir, 'kaluma-net.json'), 'utf8')), { target: 'pico-esp01' });
  assert.ok(existsSync(join(dir, 'src/index.ts')));
});

test('every template x language x init target: init + build, output passes the engine check', async () => {
  const base = mkdtempSync(join(tmpdir(), 'kn-matrix-'));
  for (const template of TEMPLATES) {
    for (const typescript of [false, true]) {
      for (const target of initTargetIds()) {
        const dir = join(base, `${template}-${typescript ? 'ts' : 'js'}-${target}`);
        await scaffold({ dir, template, target, typescript, force: false });
        const r = await build({ cwd: dir, write: false });
        assert.equal(r.diagnostics, [], `${dir}: engine warnings`);
        assert.ok(r.program.length > 1000, dir);
        if (r.target.flash) assert.ok(r.size < r.target.flash.programSize, dir);
      }
    }
  }
});

test('a TypeScript project type-checks against the shipped declarations', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kn-ts-'));
  for (const template of TEMPLATES) {
    const proj = join(dir, template);
    cli(['init', proj, '--template', template, '--target', 'pico-w', '--typescript'], tmpdir());
    // What `npm install` gives the project: kaluma-net's declarations under node_modules/kaluma-net/types.
    const tsconfig = JSON.parse(readFileSync(join(proj, 'tsconfig.json'), 'utf8'));
    tsconfig.compilerOptions.types = [];
    tsconfig.compilerOptions.typeRoots = [];
    tsconfig.files = [resolve(ROOT, 'types/index.d.ts')];
    writeFileSync(join(proj, 'tsconfig.check.json'), JSON.stringify(tsconfig));
    const r = spawnSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.check.json'], { cwd: proj, encoding: 'utf8' });
    assert.is(r.status, 0, `${template}: ${r.stdout}${r.stderr}`);
  }
});

async function runTemplate(template: string, port: number) {
  const dir = join(mkdtempSync(join(tmpdir(), 'kn-run-')), template);
  await scaffold({ dir, template, target: 'host', typescript: template === 'http-hello', force: false });
  return cliAsync(['run', '--define', `__PORT__=${port}`], dir);
}

function request(port: number, text: string | Buffer): Promise<Buffer> {
  return new Promise((res, rej) => {
    const chunks: Buffer[] = [];
    const c = connect(port, '127.0.0.1', () => c.write(text));
    c.on('data', (d) => chunks.push(d));
    c.on('error', rej);
    c.on('end', () => res(Buffer.concat(chunks)));
  });
}

test('tcp-echo-server under run --target host echoes bytes back', async () => {
  const port = await freePort();
  const p = await runTemplate('tcp-echo-server', port);
  await p.waitFor('listening');
  const payload = Buffer.from(Array.from({ length: 70000 }, (_, i) => (i * 7) % 256));
  const got = await new Promise<Buffer>((res, rej) => {
    const chunks: Buffer[] = [];
    const c = connect(port, '127.0.0.1', () => c.end(payload));
    c.on('data', (d) => chunks.push(d));
    c.on('error', rej);
    c.on('close', () => res(Buffer.concat(chunks)));
  });
  assert.ok(got.equals(payload));
  p.child.kill('SIGINT');
  await p.done;
});

test('http-hello under run --target host: 200 with the body, 404 for other paths', async () => {
  const port = await freePort();
  const p = await runTemplate('http-hello', port);
  await p.waitFor('listening');
  const ok = (await request(port, 'GET / HTTP/1.1\r\nHost: x\r\n\r\n')).toString();
  assert.match(ok, /^HTTP\/1\.1 200 OK\r\n/);
  assert.match(ok, /Content-Length: 19\r\n/);
  assert.match(ok, /Connection: close\r\n\r\nHello from Kaluma!\n$/);
  const nf = (await request(port, 'GET /nope HTTP/1.1\r\n\r\n')).toString();
  assert.match(nf, /^HTTP\/1\.1 404 Not Found\r\n[\s\S]*not found: \/nope\n$/);
  const bad = (await request(port, 'BREW\r\n\r\n')).toString();
  assert.match(bad, /^HTTP\/1\.1 400 Bad Request/);
  p.child.kill('SIGINT');
  await p.done;
});

test('tcp-client under run --target host talks to a real server', async () => {
  const net = await import('node:net');
  const server = net.createServer((s) => s.on('data', (d) => s.end('echo: ' + d.toString())));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  const p = await runTemplate('tcp-client', port);
  const r = await p.done;
  server.close();
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`connected to 127\\.0\\.0\\.1:${port}\\nreply: echo: hello from kaluma-net\\nclosed\\n`));
});

test.run();
