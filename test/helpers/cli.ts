import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

export const ROOT = resolve(__dirname, '../..');
export const BIN = join(ROOT, 'bin/kaluma-net.cjs');

/** The build cache of the CLIs the tests start: their own, not the user's (~/.cache/kaluma-net). */
const CACHE = { KALUMA_NET_CACHE_DIR: process.env.KALUMA_NET_CACHE_DIR ?? mkdtempSync(join(tmpdir(), 'kn-test-cache-')) };

export interface CliResult {
  status: number;
  stdout: string;
  stderr: string;
}

/** Runs the real CLI (the bundled lib/, as after npm install) synchronously. */
export function cli(args: string[], cwd: string, env: Record<string, string> = {}): CliResult {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', env: { ...process.env, ...CACHE, ...env, FORCE_COLOR: '0' }, timeout: 60000 });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Starts the real CLI; resolves output on exit. A child a failed test left running is killed after
 *  `maxLifeMs`, so it cannot keep the test run alive. */
export function cliAsync(args: string[], cwd: string, env: Record<string, string> = {}, maxLifeMs = 60000) {
  const child = spawn(process.execPath, [BIN, ...args], { cwd, env: { ...process.env, ...CACHE, ...env, FORCE_COLOR: '0' } });
  const guard = setTimeout(() => child.kill('SIGKILL'), maxLifeMs);
  guard.unref();
  child.on('exit', () => clearTimeout(guard));
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const done = new Promise<CliResult>((res) => child.on('close', (code) => res({ status: code ?? -1, stdout, stderr })));
  /** Resolves when stdout contains `text`. */
  const waitFor = (text: string, ms = 15000) =>
    new Promise<void>((res, rej) => {
      const t = setTimeout(() => rej(new Error(`timed out waiting for "${text}"; stdout: ${stdout}; stderr: ${stderr}`)), ms);
      const check = () => {
        if (stdout.includes(text)) {
          clearTimeout(t);
          child.stdout.off('data', check);
          res();
        }
      };
      child.stdout.on('data', check);
      check();
    });
  return { child, done, waitFor, get stdout() { return stdout; }, get stderr() { return stderr; } };
}

/** A temporary project directory holding `files`. */
export function project(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'kn-proj-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

/** A free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  const net = await import('node:net');
  return new Promise((res, rej) => {
    const s = net.createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => res(port));
    });
  });
}
