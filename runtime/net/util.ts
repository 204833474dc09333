// Helpers shared by events, stream and net that are no part of any public module (so they add no
// export to `import * as stream`, each of which costs a getter in the board's heap).

/**
 * Calls `fn(...args)` once the current callback returned, before timers and I/O (Node's nextTick;
 * Kaluma has none, and its setTimeout(fn, 0) waits at least 1 ms). An exception is rethrown from a
 * timer, so it is reported like any uncaught error instead of becoming an unhandled rejection.
 */
export function later(fn: (...args: any[]) => void, ...args: any[]): void {
  Promise.resolve().then(() => {
    try {
      fn(...args);
    } catch (e) {
      setTimeout(() => {
        throw e;
      }, 0);
    }
  });
}

/** An Error with Node's `code` (e.g. ERR_STREAM_DESTROYED). */
export function codedError(message: string, code: string): Error & { code: string } {
  const e = new Error(message) as Error & { code: string };
  e.code = code;
  return e;
}
