import type { UartDevice } from '../../emulate/devices';
import { block } from '../gpio-globals';
import { toUint32, type BoardLoop, type Poller } from '../loop';
import { isUint8Array, nativeBytes, type SandboxHelpers } from '../sandbox-realm';
import { MiniEmitter } from './mini-emitter';

const TX_PINS = [[0, 12, 16], [4, 8]];
const RX_PINS = [[1, 13, 17], [5, 9]];
/** The RP2040 UART's transmit FIFO: uart_write_blocking returns once the last byte is in it. */
const TX_FIFO = 32;

export type UartBinding = (bus: number) => UartDevice | undefined;

/** src/ringbuffer.c: the write pointer runs over unread bytes when the buffer is full, so a
 *  program that does not read in time loses (or garbles) data, as on the board. */
export class RingBuffer {
  private readonly buf: Uint8Array;
  private r = 0;
  private w = 0;
  constructor(readonly size: number) {
    this.buf = new Uint8Array(Math.max(1, size));
  }
  get length(): number {
    return this.r <= this.w ? this.w - this.r : this.w - this.r + this.buf.length;
  }
  write(data: Uint8Array): void {
    for (const b of data) {
      this.buf[this.w] = b;
      this.w = (this.w + 1) % this.buf.length;
    }
  }
  read(n: number): Uint8Array {
    const out = new Uint8Array(Math.min(n, this.length));
    for (let k = 0; k < out.length; k++) {
      out[k] = this.buf[this.r];
      this.r = (this.r + 1) % this.buf.length;
    }
    return out;
  }
}

/**
 * The firmware's `uart` module over UartDevices (emulators or real serial ports): received bytes
 * go into a ring buffer of `bufferSize` (default 2048) that the loop pass reads out, one 'data'
 * event per pass with what is there. Bytes come down the line at the baud rate, so a program that
 * blocks longer than the buffer lasts loses data, as on the board. The first read after the line
 * was quiet gets one byte (the board's pass finds the first byte of an answer before the rest has
 * arrived). write() blocks for the line time and sends a Uint8Array's whole ArrayBuffer (the
 * firmware ignores the view).
 */
export function createUartModule(
  h: SandboxHelpers,
  loop: BoardLoop,
  bind: UartBinding,
  unbound: (bus: number) => string,
  warn: (message: string) => void,
) {
  const open = new Set<number>();
  let warnedView = false;
  class UART extends MiniEmitter {
    static PARITY_NONE = 0;
    static PARITY_ODD = 1;
    static PARITY_EVEN = 2;
    static FLOW_NONE = 0;
    static FLOW_RTS = 1;
    static FLOW_CTS = 2;
    static FLOW_RTS_CTS = 3;
    private device: UartDevice | undefined;
    private ring: RingBuffer;
    /** Bytes the device sent that are still on the line (they reach the ring at the baud rate). */
    private line: Uint8Array[] = [];
    private lineBytes = 0;
    /** When the line last moved bytes into the ring (ms since boot, fractional). */
    private lineClock = 0;
    private lineTimer: NodeJS.Timeout | undefined;
    private quiet = true;
    private poller: Poller;
    port: number | undefined;
    baudrate: number;
    bufferSize: number;

    constructor(port: unknown, options?: Record<string, unknown>) {
      super(h);
      const o = options || {};
      if (typeof port !== 'number') throw h.typeError('"port" argument must be a number');
      const opt = (k: string, d: number) => (typeof o[k] === 'number' ? toUint32(o[k] as number) : d);
      const p = toUint32(port) & 0xff;
      const tx = typeof o.tx === 'number' ? o.tx : p === 0 ? 0 : 8;
      const rx = typeof o.rx === 'number' ? o.rx : p === 0 ? 1 : 9;
      const bits = opt('bits', 8);
      if (p > 1 || open.has(p) || bits < 5 || bits > 8) throw h.systemError(-145);
      if ((tx !== -1 && !TX_PINS[p].includes(tx)) || (rx !== -1 && !RX_PINS[p].includes(rx))) throw h.systemError(-145);
      const device = bind(p);
      if (!device) throw h.error(unbound(p));
      this.port = p;
      this.baudrate = opt('baudrate', 115200);
      this.bufferSize = opt('bufferSize', 2048);
      this.ring = new RingBuffer(this.bufferSize);
      this.device = device;
      open.add(p);
      device.configure?.({ baudrate: this.baudrate });
      device.onData((data) => {
        if (!this.device || !data.length) return;
        this.arrive();
        if (!this.lineBytes) this.lineClock = loop.now();
        this.line.push(new Uint8Array(data));
        this.lineBytes += data.length;
        this.watchLine();
      });
      this.poller = {
        sampling: () => false,
        ready: () => {
          this.arrive();
          return this.ring.length > 0;
        },
        poll: () => this.poll(),
      };
      loop.nextId();
      loop.addPoller(this.poller);
    }

    /** The UART's receive interrupt: the bytes that have come down the line by now enter the
     *  ring buffer (10 bits per byte at the baud rate), overwriting what was not read in time. */
    private arrive(): void {
      if (!this.lineBytes) return;
      let n = Math.floor(((loop.now() - this.lineClock) * this.baudrate) / 10000);
      if (n <= 0) return;
      n = Math.min(n, this.lineBytes);
      this.lineClock += (n * 10000) / this.baudrate;
      this.lineBytes -= n;
      while (n > 0) {
        const head = this.line[0];
        const take = Math.min(n, head.length);
        this.ring.write(head.subarray(0, take));
        if (take === head.length) this.line.shift();
        else this.line[0] = head.subarray(take);
        n -= take;
      }
    }

    /** Passes come while bytes are on the line. */
    private watchLine(): void {
      loop.wake();
      if (this.lineTimer || !this.lineBytes) return;
      this.lineTimer = setTimeout(() => {
        this.lineTimer = undefined;
        this.arrive();
        loop.wake();
        this.watchLine();
      }, Math.max(1, Math.ceil((10000 / this.baudrate) * Math.min(this.lineBytes, 64))));
    }

    /** km_io_uart_run for this handle. */
    private poll(): void {
      this.arrive();
      const n = this.ring.length;
      if (n === 0) {
        this.quiet = true;
        return;
      }
      const bytes = this.ring.read(this.quiet ? 1 : n);
      this.quiet = false;
      h.invoke(() => this.emit('data', h.bytes(bytes)));
    }

    write(data: unknown, count?: unknown): number {
      if (arguments.length < 1) throw h.typeError('"data" argument required');
      if (arguments.length > 1 && typeof count !== 'number') throw h.typeError('"count" argument must be a number');
      if (this.port === undefined || !this.device) throw h.referenceError('UART port is not initialized.');
      let bytes: Uint8Array;
      if (isUint8Array(data)) {
        bytes = new Uint8Array(data.buffer.slice(0));
        if ((data.byteOffset !== 0 || data.byteLength !== data.buffer.byteLength) && !warnedView) {
          warnedView = true;
          warn(
            `uart.write() got a Uint8Array view (offset ${data.byteOffset}, length ${data.byteLength}) of a ${data.buffer.byteLength}-byte buffer: Kaluma 1.2.1 sends the whole underlying ArrayBuffer, and so does this run (copy the bytes with slice() first)`,
          );
        }
      } else if (typeof data === 'string') {
        bytes = nativeBytes(data, h, 'data');
      } else {
        throw h.typeError('The data argument must be Uint8Array or string.');
      }
      const times = arguments.length > 1 ? toUint32(count as number) : 1;
      for (let c = 0; c < times; c++) {
        this.device.write(bytes);
        // uart_write_blocking: the board waits while the bytes beyond the FIFO go out on the line
        block((Math.max(0, bytes.length - TX_FIFO) * 10 * 1000) / this.baudrate);
      }
      return times > 0 ? bytes.length : 0;
    }

    close(): void {
      if (this.port === undefined || !this.device) throw h.referenceError('UART port is not initialized.');
      this.device.close();
      this.device = undefined;
      clearTimeout(this.lineTimer);
      this.line = [];
      this.lineBytes = 0;
      open.delete(this.port);
      this.port = undefined;
      loop.removePoller(this.poller);
    }
  }
  return { UART };
}

