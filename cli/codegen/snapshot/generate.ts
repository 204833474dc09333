// Snapshot generation through a JerryScript 2.4 generator executable (`jerry-snapshot` built from
// Kaluma's JerryScript fork). The bundle is written under the given resource name into a fresh
// temporary directory and generated from there, because the generator stores the path it was given
// as every function's resource name. The output is verified before it is returned.

import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findSnapshotHazards } from './source-hazards';
import { assertValidSnapshot } from './verify';

export const SNAPSHOT_TOOL_ENV = 'KALUMA_NET_JERRY_SNAPSHOT';
/** The generator reads its input into a 1 MB buffer. */
const GENERATOR_INPUT_LIMIT = 1048576;
const DEFAULT_TIMEOUT_MS = 120_000;

export interface GenerateSnapshotOptions {
  /** Path of the generator; else the KALUMA_NET_JERRY_SNAPSHOT environment variable. */
  tool?: string;
  /** Bare file name stored in the snapshot as the resource name (shown in error messages on the board). */
  resourceName: string;
  timeoutMs?: number;
  /** Receives the verifier's warnings (the snapshot is still returned). */
  onWarning?: (message: string) => void;
}

export const MISSING_TOOL_MESSAGE =
  'snapshot output needs a JerryScript 2.4 snapshot generator: the byte code must come from the engine version the board runs ' +
  '(Kaluma 1.2 = JerryScript 2.4, snapshot format 63) and kaluma-net has no compiler of its own. Build `jerry-snapshot` from ' +
  "Kaluma's JerryScript fork (github.com/kaluma-project/jerryscript at the commit Kaluma 1.2.1 pins; cmake -DJERRY_PROFILE=es.next " +
  '-DJERRY_CMDLINE_SNAPSHOT=ON -DJERRY_SNAPSHOT_SAVE=ON -DJERRY_LINE_INFO=OFF) and pass its path with --snapshot-tool <path> ' +
  `or set ${SNAPSHOT_TOOL_ENV}`;

function checkResourceName(name: string): void {
  if (!name || name === '.' || name === '..' || /[/\\\0]/.test(name) || name.startsWith('-')) {
    throw new Error(`snapshot resource name ${JSON.stringify(name)} must be a bare file name (no directory, not starting with "-")`);
  }
}

interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  output: string;
  spawnError?: NodeJS.ErrnoException;
}

function run(tool: string, args: string[], cwd: string, timeout: number): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(tool, args, { cwd, timeout, maxBuffer: 16 * 1024 * 1024, encoding: 'utf8' }, (error, stdout, stderr) => {
      const output = `${stderr}\n${stdout}`;
      if (!error) return resolve({ code: 0, signal: null, output });
      const e = error as NodeJS.ErrnoException & { code?: number | string; signal?: NodeJS.Signals | null; killed?: boolean };
      if (typeof e.code === 'string') return resolve({ code: null, signal: null, output, spawnError: e });
      resolve({ code: typeof e.code === 'number' ? e.code : null, signal: e.signal ?? null, output });
    });
  });
}

/** The generator's own explanation ("Snapshot error: SyntaxError: ... [app.js:3:7]"), else its last lines. */
function generatorReason(output: string): string {
  const lines = output.split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
  const specific = lines.filter((l) => /^Snapshot error:|^Error:/.test(l) && !/Generating snapshot failed/.test(l));
  const chosen = specific.length ? specific : lines.filter((l) => !/^Input file .* loaded\.$/.test(l)).slice(-2);
  return chosen.join(' ').replace(/^Snapshot error:\s*/, '') || 'no message';
}

export async function generateSnapshot(bundleText: string, opts: GenerateSnapshotOptions): Promise<Uint8Array> {
  const tool = opts.tool ?? process.env[SNAPSHOT_TOOL_ENV];
  if (!tool) throw new Error(MISSING_TOOL_MESSAGE);
  checkResourceName(opts.resourceName);

  const size = Buffer.byteLength(bundleText, 'utf8');
  if (size >= GENERATOR_INPUT_LIMIT) throw new Error(`the bundle is ${size} bytes; the snapshot generator reads at most ${GENERATOR_INPUT_LIMIT - 1}`);
  const hazards = findSnapshotHazards(bundleText);
  if (hazards?.length) {
    const h = hazards[0];
    const more = hazards.length > 1 ? ` (and ${hazards.length - 1} more)` : '';
    throw new Error(`${opts.resourceName}:${h.line}:${h.column}: ${h.message}${more}`);
  }

  const dir = await mkdtemp(join(tmpdir(), 'kaluma-net-snapshot-'));
  try {
    await writeFile(join(dir, opts.resourceName), bundleText);
    const out = 'out.snapshot' === opts.resourceName ? 'generated.snapshot' : 'out.snapshot';
    const r = await run(tool, ['generate', '-o', out, opts.resourceName], dir, opts.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    if (r.spawnError) {
      throw new Error(`snapshot tool ${tool} cannot be run (${r.spawnError.code}); ${r.spawnError.code === 'ENOENT' ? 'no such file: ' : ''}give the path of a jerry-snapshot executable`);
    }
    if (r.signal) throw new Error(`snapshot tool ${tool} was killed by ${r.signal}${r.signal === 'SIGTERM' ? ' (timeout)' : ' (it crashed)'}: ${generatorReason(r.output)}`);
    if (r.code !== 0) throw new Error(`snapshot tool ${tool} refused ${opts.resourceName}: ${generatorReason(r.output)}`);
    let snapshot: Uint8Array;
    try {
      snapshot = new Uint8Array(await readFile(join(dir, out)));
    } catch {
      throw new Error(`snapshot tool ${tool} exited without writing ${out}; is it jerry-snapshot? (${generatorReason(r.output)})`);
    }
    let warnings: string[];
    try {
      warnings = assertValidSnapshot(snapshot, { resourceName: opts.resourceName }).warnings;
    } catch (e) {
      throw new Error(`the snapshot made by ${tool} does not verify: ${(e as Error).message}`);
    }
    for (const w of warnings) opts.onWarning?.(w);
    return snapshot;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
