// Commands load only what they use: the CLI is started with a hook that records which heavy
// packages a command loads; --version, --help, targets, ports and inspect of a file that holds no
// program for a board load none of them, build loads esbuild (so the hook can see one).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, project } from '../helpers/cli';

const HEAVY = ['esbuild', 'terser', 'acorn', 'acorn-walk', 'serialport', '@jridgewell/trace-mapping', 'webpack'];

const dir = project({ 'app.js': `print('hi');\n`, 'plain.js': `print(1);\n` });
const hook = join(dir, 'record-loads.cjs');
writeFileSync(
  hook,
  `const Module = require('module');
const heavy = new Set(${JSON.stringify(HEAVY)});
const seen = new Set();
const load = Module._load;
Module._load = function (request, ...rest) {
  if (heavy.has(request)) seen.add(request);
  return load.call(this, request, ...rest);
};
process.on('exit', () => process.stderr.write('LOADED ' + JSON.stringify([...seen].sort()) + '\\n'));
`,
);

function loaded(args: string[]): string[] {
  const r = spawnSync(process.execPath, ['--require', hook, BIN, ...args], { cwd: dir, encoding: 'utf8', env: { ...process.env, KALUMA_NET_CACHE_DIR: 'off' } });
  assert.is(r.status, 0, `${args.join(' ')}: ${r.stderr}`);
  const line = /^LOADED (.*)$/m.exec(r.stderr);
  assert.ok(line, `no record of loads: ${r.stderr}`);
  return JSON.parse(line![1]);
}

// `ports` lists from sysfs on Linux; elsewhere serialport's native lister is what it uses.
const ports = process.platform === 'linux' ? [['ports']] : [];
for (const args of [['--version'], ['--help'], ['build', '--help'], ['targets'], ['targets', '--json'], ...ports, ['inspect', 'plain.js']]) {
  test(`kaluma-net ${args.join(' ')} loads none of esbuild, terser, acorn, serialport`, () => {
    assert.equal(loaded(args), []);
  });
}

test('build loads esbuild (and the hook sees it)', () => {
  assert.ok(loaded(['build', 'app.js', '-t', 'pico', '--format', 'js']).includes('esbuild'));
});

test.run();
