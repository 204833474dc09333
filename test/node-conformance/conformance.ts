// Runs Node's own test/parallel/test-net-*.js (a directory outside the repository, never committed)
// through `kaluma-net run` on the `host` and `sim` targets, on Node itself for the baseline, and
// ('jerry') built for sim on the real JerryScript 2.4 engine (KALUMA_NET_TEST_JERRY) over the shell
// harness of test/engine (Kaluma's timers on a virtual clock).
// Node's `assert` and `../common` are replaced by our shims (./shim); the tests are otherwise run
// as they are. A test passes when its program exits 0 after "common: ok" (every call count met).
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const ENV = 'KALUMA_NET_NODE_TESTS';
export type Where = 'node' | 'host' | 'sim' | 'jerry';

const ROOT = resolve(__dirname, '../..');
const BIN = join(ROOT, 'bin/kaluma-net.cjs');

export interface Outcome {
  test: string;
  where: Where;
  pass: boolean;
  /** Why it failed: the last lines of its output. */
  why: string;
}

/** The test-net-*.js files of `dir`, optionally only those whose name contains `filter`. */
export function listTests(dir: string, filter?: string): string[] {
  return readdirSync(dir)
    .filter((f) => /^test-net-.*\.js$/.test(f) && (!filter || f.includes(filter)))
    .sort();
}

/** A scratch tree laid out like Node's test/ (parallel/ and common/), with our shims. */
export function prepare(dir: string, tests: string[]): string {
  const root = mkdtempSync(join(tmpdir(), 'kaluma-net-node-tests-'));
  mkdirSync(join(root, 'test/common'), { recursive: true });
  mkdirSync(join(root, 'test/parallel'), { recursive: true });
  copyFileSync(join(__dirname, 'shim/common.js'), join(root, 'test/common/index.js'));
  copyFileSync(join(__dirname, 'shim/assert.js'), join(root, 'test/common/assert.js'));
  for (const t of tests) {
    const src = readFileSync(join(dir, t), 'utf8').replace(/require\((['"])assert\1\)/g, "require('../common/assert')");
    writeFileSync(join(root, 'test/parallel', t), src);
  }
  return root;
}

function exec(args: string[], cwd: string, ms: number): Promise<{ code: number; out: string }> {
  return new Promise((res) => {
    const child = spawn(process.execPath, args, { cwd, env: { ...process.env, FORCE_COLOR: '0' } });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const timer = setTimeout(() => {
      out += `\n(killed after ${ms / 1000} s)`;
      child.kill('SIGKILL');
    }, ms);
    child.on('close', (code) => {
      clearTimeout(timer);
      res({ code: code ?? -1, out });
    });
  });
}

export async function runOne(root: string, test: string, where: Where): Promise<Outcome> {
  const file = join('test/parallel', test);
  if (where === 'jerry') return onEngine(root, test, file);
  const args = where === 'node' ? [file] : [BIN, 'run', file, '--target', where, '--no-minify', '--cwd', root];
  const { code, out } = await exec(args, root, 40000);
  const pass = code === 0 && /^common: ok$/m.test(out);
  const why = pass ? '' : `exit ${code}: ${out.trim().split('\n').slice(-4).join(' | ')}`;
  return { test, where, pass, why };
}

async function onEngine(root: string, test: string, file: string): Promise<Outcome> {
  const { JERRY, JERRY_ENV, runOnLoop } = await import('../engine/jerry');
  if (!JERRY) return { test, where: 'jerry', pass: false, why: `${JERRY_ENV} is not set` };
  const { build } = await import('../../cli/pipeline/build');
  let program: string;
  try {
    program = (await build({ cwd: root, entry: file, target: 'sim', formats: ['js'], write: false })).program;
  } catch (e) {
    return { test, where: 'jerry', pass: false, why: `build: ${(e as Error).message}` };
  }
  const out = join(root, test.replace(/\.js$/, '.sim.js'));
  writeFileSync(out, program);
  const r = runOnLoop(out, 60000);
  const pass = r.run.status === 0 && !!r.end && r.end.kind === 'DONE' && r.end.uncaught === 0 && /^common: ok$/m.test(r.output);
  const why = pass ? '' : `status ${r.run.status} ${r.end ? r.end.kind + ' uncaught=' + r.end.uncaught : ''}: ${(r.output + r.run.stderr).trim().split('\n').slice(-3).join(' | ')}`;
  return { test, where: 'jerry', pass, why };
}

/** Runs every test on every `where`, reporting each outcome as it comes. */
export async function runAll(dir: string, wheres: Where[], filter?: string, report?: (o: Outcome) => void): Promise<Outcome[]> {
  const tests = listTests(dir, filter);
  const root = prepare(dir, tests);
  const all: Outcome[] = [];
  try {
    for (const t of tests) {
      for (const w of wheres) {
        const o = await runOne(root, t, w);
        all.push(o);
        report?.(o);
      }
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  return all;
}

export function totals(all: Outcome[], wheres: Where[]): string {
  return wheres
    .map((w) => {
      const mine = all.filter((o) => o.where === w);
      return `${w}: ${mine.filter((o) => o.pass).length}/${mine.length}`;
    })
    .join(', ');
}

// As a script: node --import tsx test/node-conformance/conformance.ts [--where node,host,sim] [filter]
if (require.main === module) {
  const dir = process.env[ENV];
  const argv = process.argv.slice(2);
  const i = argv.indexOf('--where');
  const wheres = (i >= 0 ? argv.splice(i, 2)[1] : 'node,host,sim').split(',') as Where[];
  if (!dir) {
    console.log(`node conformance: skipped (${ENV} is not set; point it at a directory of Node v20's test/parallel/test-net-*.js)`);
  } else {
    void runAll(dir, wheres, argv[0], (o) => console.log(`${o.pass ? 'pass' : 'FAIL'}  ${o.where.padEnd(4)}  ${o.test}${o.pass ? '' : '  ' + o.why}`)).then((all) =>
      console.log(`totals: ${totals(all, wheres)}`),
    );
  }
}
