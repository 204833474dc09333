import type { BoardLoop } from './loop';

/**
 * Kaluma's timer globals (src/global.c) on the board loop: numeric ids from the handle counter the
 * board shares between timers, watches and UART handles, no extra arguments forwarded, argument
 * checks worded as the firmware words them, delays converted as (uint64_t) does.
 */
export interface KalumaTimers {
  setTimeout(cb: unknown, delay?: unknown): number;
  setInterval(cb: unknown, delay?: unknown): number;
  clearTimeout(id?: unknown): void;
  clearInterval(id?: unknown): void;
}

export function createTimers(loop: BoardLoop, makeTypeError: (msg: string) => Error): KalumaTimers {
  const start = (args: IArguments, repeat: boolean) => {
    const [cb, delay] = args;
    if (args.length < 1 || typeof cb !== 'function') throw makeTypeError('"callback" argument must be a function');
    if (args.length < 2 || typeof delay !== 'number') throw makeTypeError('"delay" argument must be a number');
    return loop.addTimer(() => (cb as () => void).call(undefined), delay, repeat);
  };
  function clear(this: unknown, id?: unknown) {
    if (arguments.length < 1 || typeof id !== 'number') throw makeTypeError('"id" argument must be a number');
    // (int) of the number, as clear_timer_fn reads it
    loop.clearTimer(Math.trunc(id));
  }
  return {
    setTimeout: function (_cb?: unknown, _delay?: unknown) {
      return start(arguments, false);
    } as KalumaTimers['setTimeout'],
    setInterval: function (_cb?: unknown, _delay?: unknown) {
      return start(arguments, true);
    } as KalumaTimers['setInterval'],
    clearTimeout: clear,
    clearInterval: clear,
  };
}
