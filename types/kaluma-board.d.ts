// Globals only Kaluma boards have (no Node namesake), so PC-side type checks that pull in
// board-side code can include this file next to @types/node.
declare function print(...args: unknown[]): void;
declare function delay(ms?: number): void;
declare function delayMicroseconds(us?: number): void;
declare function millis(): number;
declare function micros(): number;
declare function seed(n: number): void;
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
declare const LOW_LEVEL: 1;
declare const HIGH_LEVEL: 2;
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
