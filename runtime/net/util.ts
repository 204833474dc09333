// Helpers shared by events, stream and net that are no part of any public module (so they add no
// export to `import * as stream`, each of which costs a getter in the board's heap).

/**
 * Calls `fn(...args)` as a promise job (Kaluma has no nextTick, and its setTimeout(fn, 0) waits at
 * least 1 ms). Unlike Node's, Kaluma 1.2.1 runs promise jobs once per loop pass, in its idle step
 * after the pass's timers, watches and UART poll (and before pico-w's CYW43 poll; src/io.c). An
 * exception is rethrown from a timer, so it is reported like any uncaught error instead of becoming
 * an unhandled rejection.
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

/** `C` callable without `new`, as Node's constructors are (net.Socket(), net.Server()); subclasses
 *  still get their own prototype. Call it as a pure expression, so an unused class is dropped. */
export function callable<C extends new (...args: any[]) => any>(C: C): C & ((...args: ConstructorParameters<C>) => InstanceType<C>) {
  function F(this: unknown, ...args: any[]) {
    return Reflect.construct(C, args, new.target || F);
  }
  F.prototype = C.prototype;
  return F as any;
}
