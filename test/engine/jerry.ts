// Runs programs on the real engine: the `jerry` shell of JerryScript 2.4 (Kaluma fork) built with
// Kaluma's RP2040 flags, named by KALUMA_NET_TEST_JERRY. CI has no such binary, so every test that needs
// it is counted as skipped, with a printed reason, when the variable is absent.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SNAPSHOT_TOOL_ENV } from '../../cli/codegen/snapshot';
import { build } from '../../cli/pipeline/build';
import { UserError } from '../../cli/util/errors';
import type { Test } from 'uvu';
import { gated } from '../helpers/gated';

export const JERRY_ENV = 'KALUMA_NET_TEST_JERRY';
export const JERRY = process.env[JERRY_ENV] || undefined;
/** The snapshot generator (build-gen's jerry-snapshot), for the --format snapshot path. */
export const GENERATOR = process.env[SNAPSHOT_TOOL_ENV] || undefined;
export const PRELUDE = join(__dirname, 'shell/prelude.js');
export const EPILOGUE = join(__dirname, 'shell/epilogue.js');
export const GLOBAL_ONLY = join(__dirname, 'shell/global.js');
export const FIXTURES = join(__dirname, '../fixtures/engine');

/** ERR_OUT_OF_MEMORY (jerryscript-port.h): the engine's fatal exit status when its heap is full. */
export const OUT_OF_MEMORY = 10;

/** `test` when the engine is there; otherwise a stand-in that counts `file`'s engine tests as skipped and says why. */
export function engineTests(test: Test, file: string): Test {
  return gated(test, !!JERRY, `${file}: engine tests skipped: set ${JERRY_ENV} to a JerryScript 2.4 \`jerry\` shell built with Kaluma's flags`);
}

/** The same for tests that need the snapshot generator as well as the engine. */
export function snapshotTests(test: Test, file: string): Test {
  const missing = [JERRY ? '' : `${JERRY_ENV} to a JerryScript 2.4 \`jerry\` shell`, GENERATOR ? '' : `${SNAPSHOT_TOOL_ENV} to a JerryScript 2.4 jerry-snapshot (v63)`];
  return gated(test, !!JERRY && !!GENERATOR, `${file}: snapshot-path tests skipped: set ${missing.filter(Boolean).join(' and ')}`);
}

export interface EngineRun {
  args: string[];
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs `jerry args...`, killed after `timeoutMs` (default 5 s). */
export function runJerry(args: string[], opts: { timeoutMs?: number; cwd?: string } = {}): EngineRun {
  if (!JERRY) throw new Error(`${JERRY_ENV} is not set`);
  const r = spawnSync(JERRY, args, { cwd: opts.cwd, encoding: 'utf8', timeout: opts.timeoutMs ?? 5000, killSignal: 'SIGKILL', maxBuffer: 16 << 20 });
  const code = (r.error as NodeJS.ErrnoException | undefined)?.code;
  if (r.error && code !== 'ETIMEDOUT') throw new Error(`${JERRY_ENV}=${JERRY} cannot be run: ${r.error.message}`);
  return { args, status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

/** What happened, for assertion messages. */
export function explain(r: EngineRun): string {
  const how =
    r.signal === 'SIGKILL' ? 'was killed (time limit)' : r.signal ? `died of ${r.signal}` : r.status === OUT_OF_MEMORY ? `exited ${OUT_OF_MEMORY}: out of JerryScript heap` : `exited ${r.status}`;
  return `jerry ${r.args.join(' ')} ${how}\n--- stdout\n${r.stdout}--- stderr\n${r.stderr}`;
}

/** Both streams, the shell's error reports (stderr) after the program's prints (stdout). */
export const allOutput = (r: EngineRun) => r.stdout + r.stderr;

/** A high-water mark from `--mem-stats`: `what` is "" for the whole heap ("Peak allocated = N bytes"),
 *  or "byte code", "string", "object", "property" for "Peak allocated <what> data = N bytes". */
export function peakHeap(r: EngineRun, what = ''): number {
  const m = new RegExp(`^\\s*Peak allocated ${what ? what + ' data ' : ''}= (\\d+) bytes$`, 'm').exec(r.stderr);
  if (!m) throw new Error(`no "Peak allocated${what ? ' ' + what + ' data' : ''}" figure (was --mem-stats given?)\n${explain(r)}`);
  return Number(m[1]);
}

export interface LoopRun {
  run: EngineRun;
  /** stdout without the epilogue's final line. */
  output: string;
  /** The epilogue's verdict: DONE (no timer left) or LIMIT; undefined when it never got that far. */
  end?: { kind: 'DONE' | 'LIMIT'; passes: number; ms: number; uncaught: number };
}

/** `jerry prelude.js program.js epilogue.js`: the program with Kaluma's timers, console and
 *  TextEncoder/TextDecoder over a virtual clock, run until no timer is left. */
export function runOnLoop(programFile: string, timeoutMs = 5000): LoopRun {
  const run = runJerry([PRELUDE, programFile, EPILOGUE], { timeoutMs });
  const lines = run.stdout.split('\n');
  const i = lines.findIndex((l) => l.startsWith('ENGINE LOOP '));
  if (i < 0) return { run, output: run.stdout };
  const m = /^ENGINE LOOP (DONE|LIMIT) passes=(\d+) ms=(\d+) uncaught=(\d+)$/.exec(lines[i]);
  if (!m) throw new Error(`unexpected epilogue line: ${lines[i]}`);
  lines.splice(i, 1);
  return { run, output: lines.join('\n'), end: { kind: m[1] as 'DONE' | 'LIMIT', passes: +m[2], ms: +m[3], uncaught: +m[4] } };
}

/** A temporary directory for programs; `remove()` when done. */
export class Scratch {
  readonly dir = mkdtempSync(join(tmpdir(), 'kaluma-net-engine-'));

  write(name: string, text: string): string {
    const path = join(this.dir, name);
    writeFileSync(path, text);
    return path;
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** The result of `fn`, or the message of the UserError it threw (anything else is rethrown). */
export async function orUserError<T>(fn: () => Promise<T>): Promise<{ ok: T } | { refused: string }> {
  try {
    return { ok: await fn() };
  } catch (e) {
    if (e instanceof UserError) return { refused: e.message };
    throw e;
  }
}

/** Builds `<cwd>/<name>.js` for pico with --format js,snapshot into `outdir`; returns the snapshot's path. */
export async function buildSnapshotFile(cwd: string, name: string, outdir: string): Promise<string> {
  if (!GENERATOR) throw new Error(`${SNAPSHOT_TOOL_ENV} is not set`);
  const r = await build({ cwd, entry: `${name}.js`, target: 'pico', formats: ['js', 'snapshot'], outdir, snapshotTool: GENERATOR });
  const file = r.files.find((f) => f.format === 'snapshot');
  if (!file) throw new Error(`${name}: the build wrote no snapshot (${r.files.map((f) => f.path).join(', ')})`);
  return file.path;
}
