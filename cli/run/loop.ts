// Kaluma 1.2.1's event loop (src/io.c km_io_run, src/global.c timers) on Node's. One pass:
//   stamp the clock → due timers → (terminal) → GPIO watches → UART reads → idle (promise jobs)
//   → closing handles → km_custom_infinite_loop (cyw43_arch_poll: network callbacks).
// The board spins through passes; here a pass is scheduled on Node's loop only when something can
// happen in it (a timer due, bytes or network events waiting, jobs queued, watches to poll), so an
// idle program costs nothing and a finished one lets the process end.

/** A timer as src/io.c keeps it: in the list in creation order, deadline = clock + delay. */
interface Timer {
  id: number;
  cb: () => void;
  deadline: bigint;
  interval: bigint;
  repeat: boolean;
  /** Removed from the list (cleared, fired as a one-shot, or threw). */
  closed: boolean;
}

/** Something the pass polls (watches, UART ports). */
export interface Poller {
  poll(): void;
  /** Needs another pass right away (bytes waiting). */
  ready(): boolean;
  /** Must be polled every millisecond (a watch samples its pin). */
  sampling(): boolean;
}

export interface LoopOptions {
  /** Runs a board callback; false when it threw (the error has been reported). */
  invoke(fn: () => void): boolean;
  /** Runs the queued promise jobs (the idle handle's jerry_run_all_enqueued_jobs). */
  runJobs(): void;
  /** Reports a misuse the board would not survive (e.g. a timer cleared inside its own callback). */
  warn(message: string): void;
}

const U64 = (1n << 64n) - 1n;

/** (uint64_t) of a JS number as the RP2040's double-to-uint64 does it: NaN and negatives give 0,
 *  values past 2^64 saturate. */
export function toUint64(n: number): bigint {
  if (!(n > 0)) return 0n;
  if (n >= 18446744073709551615) return U64;
  return BigInt(Math.trunc(n));
}

/** (uint32_t) of a JS number, the same way. */
export function toUint32(n: number): number {
  if (!(n > 0)) return 0;
  if (n >= 4294967295) return 4294967295;
  return Math.trunc(n);
}

export class BoardLoop {
  /** The pass's clock (loop.time): ms since boot, stamped at the start of each pass. */
  time = 0;
  /** The shared handle id counter (src/io.c handle_id_count); id 0 is the REPL's terminal. */
  private handleIds = 1;
  private readonly origin = process.hrtime.bigint();
  private skewMs = 0;
  private readonly timers: Timer[] = [];
  private readonly pollers = new Set<Poller>();
  private network: (() => void)[] = [];
  private jobsQueued = false;
  private scheduled: NodeJS.Immediate | NodeJS.Timeout | undefined;
  private scheduledNow = false;
  private stopped = false;
  private inPass = false;

  constructor(private readonly opts: LoopOptions) {}

  /** ms since boot (km_gettime), with sub-ms precision. */
  now(): number {
    return Number(process.hrtime.bigint() - this.origin) / 1e6 + this.skewMs;
  }

  /** millis(): whole ms since boot. */
  millis(): number {
    return Math.floor(this.now());
  }

  micros(): number {
    return Math.floor(this.now() * 1000);
  }

  /** Time passes on the board that did not pass here (e.g. the engine parsing the program). */
  advanceTo(ms: number): void {
    const now = this.now();
    if (ms > now) this.skewMs += ms - now;
  }

  /** km_io_init: the clock stamped once before the program is parsed and run. */
  stamp(): void {
    this.time = this.millis();
  }

  nextId(): number {
    return this.handleIds++;
  }

  // --- timers (src/global.c set_timeout_fn / set_interval_fn / clear_timer_fn) -----------------

  addTimer(cb: () => void, delay: number, repeat: boolean): number {
    const interval = toUint64(delay);
    const id = this.nextId();
    this.timers.push({ id, cb, deadline: (BigInt(this.time) + interval) & U64, interval, repeat, closed: false });
    this.wake();
    return id;
  }

  private firing: Timer | undefined;

  clearTimer(id: number): void {
    const t = this.timers.find((x) => x.id === id);
    if (!t) return;
    this.removeTimer(t);
  }

  private removeTimer(t: Timer): void {
    const i = this.timers.indexOf(t);
    if (i >= 0) this.timers.splice(i, 1);
    t.closed = true;
  }

  /** km_io_timer_run: the list in order; a timer fires when its deadline is strictly before the
   *  pass's clock. Closing a timer (one-shot done, or its callback threw) links its handle into the
   *  closing list, which ends this scan: at most one one-shot fires per pass. */
  private runTimers(): void {
    const now = BigInt(this.time);
    let i = 0;
    while (i < this.timers.length) {
      const t = this.timers[i];
      if (t.deadline < now) {
        if (t.repeat) t.deadline = (t.deadline + t.interval) & U64;
        this.firing = t;
        const ok = this.opts.invoke(t.cb);
        this.firing = undefined;
        if (t.closed && (!t.repeat || !ok)) {
          this.opts.warn(
            `timer ${t.id} was cleared inside its own callback: Kaluma 1.2.1 then releases the callback twice and closes the handle twice (src/global.c clear_timer_fn + set_timer_cb), which corrupts the engine's heap on the board`,
          );
        }
        if (!ok || !t.repeat || t.closed) {
          this.removeTimer(t);
          return;
        }
      }
      i = this.timers.indexOf(t) + 1;
    }
  }

  /** The timer whose callback is running (for the self-clear check). */
  get firingTimerId(): number | undefined {
    return this.firing?.id;
  }

  // --- other work -------------------------------------------------------------------------------

  addPoller(p: Poller): void {
    this.pollers.add(p);
    this.wake();
  }

  removePoller(p: Poller): void {
    this.pollers.delete(p);
  }

  /** Board JS ran: promise jobs may be queued for the next idle step. */
  jobsMayBeQueued(): void {
    if (this.jobsQueued) return;
    this.jobsQueued = true;
    this.wake();
  }

  /** A network event for the board, delivered in the network step of a pass. */
  post(event: () => void): void {
    this.network.push(event);
    this.wake();
  }

  /** cyw43_arch_poll: delivers the network events waiting now (also called from inside blocking
   *  native calls that poll lwIP while they wait). */
  pollNetwork(): void {
    const events = this.network;
    this.network = [];
    for (const e of events) {
      if (this.stopped) return;
      this.opts.invoke(e);
    }
  }

  /** One pass of km_io_run. */
  pass(): void {
    if (this.stopped || this.inPass) return;
    this.inPass = true;
    try {
      this.time = this.millis();
      this.runTimers();
      for (const p of [...this.pollers].filter((x) => x.sampling())) if (!this.stopped) p.poll();
      for (const p of [...this.pollers].filter((x) => !x.sampling())) if (!this.stopped) p.poll();
      if (this.jobsQueued && !this.stopped) {
        this.jobsQueued = false;
        this.opts.runJobs();
      }
      if (!this.stopped) this.pollNetwork();
    } finally {
      this.inPass = false;
    }
    this.schedule();
  }

  /** Something happened: make sure a pass comes. */
  wake(): void {
    if (this.stopped || this.inPass || (this.scheduled && this.scheduledNow)) return;
    this.schedule();
  }

  private immediateNeeded(): boolean {
    return this.network.length > 0 || this.jobsQueued || [...this.pollers].some((p) => p.ready());
  }

  private cancel(): void {
    const s = this.scheduled;
    this.scheduled = undefined;
    if (!s) return;
    if (this.scheduledNow) clearImmediate(s as NodeJS.Immediate);
    else clearTimeout(s as NodeJS.Timeout);
  }

  private schedule(): void {
    if (this.stopped) return;
    this.cancel();
    const run = () => {
      this.scheduled = undefined;
      this.pass();
    };
    this.scheduledNow = true;
    if (this.immediateNeeded()) {
      this.scheduled = setImmediate(run);
      return;
    }
    let wait = Infinity;
    const now = this.now();
    for (const t of this.timers) {
      const due = Number(t.deadline) + 1 - now;
      if (due < wait) wait = due;
    }
    if ([...this.pollers].some((p) => p.sampling())) wait = Math.min(wait, 1);
    if (wait === Infinity) return;
    if (wait <= 0) this.scheduled = setImmediate(run);
    else {
      this.scheduledNow = false;
      this.scheduled = setTimeout(run, Math.min(Math.ceil(wait), 0x7fffffff));
    }
  }

  /** Something is pending: a timer, a pass, a watch, network events. */
  busy(): boolean {
    return this.timers.length > 0 || this.scheduled !== undefined || this.network.length > 0 || [...this.pollers].some((p) => p.sampling());
  }

  /** Nothing more runs (the program stopped). */
  stop(): void {
    this.stopped = true;
    this.cancel();
    this.timers.length = 0;
    this.pollers.clear();
    this.network = [];
  }
}
