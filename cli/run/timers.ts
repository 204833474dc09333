/**
 * Kaluma's timer globals on Node's event loop: numeric ids from one counter (shared with watches
 * and UART handles on the board), a required delay, no extra arguments forwarded, and a
 * clearTimeout that throws on a non-number id, as the firmware does.
 */
export interface KalumaTimers {
  setTimeout(cb: unknown, delay?: unknown): number;
  setInterval(cb: unknown, delay?: unknown): number;
  clearTimeout(id?: unknown): void;
  clearInterval(id?: unknown): void;
  /** Allocates an id from the shared handle counter. */
  nextId(): number;
  /** Cancels every timer (sandbox shutdown). */
  clearAll(): void;
}

export function createTimers(makeTypeError: (msg: string) => Error, invoke: (fn: () => void) => void): KalumaTimers {
  let counter = 0;
  const live = new Map<number, NodeJS.Timeout>();
  const check = (cb: unknown, delay: unknown) => {
    if (typeof cb !== 'function') throw makeTypeError('"callback" argument must be a function');
    if (delay === undefined) throw makeTypeError('"delay" argument required');
    if (typeof delay !== 'number') throw makeTypeError('"delay" argument must be a number');
  };
  const clear = (id?: unknown) => {
    if (id === undefined) throw makeTypeError('"id" argument required');
    if (typeof id !== 'number') throw makeTypeError('"id" argument must be a number');
    const t = live.get(id);
    if (t) {
      clearTimeout(t);
      live.delete(id);
    }
  };
  return {
    nextId: () => ++counter,
    setTimeout(cb, delay) {
      check(cb, delay);
      const id = ++counter;
      live.set(
        id,
        setTimeout(() => {
          live.delete(id);
          invoke(() => (cb as () => void).call(undefined));
        }, Math.max(1, delay as number)),
      );
      return id;
    },
    setInterval(cb, delay) {
      check(cb, delay);
      const id = ++counter;
      live.set(
        id,
        setInterval(() => invoke(() => (cb as () => void).call(undefined)), Math.max(1, delay as number)),
      );
      return id;
    },
    clearTimeout: clear,
    clearInterval: clear,
    clearAll() {
      for (const t of live.values()) clearTimeout(t);
      live.clear();
    },
  };
}
