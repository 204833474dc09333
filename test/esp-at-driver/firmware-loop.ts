// Kaluma 1.2.1's event loop and UART as they really behave (src/io.c, src/global.c,
// targets/rp2/src/uart.c, src/modules/uart), in virtual time, in front of a device on the wire:
// - the loop clock is stamped before the program is parsed; top-level timers count from it, so a
//   timer set at top level can already be due at the first pass;
// - each pass stamps the clock once, then runs timers, then polls the UART; a timer fires when
//   its deadline is strictly before the stamp (a 0 ms timer waits for the next millisecond);
// - timers are checked in creation order, and a one-shot timer that fires ends the timer phase
//   of that pass (the firmware moves it to the closing list, which cuts the walk);
// - a UART poll delivers everything in the RX ring buffer as one fresh Uint8Array; handling an
//   event takes time, so an answer typically comes as 1 byte and then the rest;
// - uart.write() blocks while the bytes go out at the baud rate and sends the whole underlying
//   ArrayBuffer of a Uint8Array (a subarray view is refused here);
// - bytes arriving on a full ring buffer overwrite it (counted as `overruns`).

import type { UartLike, Timers } from '../../runtime/drivers/esp-at';

export interface FirmwareLoopOptions {
  /** Time to parse the program before its top-level code runs (ms). */
  parseMs?: number;
  baud?: number;
  /** Cost of one 'data' event in JS: fixed part and per byte (ms). */
  eventMs?: number;
  eventByteMs?: number;
  /** Cost of one timer callback (ms). */
  timerMs?: number;
  bufferSize?: number;
}

interface BoardTimer {
  id: number;
  deadline: number;
  cb: () => void;
}

interface DeviceTimer {
  at: number;
  seq: number;
  cb: () => void;
}

/** A device on the other end of the UART (the modem emulator). */
export interface WireDevice {
  write(data: Uint8Array): void;
  on(event: 'data', fn: (chunk: Uint8Array) => void): void;
}

export class FirmwareLoop {
  /** Real time (ms, fractional). */
  now = 0;
  /** The loop's clock as stamped at the start of the current pass (whole ms). */
  loopTime = 0;
  overruns = 0;
  passes = 0;
  readonly o: Required<FirmwareLoopOptions>;
  private board: BoardTimer[] = [];
  private nextId = 1;
  private devTimers: DeviceTimer[] = [];
  private devSeq = 0;
  private rx: { b: number; at: number }[] = [];
  private wireTail = 0;
  private listener: ((chunk: Uint8Array) => void) | null = null;
  private device: WireDevice | null = null;
  private afterEvents: (() => void)[] = [];

  constructor(opts: FirmwareLoopOptions = {}) {
    Object.defineProperty(this.deviceClock, 'now', { get: () => this.now });
    this.o = { parseMs: 0, baud: 115200, eventMs: 1.5, eventByteMs: 0.02, timerMs: 0.3, bufferSize: 4096, ...opts };
  }

  get byteMs(): number {
    return 10000 / this.o.baud;
  }

  // ------------------------------------------------------------ the board's timers (Kaluma)
  readonly timers: Timers = {
    setTimeout: (cb, ms) => {
      if (typeof cb !== 'function' || typeof ms !== 'number') throw new TypeError('setTimeout(cb, ms) needs both');
      const id = this.nextId++;
      this.board.push({ id, deadline: this.loopTime + Math.max(0, Math.floor(ms)), cb });
      return id;
    },
    clearTimeout: (id) => {
      if (typeof id !== 'number') throw new TypeError('"id" argument must be a number');
      const i = this.board.findIndex((t) => t.id === id);
      if (i >= 0) this.board.splice(i, 1);
    },
  };

  /** The device side's clock: exact real time (FakeModem's view of a FakeClock). */
  readonly deviceClock = {
    now: 0,
    setTimeout: (cb: () => void, ms: number): number => {
      const seq = ++this.devSeq;
      this.devTimers.push({ at: this.now + Math.max(0, ms), seq, cb });
      return seq;
    },
    clearTimeout: (id: number): void => {
      this.devTimers = this.devTimers.filter((t) => t.seq !== id);
    },
  };

  // ------------------------------------------------------------ the UART (Kaluma's `uart` module)
  attach(device: WireDevice): UartLike {
    this.device = device;
    device.on('data', (chunk) => {
      for (const b of chunk) {
        this.wireTail = Math.max(this.wireTail, this.now) + this.byteMs;
        this.rx.push({ b, at: this.wireTail });
      }
    });
    return {
      on: (_e, fn) => {
        this.listener = fn;
      },
      write: (data) => {
        let bytes: Uint8Array;
        if (typeof data === 'string') bytes = Uint8Array.from(data, (c) => c.charCodeAt(0) & 0xff);
        else {
          if (data.byteOffset !== 0 || data.byteLength !== data.buffer.byteLength) {
            throw new Error('uart.write got a subarray view: Kaluma would send the whole underlying buffer');
          }
          bytes = data.slice();
        }
        this.spend(bytes.length * this.byteMs); // uart_write_blocking
        this.device?.write(bytes);
      },
      close: () => {
        this.listener = null;
      },
    };
  }

  /** Real time passes (JS busy, blocking write, delay()); the device keeps running meanwhile. */
  spend(ms: number): void {
    const end = this.now + ms;
    for (;;) {
      let k = -1;
      for (let i = 0; i < this.devTimers.length; i++) {
        const t = this.devTimers[i];
        if (t.at <= end && (k < 0 || t.at < this.devTimers[k].at || (t.at === this.devTimers[k].at && t.seq < this.devTimers[k].seq))) k = i;
      }
      if (k < 0) break;
      const t = this.devTimers.splice(k, 1)[0];
      this.now = Math.max(this.now, t.at);
      t.cb();
    }
    this.now = Math.max(this.now, end);
  }

  /** Runs `fn` at the end of the next 'data' event (like more JS in the same handler). */
  afterNextEvent(fn: () => void): void {
    this.afterEvents.push(fn);
  }

  /** Top-level code of the program: runs `fn` after parsing, with the clock stamped before it. */
  boot(fn: () => void): void {
    this.loopTime = Math.floor(this.now);
    this.spend(this.o.parseMs);
    fn();
  }

  /** One pass of km_io_run. Returns whether anything ran. */
  pass(): boolean {
    this.passes++;
    this.loopTime = Math.floor(this.now);
    let ran = false;
    for (let i = 0; i < this.board.length; i++) {
      const t = this.board[i];
      if (t.deadline < this.loopTime) {
        this.board.splice(i, 1);
        this.spend(this.o.timerMs);
        t.cb();
        ran = true;
        break; // the fired one-shot timer's list link is cut: the walk ends here
      }
    }
    const avail = this.rx.filter((r) => r.at <= this.now).length;
    if (avail > 0) {
      let take = this.rx.splice(0, avail).map((r) => r.b);
      if (take.length > this.o.bufferSize) {
        this.overruns += take.length - this.o.bufferSize;
        take = take.slice(take.length - this.o.bufferSize);
      }
      const chunk = Uint8Array.from(take);
      this.spend(this.o.eventMs + chunk.length * this.o.eventByteMs);
      if (this.listener) this.listener(chunk);
      const after = this.afterEvents.splice(0);
      for (const fn of after) fn();
      ran = true;
    }
    return ran;
  }

  /** Runs passes until `done()` or `maxMs` of real time passed; idle stretches are skipped. */
  until(done: () => boolean, maxMs = 120000): boolean {
    const end = this.now + maxMs;
    while (!done() && this.now < end) {
      if (this.pass()) continue;
      // Nothing ran: jump to the next thing that can happen (a byte, a device event, a timer).
      let next = end;
      if (this.rx.length) next = Math.min(next, this.rx[0].at);
      for (const t of this.devTimers) next = Math.min(next, t.at);
      for (const t of this.board) next = Math.min(next, t.deadline + 1);
      this.spend(Math.max(0.01, next - this.now));
    }
    return done();
  }

  advance(ms: number): void {
    const end = this.now + ms;
    this.until(() => false, end - this.now);
  }
}
