// A linked pseudo-terminal pair made by socat (Debian package `socat`): what one end writes, the other
// reads, through the kernel's tty layer, so the real serialport code path runs on both ends.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface PtyPair {
  /** The end the emulated board opens. */
  device: string;
  /** The end the flasher opens. */
  host: string;
  close(): Promise<void>;
}

export async function openPtyPair(): Promise<PtyPair> {
  const dir = mkdtempSync(join(tmpdir(), 'kaluma-pty-'));
  const device = join(dir, 'device');
  const host = join(dir, 'host');
  const socat = spawn('socat', ['-d', '-d', `pty,raw,echo=0,link=${device}`, `pty,raw,echo=0,link=${host}`], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => socat.once('close', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    let log = '';
    const timer = setTimeout(() => reject(new Error(`socat did not set up the pty pair: ${log}`)), 5000);
    socat.once('error', (e) => {
      clearTimeout(timer);
      reject(new Error(`cannot run socat (apt-get install socat): ${e.message}`));
    });
    socat.stderr.on('data', (d: Buffer) => {
      log += d.toString();
      if (log.includes('starting data transfer loop')) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  return {
    device,
    host,
    close: async () => {
      socat.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
