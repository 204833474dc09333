// Globals of Kaluma 1.2.x as user programs and the board-side runtime see them
// (shared/docs/kaluma-api.md §2). The ones with a Node namesake are here; the rest in kaluma-board.d.ts.
/// <reference path="./kaluma-board.d.ts" />
declare var global: typeof globalThis & { [key: string]: any };
declare function require(id: string): any;
declare var console: { log(...args: unknown[]): void; error(...args: unknown[]): void };
declare function setTimeout(cb: () => void, delay: number): number;
declare function setInterval(cb: () => void, delay: number): number;
declare function clearTimeout(id: number): void;
declare function clearInterval(id: number): void;
declare class TextEncoder {
  constructor(label?: 'utf-8' | 'ascii');
  readonly encoding: string;
  encode(s: string): Uint8Array;
}
declare class TextDecoder {
  constructor(label?: 'utf-8' | 'ascii');
  readonly encoding: string;
  decode(u8: Uint8Array): string;
}
declare function btoa(data: Uint8Array | string): string;
declare function atob(b64: string): Uint8Array | undefined;
declare var process: {
  arch: string;
  platform: string;
  version: string;
  builtin_modules: string[];
  memoryUsage(): { heapTotal: number; heapUsed: number; heapPeak: number };
};
