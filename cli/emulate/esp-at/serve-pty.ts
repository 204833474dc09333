// Serves an EspAtModem on a pseudo-terminal: socat links two ptys; the modem sits on one end
// (opened with serialport), and the other end is the device path a program or `--uart` opens.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { EspAtModem, type EspAtModemOptions } from './modem';
import { resolveOptions } from './options';
import { serialPort } from '../../util/serialport';

export interface PtyModem {
  /** The device path to open as the modem's serial port (e.g. /dev/pts/3). */
  path: string;
  modem: EspAtModem;
  /** Stops the modem, socat and the port. */
  close(): Promise<void>;
}

export interface ServePtyOptions extends EspAtModemOptions {
  /** The socat executable. Default 'socat' from PATH. */
  socat?: string;
}

const SOCAT_START_TIMEOUT_MS = 5000;

/** Starts socat and resolves with the two pty paths once it is copying data. */
function startSocat(executable: string): Promise<{ paths: [string, string]; stop: () => Promise<void> }> {
  const child = spawn(executable, ['-d', '-d', 'pty,raw,echo=0', 'pty,raw,echo=0'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
  return new Promise((resolve, reject) => {
    let log = '';
    const paths: string[] = [];
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`socat did not start within ${SOCAT_START_TIMEOUT_MS} ms: ${log.trim()}`));
    }, SOCAT_START_TIMEOUT_MS);
    child.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(
        new Error(
          err.code === 'ENOENT'
            ? `cannot run '${executable}': socat is needed for a pseudo-terminal (Debian/Ubuntu: apt-get install socat)`
            : `cannot run '${executable}': ${err.message}`,
        ),
      );
    });
    const early = (code: number | null, signal: NodeJS.Signals | null) => {
      clearTimeout(timer);
      reject(new Error(`socat exited (${signal ?? code}) before linking the ptys: ${log.trim()}`));
    };
    child.once('exit', early);
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (text: string) => {
      log += text;
      for (const m of text.matchAll(/PTY is (\S+)/g)) paths.push(m[1]);
      if (paths.length === 2 && log.includes('starting data transfer loop')) {
        clearTimeout(timer);
        child.stderr.removeAllListeners('data');
        child.stderr.resume();
        child.off('exit', early);
        resolve({ paths: [paths[0], paths[1]], stop });
      }
    });
  });
}

export async function servePty(options: ServePtyOptions = {}): Promise<PtyModem> {
  const { socat = 'socat', ...modemOptions } = options;
  resolveOptions(modemOptions); // bad options fail before anything starts
  const { paths, stop } = await startSocat(socat);
  const [modemEnd, boardEnd] = paths;

  // Our own write-only handle on the board end keeps the pty alive between client sessions
  // (socat would end with EIO when the last user of that end closes it).
  let keepAlive: number;
  try {
    keepAlive = fs.openSync(boardEnd, fs.constants.O_WRONLY | fs.constants.O_NOCTTY);
  } catch (err) {
    await stop();
    throw err;
  }

  const port = serialPort(modemEnd);
  try {
    await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
  } catch (err) {
    fs.closeSync(keepAlive);
    await stop();
    throw err;
  }

  const modem = new EspAtModem(modemOptions);
  port.on('data', (data: Buffer) => modem.write(data));
  port.on('error', () => {});
  modem.onData((data) => {
    port.write(Buffer.from(data));
  });

  let closing: Promise<void> | null = null;
  return {
    path: boardEnd,
    modem,
    close() {
      closing ??= (async () => {
        modem.close();
        await new Promise<void>((resolve) => (port.isOpen ? port.close(() => resolve()) : resolve()));
        fs.closeSync(keepAlive);
        await stop();
      })();
      return closing;
    },
  };
}
