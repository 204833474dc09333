// `kaluma-net build --watch`: says that it watches and how to stop, rebuilds on every change with the
// same warnings and notes as a build, survives a broken edit, and stops on Ctrl-C.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli, cliAsync, project } from '../helpers/cli';

const BUILT = /^\[[^\]]+\] built dist\/app\.js \(\d+ bytes, \d+ ms\)$/gm;

/** Resolves once `count` lines match `re` in the child's stdout. */
function lines(p: ReturnType<typeof cliAsync>, re: RegExp, count: number): Promise<void> {
  return new Promise((res, rej) => {
    const t = setInterval(() => {
      if ((p.stdout.match(re) ?? []).length >= count) {
        clearInterval(t);
        clearTimeout(give);
        res();
      }
    }, 20);
    const give = setTimeout(() => {
      clearInterval(t);
      rej(new Error(`waited for ${count} x ${re}; stdout: ${p.stdout}; stderr: ${p.stderr}`));
    }, 20000);
  });
}

test('--watch: says it is watching and how to stop; one line per rebuild; Ctrl-C ends it', async () => {
  const dir = project({ 'app.js': `print(1);\n` });
  const p = cliAsync(['build', 'app.js', '-t', 'pico', '--format', 'js', '--watch'], dir);
  try {
    await p.waitFor('(Ctrl-C to stop)');
    assert.match(p.stdout, /^watching 1 input files for changes \(Ctrl-C to stop\)$/m);
    writeFileSync(join(dir, 'app.js'), `print(2);\n`);
    await lines(p, BUILT, 2);
    assert.match(readFileSync(join(dir, 'dist/app.js'), 'latin1'), /print\(2\)/);

    writeFileSync(join(dir, 'app.js'), `print(;\n`);
    await p.waitFor('build failed; waiting for a change');
    assert.match(p.stderr, /^error: app\.js:1:7: /m);
    writeFileSync(join(dir, 'app.js'), `print(3);\n`);
    await lines(p, BUILT, 3);
    assert.match(readFileSync(join(dir, 'dist/app.js'), 'latin1'), /print\(3\)/);
  } finally {
    p.child.kill('SIGINT');
  }
  const r = await p.done;
  assert.is(r.status, 0, r.stderr);
});

test('--watch: every rebuild prints the engine warnings, heap warning and credential notes of a build', async () => {
  // Object.hasOwn: an engine warning; a 130 KB string: the heap warning; Wi-Fi credentials: a note.
  const app = (n: number) => `import { createConnection } from 'net';\nconst o = { a: ${n} };\nif (Object.hasOwn(o, 'a')) createConnection(80, '10.0.0.1');\nprint("${'x'.repeat(130000)}");\n`;
  const dir = project({ 'app.js': app(1) });
  const flags = ['app.js', '-t', 'pico-w', '--format', 'js', '--wifi-ssid', 'home', '--wifi-password', 'pw-1234'];
  const once = cli(['build', ...flags], dir);
  assert.is(once.status, 0, once.stderr);
  const warnings = once.stderr.split('\n').filter((l) => l.startsWith('warning: '));
  const notes = once.stdout.split('\n').filter((l) => l.trim().startsWith('note: '));
  assert.ok(warnings.some((l) => /Object\.hasOwn is not available/.test(l)), once.stderr);
  assert.ok(warnings.some((l) => /parsing this program needs about \d+ KB of the board's/.test(l)), once.stderr);
  assert.ok(notes.some((l) => /Wi-Fi credentials/.test(l)), once.stdout);

  const p = cliAsync(['build', ...flags, '--watch'], dir);
  try {
    await p.waitFor('(Ctrl-C to stop)');
    writeFileSync(join(dir, 'app.js'), app(2));
    await lines(p, BUILT, 2);
    await new Promise((r) => setTimeout(r, 200));
    const count = (text: string, line: string) => text.split('\n').filter((l) => l.trim() === line.trim()).length;
    for (const w of warnings) assert.is(count(p.stderr, w), 2, `${w}\n${p.stderr}`);
    for (const n of notes) assert.is(count(p.stdout, n), 2, `${n}\n${p.stdout}`);
    assert.not.ok(p.stdout.includes('pw-1234') || p.stderr.includes('pw-1234'), 'the password is never printed');
  } finally {
    p.child.kill('SIGINT');
    await p.done;
  }
});

test('--watch: an edit that changes what the program uses of net rebuilds with the new usage', async () => {
  const client = `import { createConnection } from 'net';\ncreateConnection(80, '10.0.0.1').on('error', () => 0);\n`;
  const server = `import { createServer } from 'net';\ncreateServer((s) => s.end()).listen(80);\n`;
  const dir = project({ 'app.js': client });
  const p = cliAsync(['build', 'app.js', '-t', 'pico-w', '--format', 'js', '--no-minify', '--watch'], dir);
  const out = () => readFileSync(join(dir, 'dist/app.js'), 'latin1');
  try {
    await p.waitFor('(Ctrl-C to stop)');
    assert.not.ok(out().includes('runtime/net/server.ts'));
    writeFileSync(join(dir, 'app.js'), server);
    await lines(p, BUILT, 2);
    assert.ok(out().includes('runtime/net/server.ts'), 'the server is in');
    assert.match(p.stderr, /this program opens a server/);
    writeFileSync(join(dir, 'app.js'), client);
    await lines(p, BUILT, 3);
    assert.not.ok(out().includes('runtime/net/server.ts'), 'and out again');
  } finally {
    p.child.kill('SIGINT');
    await p.done;
  }
});

test.run();
