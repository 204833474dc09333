// The modem's TX line: bytes are queued synchronously and delivered to the board later (never
// inside the call that produced them), one chunk per macrotask, split like a real UART would.

import type { Chunking } from './options';
import type { Rng } from './rng';

const RANDOM_CHUNK_MAX = 48;

export class UartOutput {
  private listener: ((data: Uint8Array) => void) | null = null;
  private queue: Uint8Array[] = [];
  private queued = 0;
  private scheduled: NodeJS.Immediate | null = null;

  constructor(
    private readonly chunking: Chunking,
    private readonly rng: Rng,
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
    this.schedule();
  }

  /** Stops delivery and drops what is still queued. */
  stop(): void {
    this.listener = null;
    this.queue = [];
    this.queued = 0;
    if (this.scheduled) clearImmediate(this.scheduled);
    this.scheduled = null;
  }

  private schedule(): void {
    if (this.scheduled || this.queued === 0) return;
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
    const chunk = this.take(Math.min(this.chunkSize(), this.queued));
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
      if (part === head.length) this.queue.shift();
      else this.queue[0] = head.subarray(part);
    }
    this.queued -= n;
    return out;
  }
}
