import { readFileSync } from 'node:fs';
import { basename, extname, join, relative, resolve } from 'node:path';
import { bundle } from '../bundle/bundle';
import { runtimeDir } from '../bundle/virtual-modules';
import { checkProgram } from '../check/bundle-check';
import type { Diagnostic } from '../check/engine-check';
import { estimateParseHeap, heapWarning, type HeapEstimate } from './heap-estimate';
import { findProgramWifi, makeImages, removeStaleTemps, stampProgram, writeFileAtomic } from '../image';
import { loadTarget } from '../targets/load';
import type { Target } from '../targets/target';
import { UserError } from '../util/errors';
import { packageVersion } from '../util/package-root';
import { resolveEntry } from './entry';
import { CONFIG_FILE, readDotEnv, readProjectConfig } from './project-config';
import { resolveDefines } from './defines';
import { netdevOptionsProblem } from '../targets/netdev-options';
import { ensureWritableDir, fsReason, missingDirs } from '../util/out-dir';
import { moduleSizes, type ModuleSize } from './size-report';

export const FORMATS = ['js', 'bin', 'uf2', 'snapshot'] as const;
export type Format = (typeof FORMATS)[number];

export interface WifiCredentials {
  ssid: string;
  password?: string;
  security?: string;
}

export interface BuildOptions {
  cwd?: string;
  entry?: string;
  target?: string;
  outdir?: string;
  formats?: string[];
  minify?: boolean;
  sourcemap?: boolean;
  /** KEY -> VALUE by the define rule of cli/pipeline/defines.ts (README, "Defines"). */
  define?: Record<string, unknown>;
  strict?: boolean;
  /** Build a program whose parse needs more than the board's heap (an error otherwise). */
  allowHeapOverflow?: boolean;
  wifi?: Partial<WifiCredentials>;
  firmware?: string;
  snapshotTool?: string;
  /** Build in memory only (used by `run`): nothing is written. */
  write?: boolean;
  /** Skip esbuild's syntax minification (inlining moves code), for exact error locations (`run`). */
  preciseLocations?: boolean;
}

type WifiPlace = 'program' | 'storage';

interface Output {
  file: OutputFile;
  data: Uint8Array;
  /** Holds a Wi-Fi password: written with mode 0o600. */
  secret: boolean;
  wifiIn: WifiPlace[];
}

export interface OutputFile {
  path: string;
  format: Format | 'map' | 'snapshot-bin' | 'snapshot-uf2';
  bytes: number;
}

export interface BuildResult {
  target: Target;
  entry: string;
  name: string;
  program: string;
  map?: string;
  files: OutputFile[];
  size: number;
  modules: ModuleSize[];
  diagnostics: Diagnostic[];
  warnings: string[];
  notes: string[];
  /** Every file the program was built from (for --watch). */
  inputs: string[];
  /** The program uses `net`, so the target's network driver is in it. */
  usesNet: boolean;
  /** Boards: the heap the engine needs to parse the program (estimate). */
  heap?: HeapEstimate;
}

function parseFormats(list: string[] | undefined, target: Target): Format[] {
  const given = list ?? (target.pc ? ['js'] : ['js', 'uf2']);
  const out: Format[] = [];
  for (const f of given.flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean)) {
    if (!(FORMATS as readonly string[]).includes(f)) throw new UserError(`--format: unknown format "${f}"; formats: ${FORMATS.join(', ')}`);
    if (f !== 'js' && target.pc) throw new UserError(`--format ${f}: target "${target.id}" runs on the PC and has no flash images; use --format js`);
    if (!out.includes(f as Format)) out.push(f as Format);
  }
  if (!out.includes('js')) out.unshift('js');
  return out;
}

const WIFI_ENV_KEYS = ['KALUMA_NET_WIFI_SSID', 'KALUMA_NET_WIFI_PASSWORD', 'KALUMA_NET_WIFI_SECURITY'];

/** Build-time Wi-Fi credentials: options, then KALUMA_NET_WIFI_* from the environment, then `.env`. */
function wifiCredentials(opts: BuildOptions, cwd: string): WifiCredentials | undefined {
  const env = { ...readDotEnv(cwd, WIFI_ENV_KEYS), ...process.env };
  const ssid = opts.wifi?.ssid ?? env.KALUMA_NET_WIFI_SSID;
  if (!ssid) return undefined;
  const password = opts.wifi?.password ?? env.KALUMA_NET_WIFI_PASSWORD;
  const security = opts.wifi?.security ?? env.KALUMA_NET_WIFI_SECURITY;
  return { ssid, ...(password ? { password } : {}), ...(security ? { security } : {}) };
}

function checkAscii(program: string, target: Target): void {
  for (let i = 0; i < program.length; i++) {
    const c = program.charCodeAt(i);
    if (c === 0) throw new UserError(`the program contains a NUL byte at offset ${i}; Kaluma ends the program at the first NUL (target ${target.id})`);
    if (c > 0x7e && c !== 0x7f) throw new UserError(`the program contains a non-ASCII character at offset ${i} (target ${target.id})`);
  }
}

export async function build(opts: BuildOptions): Promise<BuildResult> {
  const cwd = resolve(opts.cwd ?? process.cwd());
  if (opts.cwd && missingDirs(cwd, `--cwd ${opts.cwd}`).length) throw new UserError(`--cwd ${opts.cwd}: no such directory`);
  const config = readProjectConfig(cwd);
  const targetId = opts.target ?? config.target;
  if (!targetId) throw new UserError(`--target is required (or a "target" in kaluma-net.json); see kaluma-net targets`);
  const loaded = loadTarget(targetId);
  if (config.netdev) {
    if (!loaded.netdev) throw new UserError(`${config.file}: field "netdev": target ${loaded.id} has no network driver`);
    const problem = netdevOptionsProblem(loaded.netdev.driver, config.netdev);
    if (problem) throw new UserError(`${config.file}: ${problem} (target ${loaded.id})`);
  }
  const target = config.netdev ? { ...loaded, netdev: { ...loaded.netdev!, ...config.netdev } } : loaded;
  const entry = resolveEntry(cwd, opts.entry ?? config.entry);
  const formats = parseFormats(opts.formats ?? config.formats, target);
  const outdir = resolve(cwd, opts.outdir ?? config.outdir ?? 'dist');
  const name = basename(entry, extname(entry));
  const wifi = target.netdev?.wifi ? wifiCredentials(opts, cwd) : undefined;
  const snapshot = formats.includes('snapshot');
  const minify = opts.minify !== false;

  const bundleOptions = {
    entry,
    target,
    cwd,
    define: resolveDefines(config.define, config.file ?? CONFIG_FILE, opts.define),
    driver: wifi ? { wifi } : {},
    snapshotSafe: snapshot,
    minify,
    preciseLocations: opts.preciseLocations,
  };
  const b = await bundle({ ...bundleOptions, sourcemap: !!opts.sourcemap });
  const check = await checkProgram({ program: b.code, view: b.view, cwd, profile: target.engine, snapshot, credentials: !!wifi });
  const diagnostics = check.diagnostics;

  const warnings = [...b.warnings];
  const netUse = b.usage.get('net');
  if (target.netdev?.driver === 'cyw43' && netUse && (netUse === 'all' || netUse.has('createServer') || netUse.has('Server'))) {
    warnings.push(
      `${target.id}: this program opens a server; the CYW43 firmware driver cannot tell concurrent clients apart, so kaluma-net serves them one at a time (later clients wait until the current one closes)`,
    );
  }
  const errors = diagnostics.filter((d) => d.severity === 'error' || opts.strict);
  if (errors.length) throw new UserError(errors.map((d) => `${d.where}: ${d.message}`).join('\n'));

  // The map reference is part of what is stamped, so the .js, .bin and .uf2 hold one program.
  const mapLine = opts.sourcemap && b.map ? `//# sourceMappingURL=${name}.js.map\n` : '';
  const body = (b.code.endsWith('\n') ? b.code : b.code + '\n') + mapLine;
  const program = stampProgram(body, { v: packageVersion(), target: target.id, engine: target.engine.id });
  const map = b.map && shiftMap(b.map, program.slice(0, program.length - body.length).split('\n').length - 1);
  checkAscii(program, target);
  const size = program.length;
  if (target.flash && size + 1 > target.flash.programSize) {
    throw new UserError(`the program (${size + 1} bytes with its NUL terminator) is larger than the ${target.flash.programSize}-byte program region of target ${target.id}`);
  }

  // Calibrated on minified programs: whitespace and comments cost the engine nothing.
  const heap = target.flash && minify ? estimateParseHeap({ bytes: size, stringBytes: check.stringBytes, functions: check.functions }, target.heapSize) : undefined;
  const crowded = heap && heapWarning(heap, target.id);
  if (crowded && heap.parse > heap.heapSize && !opts.allowHeapOverflow) {
    throw new UserError(`${crowded}; --allow-heap-overflow builds it anyway`);
  }
  if (crowded) warnings.push(crowded);

  const notes: string[] = [];
  const outputs: Output[] = [];
  const emit = (file: string, bytes: Uint8Array | string, format: OutputFile['format'], secret = false, wifiIn: WifiPlace[] = []) => {
    const data = typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes;
    outputs.push({ file: { path: join(outdir, file), format, bytes: data.length }, data, secret, wifiIn });
  };

  if (mapLine && map) emit(`${name}.js.map`, map, 'map');
  // The driver's options from the build, or the program's own wifi.connect({ssid, password}).
  const programWifi = findProgramWifi(program);
  emit(`${name}.js`, program, 'js', !!programWifi?.passwordPresent, programWifi ? ['program'] : []);

  const imageFormats = formats.filter((f): f is 'bin' | 'uf2' => f === 'bin' || f === 'uf2');
  if (imageFormats.length && target.flash) {
    const firmware = opts.firmware ? readInput(opts.firmware, '--firmware') : undefined;
    const seed = imageFormats.includes('uf2') ? wifi : undefined;
    let images: ReturnType<typeof makeImages>;
    try {
      images = makeImages({ programText: program, target: target.flash, formats: imageFormats, firmware, wifi: seed, programWifi });
    } catch (e) {
      throw new UserError(opts.firmware ? `--firmware ${opts.firmware}: ${(e as Error).message}` : (e as Error).message);
    }
    for (const img of images) {
      emit(`${name}.${img.name}`, img.bytes, img.name, img.containsSecrets, img.wifiIn);
      if (img.note) notes.push(img.note);
    }
  }
  if (snapshot) {
    const { buildSnapshotImage } = await import('../codegen/snapshot-image');
    // The program's string literals, credentials included, are in the snapshot as they are.
    const inProgram: WifiPlace[] = programWifi ? ['program'] : [];
    for (const f of await buildSnapshotImage({ program, name, target, formats, tool: opts.snapshotTool })) emit(f.file, f.bytes, f.format, !!programWifi?.passwordPresent, inProgram);
  }
  const withWifi = outputs.filter((o) => o.wifiIn.length);
  if (withWifi.length) notes.push(wifiNote(withWifi));

  // Everything is computed before anything is written, so a failure leaves no partial build.
  if (opts.write !== false) await writeOutputs(outdir, outputs, opts.outdir ? `--outdir ${opts.outdir}` : `output directory ${displayPath(outdir)}`);
  const files = outputs.map((o) => o.file);

  return {
    target,
    entry,
    name,
    program,
    map,
    files,
    size,
    modules: moduleSizes(b.metafile, cwd, runtimeDir()),
    heap,
    diagnostics,
    warnings,
    notes,
    usesNet: b.usesNet,
    inputs: Object.keys(b.metafile.inputs)
      .filter((p) => !p.includes(':') || p.startsWith('/'))
      .map((p) => resolve(cwd, p)),
  };
}

/** Which files hold the Wi-Fi credentials, and where in them; never their values. */
function wifiNote(outputs: readonly Output[]): string {
  const files = outputs.map((o) => `${displayPath(o.file.path)} (${o.wifiIn.map((w) => (w === 'program' ? 'program text' : 'storage slots')).join(' and ')})`);
  const password = outputs.some((o) => o.secret);
  const what = password ? 'SSID and password' : 'SSID';
  return `Wi-Fi credentials (${what}) are in ${files.join(', ')}: keep ${files.length > 1 ? 'these files' : 'it'} private${password ? ' (written with mode 600)' : ''}`;
}

async function writeOutputs(outdir: string, outputs: readonly Output[], label: string): Promise<void> {
  ensureWritableDir(outdir, label);
  await removeStaleTemps(outdir, outputs.map((o) => basename(o.file.path)));
  // Each file is whole or absent on its own, so they are written (and flushed) at once.
  await Promise.all(
    outputs.map((o) =>
      writeFileAtomic(o.file.path, o.data, o.secret ? { mode: 0o600 } : {}).catch((e) => {
        throw new UserError(`${displayPath(o.file.path)}: cannot write the file (${fsReason((e as Error).cause ?? e)})`);
      }),
    ),
  );
}

/** The map of code that got `lines` lines prepended (the stamp). */
function shiftMap(map: string, lines: number): string {
  if (!lines) return map;
  const json = JSON.parse(map);
  json.mappings = ';'.repeat(lines) + json.mappings;
  return JSON.stringify(json);
}

function readInput(path: string, option: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new UserError(`${option} ${path}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
}

export function displayPath(p: string, cwd = process.cwd()): string {
  const r = relative(cwd, p);
  return r && !r.startsWith('..') ? r : p;
}
