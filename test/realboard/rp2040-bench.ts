// The real Kaluma 1.2.1 firmware on an emulated RP2040 (the rp2040-bench, outside the repository),
// its USB-CDC console on a pseudo-terminal. Tests that use it skip, saying why, when the env vars
// naming the firmware, the boot ROM and the bench are not set (CI has none of them).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface BenchEnv {
  firmware: string;
  bootrom: string;
  /** Directory holding bench.mjs with its node_modules installed. */
  dir: string;
}

const VARS = {
  firmware: 'KALUMA_NET_TEST_FIRMWARE',
  bootrom: 'KALUMA_NET_TEST_BOOTROM',
  dir: 'KALUMA_NET_TEST_RP2040_BENCH',
} as const;

/** The bench's paths from the environment, or why the real-firmware tests cannot run. */
export function benchEnv(): BenchEnv | { skip: string } {
  const missing = Object.values(VARS).filter((v) => !process.env[v]);
  if (missing.length) return { skip: `${missing.join(', ')} not set: real-firmware tests skipped` };
  const env = { firmware: process.env[VARS.firmware]!, bootrom: process.env[VARS.bootrom]!, dir: process.env[VARS.dir]! };
  for (const [key, path] of [['firmware', env.firmware], ['bootrom', env.bootrom], ['dir', join(env.dir, 'bench.mjs')]] as const) {
    if (!existsSync(path)) return { skip: `${VARS[key]}: ${path} does not exist: real-firmware tests skipped` };
  }
  return env;
}

/** The bench runs the firmware at roughly 0.1-0.35 simulated s per wall s: the CLI's serial
 *  timeouts are stretched by this factor in tests (KALUMA_NET_SERIAL_TIME_SCALE). */
export const BENCH_TIME_SCALE = 12;

export interface Bench {
  /** The console's pty: what `kaluma-net flash --port` opens. */
  port: string;
  /** The bench's log (stderr) so far. */
  log(): string;
  /** Stop the board (SIGTERM) and remove the pty. */
  stop(): Promise<void>;
}

export interface BenchOptions {
  /** UF2 images put into flash before boot (e.g. a program region made by `kaluma-net build`). */
  programs?: string[];
  /** UART0 (GP0/GP1) as a TCP server on 127.0.0.1:<port>. */
  uart0Tcp?: number;
}

/** Boot the firmware; resolves once the console's pty exists and the USB device is connected. */
export async function startBench(env: BenchEnv, o: BenchOptions = {}): Promise<Bench> {
  const dir = mkdtempSync(join(tmpdir(), 'kn-bench-'));
  const port = join(dir, 'console');
  const args = [join(env.dir, 'bench.mjs'), '--firmware', env.firmware, '--bootrom', env.bootrom, '--cdc-pty', port];
  for (const p of o.programs ?? []) args.push('--program', p);
  if (o.uart0Tcp) args.push('--uart0-tcp', String(o.uart0Tcp));
  const child: ChildProcess = spawn(process.execPath, args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr!.on('data', (d: Buffer) => (log += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const orphan = () => child.kill('SIGTERM');
  process.once('exit', orphan);
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
    process.off('exit', orphan);
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 120000;
  while (!(/USB CDC connected/.test(log) && existsSync(port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`the rp2040 bench did not start: ${log}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { port, log: () => log, stop };
}
