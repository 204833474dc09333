// Behaviour every emulated native function of `pico_cyw43` shares (kaluma-api.md §0, §11):
// JerryScript-style argument checks, callbacks whose exceptions vanish, strings as bytes,
// SystemError-like errors, and calls that block the whole board.

type Fn = (...args: unknown[]) => unknown;

/** `"<name>" argument required` when fewer than index+1 arguments were passed. */
export function argRequired(args: ArrayLike<unknown>, index: number, name: string): unknown {
  if (args.length <= index) throw new TypeError(`"${name}" argument required`);
  return args[index];
}

export function argNumber(args: ArrayLike<unknown>, index: number, name: string): number {
  const v = args[index];
  if (args.length <= index || typeof v !== 'number') throw new TypeError(`"${name}" argument must be a number`);
  return v;
}

export function argString(args: ArrayLike<unknown>, index: number, name: string): string {
  const v = args[index];
  if (args.length <= index || typeof v !== 'string') throw new TypeError(`"${name}" argument must be a string`);
  return v;
}

export function argBoolean(args: ArrayLike<unknown>, index: number, name: string): boolean {
  const v = args[index];
  if (args.length <= index || typeof v !== 'boolean') throw new TypeError(`"${name}" argument must be a boolean`);
  return v;
}

/** Optional callback: absent is fine, but a present non-function (even `undefined`) throws. */
export function argFunctionOpt(args: ArrayLike<unknown>, index: number, name: string): Fn | undefined {
  if (args.length <= index) return undefined;
  const v = args[index];
  if (typeof v !== 'function') throw new TypeError(`"${name}" argument must be a function`);
  return v as Fn;
}

/** The firmware builds every callback's `err` from a C double cast to a value handle, so it
 *  arrives as 0 whether the call failed or not (kaluma-api.md §11): only `errno` tells. */
export const CALLBACK_ERR = 0;

/** Calls a board callback the way the firmware does: `this` undefined, the return value and any
 *  exception ignored. `fn` may be anything (a slot the board never assigned). */
export function callBoard(fn: unknown, ...args: unknown[]): void {
  if (typeof fn !== 'function') return;
  try {
    (fn as Fn).apply(undefined, args);
  } catch {
    // swallowed, as jerry_call_function's error result is never looked at
  }
}

/** Native "string as data": one byte per UTF-16 unit; units above 0xFF become 0x00. */
export function stringToBytes(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    out[i] = c <= 0xff ? c : 0;
  }
  return out;
}

/** What `create_system_error(n)` throws: an Error with a negative `errno` and the table text. */
export function systemError(errno: number, message: string): Error & { errno: number } {
  return Object.assign(new Error(message), { errno: -Math.abs(errno) });
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));

/** The firmware busy-waits inside some calls: nothing else runs on the board meanwhile. */
export function blockFor(ms: number): void {
  if (ms > 0) Atomics.wait(sleeper, 0, 0, ms);
}
