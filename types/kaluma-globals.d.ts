// Globals of Kaluma 1.2.x as user programs and the board-side runtime see them.
// (Completed by the init/templates work; see shared/docs/kaluma-api.md §2.)
declare var global: typeof globalThis & { [key: string]: any };
declare function require(id: string): any;
declare function print(...args: unknown[]): void;
declare var console: { log(...args: unknown[]): void; error(...args: unknown[]): void };
declare function setTimeout(cb: () => void, delay: number): number;
declare function setInterval(cb: () => void, delay: number): number;
declare function clearTimeout(id: number): void;
declare function clearInterval(id: number): void;
declare function delay(ms?: number): void;
declare function millis(): number;
declare function micros(): number;
declare class TextEncoder {
  constructor(label?: 'utf-8' | 'ascii');
  encode(s: string): Uint8Array;
}
declare class TextDecoder {
  constructor(label?: 'utf-8' | 'ascii');
  decode(u8: Uint8Array): string;
}
declare function btoa(data: Uint8Array | string): string;
declare function atob(b64: string): Uint8Array | undefined;
declare class SystemError extends Error {
  constructor(errno: number);
  errno: number;
}
declare function pinMode(pin: number | number[], mode?: number): void;
declare function digitalRead(pin: number): 0 | 1;
declare function digitalWrite(pin: number | number[], value?: number): void;
declare function digitalToggle(pin: number): void;
declare function setWatch(cb: (pin: number) => void, pin: number, events?: number, debounce?: number): number;
declare function clearWatch(id?: number): void;
declare const LOW: 0;
declare const HIGH: 1;
declare const INPUT: 0;
declare const OUTPUT: 1;
declare const INPUT_PULLUP: 2;
declare const INPUT_PULLDOWN: 3;
declare const FALLING: 4;
declare const RISING: 8;
declare const CHANGE: 12;
declare var board: { name: string; LED?: number; uid: string };
declare var storage: {
  setItem(key: string, value: string): void;
  getItem(key: string): string | null;
  removeItem(key: string): void;
  clear(): void;
  key(i: number): string | null;
  readonly length: number;
};
declare var process: {
  arch: string;
  platform: string;
  version: string;
  builtin_modules: string[];
  memoryUsage(): { heapTotal: number; heapUsed: number; heapPeak: number };
};
