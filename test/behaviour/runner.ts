// Runs a behaviour script (test/behaviour/scripts/*.js) in one "mode" and returns its event log: the
// JSON of the script's single `BEHAVIOUR {...}` line. A mode is any (scriptPath, port) -> Promise<log>;
// register more with `modes.name = ...` (e.g. the sim sandbox or an emulated board).
import { build, type Plugin } from 'esbuild';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export type BehaviourLog = Record<string, unknown>;
export type Mode = (script: string, port: number) => Promise<BehaviourLog>;

const HERE = __dirname;
const ROOT = resolve(HERE, '../..');
export const SCRIPTS_DIR = join(HERE, 'scripts');

/** Our runtime modules, by the name programs import them with. */
export const RUNTIME_ALIASES: Record<string, string> = {
  net: join(ROOT, 'runtime/net.ts'),
  events: join(ROOT, 'runtime/events.ts'),
  stream: join(ROOT, 'runtime/stream.ts'),
};

export interface ScriptBundleOptions {
  port: number;
  /** Resolve `net`/`events`/`stream` to runtime/*.ts; otherwise to Node's own modules. */
  runtime: boolean;
  /** A module evaluated before the script (e.g. one that installs global.__netdev). */
  setup?: string;
  platform?: 'node' | 'neutral';
  format?: 'cjs' | 'iife' | 'esm';
}

/** Bundles `script` (with `__PORT__` defined) to one JS file's text. */
export async function bundleScript(script: string, o: ScriptBundleOptions): Promise<string> {
  const names: Plugin = {
    name: 'behaviour-modules',
    setup(b) {
      b.onResolve({ filter: /^(net|events|stream)$/ }, (a) =>
        o.runtime ? { path: RUNTIME_ALIASES[a.path] } : { path: 'node:' + a.path, external: true },
      );
    },
  };
  const entry = (o.setup ? `import ${JSON.stringify(o.setup)};\n` : '') + `import ${JSON.stringify(resolve(script))};\n`;
  const r = await build({
    stdin: { contents: entry, resolveDir: ROOT, loader: 'js', sourcefile: 'behaviour-entry.js' },
    bundle: true,
    write: false,
    platform: o.platform ?? 'node',
    format: o.format ?? 'cjs',
    target: 'es2019',
    define: { __PORT__: String(o.port) },
    resolveExtensions: ['.ts', '.js'],
    logLevel: 'silent',
    plugins: [names],
  });
  return r.outputFiles[0].text;
}

/** The log of the `BEHAVIOUR {...}` line in `output` (a board's console.log prefixes escape codes). */
export function parseBehaviour(output: string): BehaviourLog {
  const line = output.split(/\r?\n/).find((l) => l.includes('BEHAVIOUR {'));
  if (!line) throw new Error('no BEHAVIOUR line in the output:\n' + output);
  return JSON.parse(line.slice(line.indexOf('BEHAVIOUR {') + 'BEHAVIOUR '.length)) as BehaviourLog;
}

/** Runs bundled `code` in a fresh Node process; resolves with its log once it exited cleanly. */
export async function runInNode(code: string, timeoutMs = 20000): Promise<BehaviourLog> {
  const dir = await mkdtemp(join(tmpdir(), 'kaluma-net-behaviour-'));
  const file = join(dir, 'script.cjs');
  await writeFile(file, code);
  try {
    const { status, out, err } = await new Promise<{ status: number | null; out: string; err: string }>((ok, fail) => {
      const child = spawn(process.execPath, [file], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout.on('data', (d) => (out += d));
      child.stderr.on('data', (d) => (err += d));
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        fail(new Error(`did not exit within ${timeoutMs} ms (open sockets or timers?)\n${out}${err}`));
      }, timeoutMs);
      child.on('error', fail);
      // 'close', not 'exit': the last output may still be in the pipe when the process has exited.
      child.on('close', (status) => {
        clearTimeout(timer);
        ok({ status, out, err });
      });
    });
    if (status !== 0) throw new Error(`exit status ${status}\n${out}${err}`);
    return parseBehaviour(out);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A free TCP port on 127.0.0.1 (bound once, then released). */
export function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.on('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => ok(port));
    });
  });
}

export const modes: Record<string, Mode> = {
  /** Node's own net. */
  node: async (script, port) => runInNode(await bundleScript(script, { port, runtime: false })),
  /** Our runtime on the host driver (real sockets), in plain Node. */
  host: async (script, port) => runInNode(await bundleScript(script, { port, runtime: true, setup: join(HERE, 'setup/host.ts') })),
  /** Our runtime on the sim driver, in plain Node (until the sandbox runs it). */
  sim: async (script, port) => runInNode(await bundleScript(script, { port, runtime: true, setup: join(HERE, 'setup/sim.ts') })),
};

/** Runs `script` in `mode` on `port` (default: a free port). */
export async function runBehaviour(script: string, mode: string, port?: number): Promise<BehaviourLog> {
  const run = modes[mode];
  if (!run) throw new Error(`unknown behaviour mode "${mode}" (known: ${Object.keys(modes).join(', ')})`);
  return run(script, port ?? (await freePort()));
}

const CLI = join(ROOT, 'bin/kaluma-net.cjs');

/**
 * Runs `script` through the real CLI: `kaluma-net run --target <target> [--emulate]`, i.e. our build
 * pipeline, the Kaluma sandbox and (for boards) the target's real driver against emulated hardware.
 * Resolves with the log once the BEHAVIOUR line appeared (a board program need not exit by itself).
 */
export function runCli(target: string, emulate: boolean, timeoutMs = 40000, cwd = ROOT): Mode {
  return (script, port) =>
    new Promise((ok, fail) => {
      const args = ['run', script, '--target', target, '--define', `__PORT__=${port}`, ...(emulate ? ['--emulate'] : [])];
      const child = spawn(process.execPath, [CLI, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      let done = false;
      const finish = (fn: () => void) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        child.kill('SIGINT');
        fn();
      };
      const timer = setTimeout(() => finish(() => fail(new Error(`${target}: no BEHAVIOUR line within ${timeoutMs} ms\n${out}${err}`))), timeoutMs);
      child.stdout.on('data', (d) => {
        out += d;
        if (out.includes('BEHAVIOUR ') && out.slice(out.indexOf('BEHAVIOUR ')).includes('\n')) finish(() => ok(parseBehaviour(out)));
      });
      child.stderr.on('data', (d) => {
        err += d;
        // On the board an error thrown in a callback is printed and the program goes on; for a
        // behaviour script it is the outcome.
        if (/(^|\n)Uncaught [^\n]*\n/.test(err)) finish(() => fail(new Error(`${target}: ${err}\n${out}`)));
      });
      child.on('close', (code) => finish(() => fail(new Error(`${target}: exited with ${code} before its BEHAVIOUR line\n${out}${err}`))));
    });
}

modes['sim-sandbox'] = runCli('sim', false);
modes['pico-w'] = runCli('pico-w', true);
// Longer than backpressure.js's watchdog, which is sized for the modem's UART line rate.
modes['pico-esp01'] = runCli('pico-esp01', true, 60000);
modes['w5500-evb-pico'] = runCli('w5500-evb-pico', true);
