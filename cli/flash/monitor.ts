// `kaluma-net monitor`: the board's serial console in this terminal. Keys go to the board as typed
// (Ctrl-C too, which stops running JS on the board); Ctrl-] ends the session.
import { openSerialPort } from '../util/serialport';
import { UserError } from '../util/errors';
import { KalumaRepl } from './kaluma-repl';
import { SerialLink } from './serial-link';
import { flashTimeouts, type FlashTimeouts } from './timeouts';

export const EXIT_KEY = 0x1d;
export const EXIT_KEY_NAME = 'Ctrl-]';

export interface MonitorInput {
  on(event: 'data', listener: (chunk: Buffer | string) => void): unknown;
  on(event: 'end', listener: () => void): unknown;
  removeAllListeners(event: 'data' | 'end'): unknown;
  resume(): unknown;
  pause(): unknown;
  isTTY?: boolean;
  setRawMode?(raw: boolean): unknown;
}

export interface MonitorOptions {
  port: string;
  /** Stop what runs and empty the REPL's line (as `flash` does), then `.load`: the stored program
   *  starts again and its start-up output shows. */
  reset?: boolean;
  timeouts?: Partial<FlashTimeouts>;
  input: MonitorInput;
  output: { write(data: Uint8Array | string): unknown };
  /** Status lines (start, exit key, end). */
  notice: (line: string) => void;
  /** After piped input ends, keep showing the board's output this long (default 500 ms). */
  lingerMs?: number;
}

export async function runMonitor(o: MonitorOptions): Promise<void> {
  if (o.reset) await idleBoard(o.port, o.timeouts);
  const port = await openSerialPort(o.port);
  const raw = !!o.input.isTTY && typeof o.input.setRawMode === 'function';
  o.notice(`--- kaluma-net monitor on ${o.port}; exit with ${EXIT_KEY_NAME}${raw ? ' (Ctrl-C goes to the board)' : ''} ---`);

  await new Promise<void>((resolve, reject) => {
    let ending = false;
    let linger: ReturnType<typeof setTimeout> | undefined;
    const end = (error?: Error) => {
      if (ending) return;
      ending = true;
      clearTimeout(linger);
      o.input.removeAllListeners('data');
      o.input.removeAllListeners('end');
      o.input.pause();
      if (raw) o.input.setRawMode!(false);
      const settle = () => (error ? reject(error) : (o.notice('--- monitor closed ---'), resolve()));
      if (port.isOpen) port.close(() => settle());
      else settle();
    };
    port.on('data', (chunk: Buffer) => o.output.write(chunk));
    port.on('close', () => end(ending ? undefined : new UserError(`${o.port}: the serial port closed (board unplugged or reset?)`)));
    port.on('error', (e: Error) => end(new UserError(`${o.port}: ${e.message}`)));
    if (raw) o.input.setRawMode!(true);
    o.input.on('data', (chunk) => {
      let bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      const exit = bytes.indexOf(EXIT_KEY);
      if (exit >= 0) bytes = bytes.subarray(0, exit);
      // Kaluma ends a line at `\r`; piped text ends lines with `\n`.
      if (!raw) bytes = Buffer.from(bytes.toString('latin1').replace(/\r?\n/g, '\r'), 'latin1');
      if (bytes.length) port.write(bytes);
      if (exit >= 0) port.drain(() => end());
    });
    o.input.on('end', () => {
      linger = setTimeout(() => end(), o.lingerMs ?? 500);
    });
    o.input.resume();
    if (o.reset) port.write('.load\r');
  });
}

async function idleBoard(path: string, timeouts?: Partial<FlashTimeouts>): Promise<void> {
  const link = await SerialLink.open(path);
  try {
    await new KalumaRepl(link, flashTimeouts(timeouts)).sync();
  } finally {
    await link.close();
  }
}
