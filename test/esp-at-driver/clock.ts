// A virtual clock with Kaluma's timer rules: numeric ids, a delay is required, and clearTimeout
// throws unless given a number (the driver must never pass undefined).

interface Timer {
  at: number;
  seq: number;
  cb: () => void;
}

export class FakeClock {
  now = 0;
  private seq = 1;
  private timers = new Map<number, Timer>();

  setTimeout = (cb: () => void, ms: number): number => {
    if (typeof cb !== 'function' || typeof ms !== 'number') throw new TypeError('setTimeout(cb, ms) needs both');
    const id = this.seq++;
    this.timers.set(id, { at: this.now + Math.max(0, ms), seq: id, cb });
    return id;
  };

  clearTimeout = (id: number): void => {
    if (typeof id !== 'number') throw new TypeError('"id" argument must be a number');
    this.timers.delete(id);
  };

  get pending(): number {
    return this.timers.size;
  }

  /** Runs every timer due within `ms`, in time order, advancing `now`. */
  advance(ms: number): void {
    const end = this.now + ms;
    for (;;) {
      const t = this.nextDue(end);
      if (!t) break;
      this.timers.delete(t[0]);
      this.now = Math.max(this.now, t[1].at);
      t[1].cb();
    }
    this.now = end;
  }

  /** Advances until `done()` holds (checked after each timer) or `maxMs` passed; returns done(). */
  until(done: () => boolean, maxMs = 120000): boolean {
    const end = this.now + maxMs;
    while (!done()) {
      const t = this.nextDue(end);
      if (!t) {
        this.now = end;
        break;
      }
      this.timers.delete(t[0]);
      this.now = Math.max(this.now, t[1].at);
      t[1].cb();
    }
    return done();
  }

  private nextDue(end: number): [number, Timer] | null {
    let best: [number, Timer] | null = null;
    for (const e of this.timers) {
      if (e[1].at > end) continue;
      if (!best || e[1].at < best[1].at || (e[1].at === best[1].at && e[1].seq < best[1].seq)) best = e;
    }
    return best;
  }
}
