// The modem's TX line: bytes are queued synchronously and delivered to the board later (never
// inside the call that produced them), one chunk per macrotask, split like a real UART would; with
// pacing, no byte arrives before the line could have carried it (10 bits per byte at the baud rate).

import type { Chunking } from './options';
import type { Rng } from './rng';

const RANDOM_CHUNK_MAX = 48;

export class UartOutput {
  private listener: ((data: Uint8Array) => void) | null = null;
  private queue: Uint8Array[] = [];
  private queued = 0;
  private scheduled: NodeJS.Immediate | NodeJS.Timeout | null = null;
  /** Pacing: when the line finishes the bytes queued so far (performance.now() ms), and the time at
   *  which each queued piece started to go out. */
  private lineFree = 0;
  private starts: number[] = [];

  constructor(
    private readonly chunking: Chunking,
    private readonly rng: Rng,
    private readonly baud: (() => number) | null = null,
  ) {}

  setListener(listener: ((data: Uint8Array) => void) | null): void {
    this.listener = listener;
    if (listener) this.schedule();
  }

  /** Bytes sent while nobody listens are lost, as on a real wire. */
  push(bytes: Uint8Array): void {
    if (!this.listener || bytes.length === 0) return;
    this.queue.push(bytes.slice());
    this.queued += bytes.length;
    if (this.baud) {
      const start = Math.max(this.lineFree, performance.now());
      this.starts.push(start);
      this.lineFree = start + bytes.length * this.byteMs();
    }
    this.schedule();
  }

  /** Stops delivery and drops what is still queued. */
  stop(): void {
    this.listener = null;
    this.queue = [];
    this.starts = [];
    this.queued = 0;
    if (this.scheduled) {
      clearImmediate(this.scheduled as NodeJS.Immediate);
      clearTimeout(this.scheduled as NodeJS.Timeout);
    }
    this.scheduled = null;
  }

  private byteMs(): number {
    return 10000 / (this.baud as () => number)();
  }

  /** Pacing: how many queued bytes the line has carried by now, and when the next one is through. */
  private carried(): { n: number; nextAt: number } {
    const now = performance.now();
    const per = this.byteMs();
    let n = 0;
    for (let i = 0; i < this.queue.length; i++) {
      const k = Math.min(this.queue[i].length, Math.floor((now - this.starts[i]) / per));
      if (k < this.queue[i].length) return { n: n + Math.max(0, k), nextAt: this.starts[i] + (Math.max(0, k) + 1) * per };
      n += k;
    }
    return { n, nextAt: now };
  }

  private schedule(): void {
    if (this.scheduled || this.queued === 0) return;
    if (this.baud) {
      // At most one delivery per millisecond: what the line carried meanwhile.
      const wait = this.carried();
      this.scheduled = setTimeout(() => {
        this.scheduled = null;
        this.deliver();
      }, wait.n > 0 ? 1 : Math.max(1, Math.ceil(wait.nextAt - performance.now())));
      return;
    }
    this.scheduled = setImmediate(() => {
      this.scheduled = null;
      this.deliver();
    });
  }

  private chunkSize(): number {
    switch (this.chunking) {
      case 'none':
        return this.queued;
      case 'byte':
        return 1;
      case 'random':
        return this.rng.int(1, RANDOM_CHUNK_MAX);
    }
  }

  private deliver(): void {
    const listener = this.listener;
    if (!listener || this.queued === 0) return;
    const ready = this.baud ? this.carried().n : this.queued;
    if (ready === 0) {
      this.schedule();
      return;
    }
    const chunk = this.take(Math.min(this.chunkSize(), ready));
    this.schedule();
    listener(chunk);
  }

  private take(n: number): Uint8Array {
    const out = new Uint8Array(n);
    let filled = 0;
    while (filled < n) {
      const head = this.queue[0];
      const part = Math.min(head.length, n - filled);
      out.set(head.subarray(0, part), filled);
      filled += part;
      if (part === head.length) {
        this.queue.shift();
        this.starts.shift();
      } else {
        this.queue[0] = head.subarray(part);
        if (this.baud) this.starts[0] += part * this.byteMs();
      }
    }
    this.queued -= n;
    return out;
  }
}
