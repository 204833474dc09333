import type { Realm } from '../emulate/devices';
import type { BoardLoop } from './loop';

/** What the emulated firmware modules need from the sandbox: its realm's constructors, its loop,
 *  and the way board callbacks run (an error in one is printed and the program goes on). */
export interface SandboxHelpers extends Realm {
  typeError(message: string): Error;
  rangeError(message: string): Error;
  referenceError(message: string): Error;
  error(message: string): Error;
  systemError(errno: number): Error;
  /** Runs `fn` now as a board callback; false when it threw (the error was printed). */
  invoke(fn: () => void): boolean;
  loop: BoardLoop;
}

export function isUint8Array(v: unknown): v is Uint8Array {
  return ArrayBuffer.isView(v) && Object.prototype.toString.call(v) === '[object Uint8Array]';
}

/**
 * Bytes a native Kaluma function (uart.write, spi.transfer) reads from its argument: Latin-1 for
 * strings (U+0100..U+07FF give an unset byte, here 0xFF; U+0800+ give 0x00), and for a Uint8Array
 * the WHOLE underlying buffer from offset 0, as the firmware does (its view bug, kaluma-api.md §0).
 */
export function nativeBytes(data: unknown, h: SandboxHelpers, what: string): Uint8Array {
  if (typeof data === 'string') {
    const out = new Uint8Array(data.length);
    for (let i = 0; i < data.length; i++) {
      const c = data.charCodeAt(i);
      out[i] = c <= 0xff ? c : c < 0x800 ? 0xff : 0;
    }
    return out;
  }
  if (isUint8Array(data)) return new Uint8Array(data.buffer.slice(0));
  throw h.typeError(`"${what}" argument must be Uint8Array or string`);
}
