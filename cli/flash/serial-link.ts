// A serial port as a byte queue with timed reads: what the REPL driver and the YMODEM sender talk to.
import { appendFileSync } from 'node:fs';
import type { SerialPort } from 'serialport';
import { openSerialPort } from '../util/serialport';
import { UserError } from '../util/errors';

export class SerialTimeoutError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SerialTimeoutError';
  }
}

/** KALUMA_NET_SERIAL_TRACE=<file>: every byte to and from the board is appended there, timestamped. */
export const TRACE_VAR = 'KALUMA_NET_SERIAL_TRACE';

export class SerialLink {
  private buffer: Buffer = Buffer.alloc(0);
  private readonly trace = process.env[TRACE_VAR];
  private readonly opened = Date.now();
  private wake: (() => void) | null = null;
  private closedBy: Error | null = null;

  private constructor(
    private readonly port: SerialPort,
    readonly path: string,
  ) {
    port.on('data', (chunk: Buffer) => {
      this.log('<', chunk);
      this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
      this.notify();
    });
    port.on('close', () => {
      this.closedBy ??= new UserError(`${path}: the serial port closed (board unplugged or reset?)`);
      this.notify();
    });
    port.on('error', (e: Error) => {
      this.closedBy ??= new UserError(`${path}: ${e.message}`);
      this.notify();
    });
  }

  static async open(path: string, baudRate = 115200): Promise<SerialLink> {
    return new SerialLink(await openSerialPort(path, baudRate), path);
  }

  async write(data: Uint8Array | string): Promise<void> {
    if (this.closedBy) throw this.closedBy;
    this.log('>', typeof data === 'string' ? Buffer.from(data, 'latin1') : data);
    await new Promise<void>((resolve, reject) => {
      this.port.write(typeof data === 'string' ? Buffer.from(data, 'latin1') : Buffer.from(data), (e) => e && reject(e));
      this.port.drain((e) => (e ? reject(new UserError(`${this.path}: write failed: ${e.message}`)) : resolve()));
    });
  }

  /** Drop everything received so far. */
  discard(): void {
    this.buffer = Buffer.alloc(0);
  }

  /** The next byte, or undefined when none arrives within `timeoutMs`. */
  async readByte(timeoutMs: number): Promise<number | undefined> {
    const ok = await this.waitFor(() => this.buffer.length > 0, timeoutMs);
    if (!ok) return undefined;
    const b = this.buffer[0];
    this.buffer = this.buffer.subarray(1);
    return b;
  }

  /** Wait until the received text (latin1) matches `pattern`; consume it up to the end of the match. */
  async expect(pattern: RegExp, timeoutMs: number, what: string): Promise<RegExpExecArray> {
    let match: RegExpExecArray | null = null;
    const ok = await this.waitFor(() => (match = pattern.exec(this.buffer.toString('latin1'))) !== null, timeoutMs);
    if (!ok || !match) {
      const tail = JSON.stringify(this.buffer.subarray(-80).toString('latin1'));
      throw new SerialTimeoutError(`${this.path}: no ${what} within ${timeoutMs} ms (last received: ${tail})`);
    }
    const m: RegExpExecArray = match;
    this.buffer = this.buffer.subarray(m.index + m[0].length); // latin1: one char per byte
    return m;
  }

  /** True once `length` bytes are buffered; false when they are not there within `timeoutMs`. */
  waitForLength(length: number, timeoutMs: number): Promise<boolean> {
    return this.waitFor(() => this.buffer.length >= length, timeoutMs);
  }

  /** The received bytes, without consuming them. */
  peek(): Buffer {
    return this.buffer;
  }

  async close(): Promise<void> {
    if (!this.port.isOpen) return;
    await new Promise<void>((resolve) => this.port.close(() => resolve()));
  }

  private log(direction: '<' | '>', bytes: Uint8Array): void {
    if (this.trace) appendFileSync(this.trace, `${Date.now() - this.opened} ${this.path} ${direction} ${JSON.stringify(Buffer.from(bytes).toString('latin1'))}\n`);
  }

  private notify(): void {
    const w = this.wake;
    this.wake = null;
    w?.();
  }

  private async waitFor(ready: () => boolean, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (ready()) return true;
      if (this.closedBy) throw this.closedBy;
      const left = deadline - Date.now();
      if (left <= 0) return false;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          this.wake = null;
          resolve();
        }, left);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }
}
