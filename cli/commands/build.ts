import type { Command } from 'commander';
import { watch as fsWatch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import { startIncremental, stopIncremental } from '../bundle/incremental';
import { build, displayPath, type BuildOptions, type BuildResult } from '../pipeline/build';
import { formatHeapLine } from '../pipeline/heap-estimate';
import { formatSizeReport } from '../pipeline/size-report';
import { UserError } from '../util/errors';
import { parseDefineArgs } from '../pipeline/defines';

interface BuildFlags {
  cwd?: string;
  target?: string;
  format?: string[];
  outdir?: string;
  minify: boolean;
  sourcemap?: boolean;
  define?: string[];
  watch?: boolean;
  json?: boolean;
  strict?: boolean;
  allowHeapOverflow?: boolean;
  firmware?: string;
  wifiSsid?: string;
  wifiPassword?: string;
  wifiSecurity?: string;
  snapshotTool?: string;
}

const collect = (v: string, prev: string[] | undefined) => [...(prev ?? []), v];

/** The build options the `build`, `run` and `flash` commands share. */
export function addBuildOptions(cmd: Command): Command {
  return cmd
    .option('-t, --target <id>', 'board target (see kaluma-net targets)')
    .option('-C, --cwd <dir>', 'project directory (default: the current one)')
    .option('-D, --define <KEY=VALUE>', 'replace a global name with a constant: a number, true/false/null, a "quoted" string, else the text as a string (repeatable)', collect)
    .option('--no-minify', 'keep the output readable')
    .option('--strict', 'treat engine warnings (missing built-ins) as errors')
    .option('--allow-heap-overflow', "build even when parsing the program needs more than the board's heap (an error otherwise)");
}

export function buildOptions(entry: string | undefined, f: BuildFlags): BuildOptions {
  return {
    cwd: f.cwd,
    entry,
    target: f.target,
    outdir: f.outdir,
    formats: f.format,
    minify: f.minify,
    sourcemap: f.sourcemap,
    define: parseDefineArgs(f.define ?? []),
    strict: f.strict,
    allowHeapOverflow: f.allowHeapOverflow,
    firmware: f.firmware,
    wifi: f.wifiSsid || f.wifiPassword || f.wifiSecurity ? { ssid: f.wifiSsid, password: f.wifiPassword, security: f.wifiSecurity } : undefined,
    snapshotTool: f.snapshotTool,
  };
}

export function printWarnings(r: BuildResult): void {
  for (const w of r.warnings) process.stderr.write(`warning: ${w}\n`);
  for (const d of r.diagnostics) process.stderr.write(`warning: ${d.where}: ${d.message}\n`);
}

function report(r: BuildResult, json: boolean): void {
  if (json) {
    process.stdout.write(
      JSON.stringify(
        {
          ok: true,
          target: r.target.id,
          entry: displayPath(r.entry),
          size: r.size,
          files: r.files.map((f) => ({ path: displayPath(f.path), format: f.format, bytes: f.bytes })),
          modules: r.modules,
          heap: r.heap,
          warnings: [...r.warnings, ...r.diagnostics.map((d) => `${d.where}: ${d.message}`)],
          notes: r.notes,
        },
        null,
        2,
      ) + '\n',
    );
    return;
  }
  printWarnings(r);
  process.stdout.write(`built ${displayPath(r.entry)} for ${r.target.id}:\n`);
  for (const f of r.files) process.stdout.write(`  ${displayPath(f.path)}  ${f.bytes} bytes\n`);
  for (const n of r.notes) process.stdout.write(`  note: ${n}\n`);
  process.stdout.write(`size:\n${formatSizeReport(r.size, r.modules, r.target.flash?.programSize)}\n`);
  if (r.heap) process.stdout.write(`${formatHeapLine(r.heap)}\n`);
}

/** HH:MM:SS of now (toLocaleTimeString costs milliseconds a call). */
function clock(): string {
  const d = new Date();
  return [d.getHours(), d.getMinutes(), d.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':');
}

/** A rebuild's summary line: what was written, how big, how long it took. */
function rebuildLine(r: BuildResult, ms: number): string {
  return `[${clock()}] built ${r.files.map((f) => displayPath(f.path)).join(', ')} (${r.size} bytes, ${ms.toFixed(0)} ms)\n`;
}

async function watchBuild(options: BuildOptions): Promise<void> {
  let watchers: FSWatcher[] = [];
  let timer: NodeJS.Timeout | undefined;
  let building: Promise<void> | undefined;
  let again = false;
  let watched = '';
  // Directories, not files: editors often replace a file by renaming, which ends a file watch.
  const watch = (inputs: string[]) => {
    const key = [...inputs].sort().join('\n');
    if (key === watched) return inputs.length;
    watched = key;
    for (const w of watchers) w.close();
    const byDir = new Map<string, Set<string>>();
    for (const p of inputs) byDir.set(dirname(p), (byDir.get(dirname(p)) ?? new Set()).add(basename(p)));
    watchers = [...byDir].map(([dir, names]) => fsWatch(dir, (_event, name) => name && names.has(String(name)) && schedule()));
    return inputs.length;
  };
  const once = async (): Promise<number> => {
    const started = performance.now();
    try {
      const r = await build(options);
      const ms = performance.now() - started;
      const files = watch(r.inputs);
      printWarnings(r);
      process.stdout.write(rebuildLine(r, ms));
      for (const n of r.notes) process.stdout.write(`  note: ${n}\n`);
      return files;
    } catch (e) {
      if (!(e instanceof UserError)) throw e;
      for (const line of e.message.split('\n')) process.stderr.write(`error: ${line}\n`);
      process.stdout.write(`[${clock()}] build failed; waiting for a change\n`);
      return 0;
    }
  };
  // One build at a time; changes during a build start one more when it ends.
  const rebuild = () => {
    if (building) {
      again = true;
      return;
    }
    building = once().then(() => {
      building = undefined;
      if (again) {
        again = false;
        rebuild();
      }
    });
  };
  // Editors write a file in several steps: wait for them to settle.
  const schedule = () => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(rebuild, 20);
  };
  startIncremental();
  const files = await once();
  if (!files) {
    await stopIncremental();
    throw new UserError('--watch: the first build failed and there is nothing to watch; fix it and start again');
  }
  process.stdout.write(`watching ${files} input files for changes (Ctrl-C to stop)\n`);
  await new Promise<void>((done) => process.once('SIGINT', () => done()));
  if (timer) clearTimeout(timer);
  for (const w of watchers) w.close();
  await building;
  await stopIncremental();
}

export function register(program: Command): void {
  addBuildOptions(
    program
      .command('build')
      .description('bundle a program with the net runtime and the target driver into images ready to flash')
      .argument('[entry]', 'entry file (default: package.json main or src/index.(ts|js))'),
  )
    .option('-f, --format <list>', 'outputs: js,bin,uf2,snapshot (default js,uf2; js for PC targets)', collect)
    .option('-o, --outdir <dir>', 'output directory (default: "outdir" in kaluma-net.json, else dist)')
    .option('--sourcemap', 'write <name>.js.map')
    .option('--firmware <kaluma.uf2>', 'also write one UF2 with this Kaluma firmware and the program')
    .option('--wifi-ssid <ssid>', 'pre-seed the Wi-Fi SSID into the image (or KALUMA_NET_WIFI_SSID / .env)')
    .option('--wifi-password <password>', 'pre-seed the Wi-Fi password (or KALUMA_NET_WIFI_PASSWORD / .env); never printed')
    .option('--wifi-security <kind>', 'WPA2_WPA_PSK, WPA2_PSK, WPA_PSK, WEP_PSK or OPEN')
    .option('--snapshot-tool <path>', 'JerryScript 2.4 snapshot generator (or KALUMA_NET_JERRY_SNAPSHOT)')
    .option('--watch', 'rebuild on change, one line per rebuild')
    .option('--json', 'machine-readable result on stdout')
    .action(async (entry: string | undefined, flags: BuildFlags) => {
      if (flags.watch) return watchBuild(buildOptions(entry, flags));
      if (!flags.json) return report(await build(buildOptions(entry, flags)), false);
      try {
        report(await build(buildOptions(entry, flags)), true);
      } catch (e) {
        // Scripts read stdout: the failure is a JSON result too (and the usual line on stderr).
        process.stdout.write(JSON.stringify({ ok: false, errors: (e as Error)?.message?.split('\n') ?? [String(e)] }, null, 2) + '\n');
        throw e;
      }
    });
}
