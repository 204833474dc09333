import type { BoardLoop, Poller } from './loop';
import { toUint32 } from './loop';
import type { Pins } from './pins';
import type { SandboxHelpers } from './sandbox-realm';

const sleeper = new Int32Array(new SharedArrayBuffer(4));
/** km_delay / km_micro_delay: the board busy-waits, nothing else runs. */
export function block(ms: number): void {
  if (ms > 0) Atomics.wait(sleeper, 0, 0, ms);
}

/**
 * The digital/analog I/O globals of src/global.c over the emulated pins, with the firmware's
 * argument checks and conversions: pinMode, digitalRead/Write/Toggle, setWatch/clearWatch (debounce;
 * clearWatch() clears id 0, which is never a watch), attachInterrupt/detachInterrupt (edges seen
 * once per loop pass here, not in an interrupt), pulseRead/pulseWrite, analogRead.
 */
export function createGpioGlobals(h: SandboxHelpers, pins: Pins, loop: BoardLoop) {
  const typeError = (m: string) => h.typeError(m);
  const num = (args: IArguments, i: number, name: string) => {
    if (args.length <= i || typeof args[i] !== 'number') throw typeError(`"${name}" argument must be a number`);
    return args[i] as number;
  };
  const numOpt = (args: IArguments, i: number, name: string, d: number) => {
    if (args.length <= i) return d;
    if (typeof args[i] !== 'number') throw typeError(`"${name}" argument must be a number`);
    return args[i] as number;
  };
  const pinList = (pin: unknown, fn: (p: number, i: number, n: number) => void) => {
    if (typeof pin === 'number') return fn(pin, 0, 1);
    if (!Array.isArray(pin)) throw typeError('"pin" argument must be a number or number[]');
    for (let i = 0; i < pin.length; i++) {
      if (typeof pin[i] !== 'number') throw typeError('"pin" argument must be a number or number[]');
      fn(pin[i], i, pin.length);
    }
  };

  const interrupts = new Map<number, { cb: (pin: number, events: number) => void; events: number; last: 0 | 1 }>();
  const irqPoller: Poller = {
    sampling: () => interrupts.size > 0,
    ready: () => false,
    poll() {
      for (const [pin, irq] of [...interrupts]) {
        const now = pins.level(pin);
        const edge = irq.last === 0 && now === 1 ? 8 : irq.last === 1 && now === 0 ? 4 : 0;
        irq.last = now;
        if (edge & irq.events) h.invoke(() => irq.cb(pin, edge));
      }
    },
  };

  return {
    pinMode: function (pin: unknown, _mode?: unknown) {
      if (arguments.length < 1) throw typeError('"pin" argument required');
      const mode = numOpt(arguments, 1, 'mode', 0);
      pinList(pin, (p) => pins.setMode(p, mode));
    },
    digitalRead: function (_pin?: unknown) {
      return pins.read(num(arguments, 0, 'pin'));
    },
    digitalWrite: function (pin: unknown, _value?: unknown) {
      if (arguments.length < 1) throw typeError('"pin" argument required');
      const value = toUint32(numOpt(arguments, 1, 'value', 0));
      // an array is written last element first, bit i of the value to element n-1-i
      pinList(pin, (p, i, n) => pins.write(p, n === 1 && typeof pin === 'number' ? value : (value >>> (n - 1 - i)) & 1));
    },
    digitalToggle: function (_pin?: unknown) {
      pins.toggle(num(arguments, 0, 'pin'));
    },
    setWatch: function (cb: unknown, _pin?: unknown, _events?: unknown, _debounce?: unknown) {
      if (typeof cb !== 'function') throw typeError('"callback" argument must be a function');
      const pin = num(arguments, 1, 'pin');
      const events = numOpt(arguments, 2, 'events', 12);
      const debounce = toUint32(numOpt(arguments, 3, 'debounce', 0));
      return pins.setWatch(loop.nextId(), (p) => (cb as (p: number) => void).call(undefined, p), pin, events, debounce);
    },
    clearWatch: function (_id?: unknown) {
      pins.clearWatch(Math.trunc(numOpt(arguments, 0, 'id', 0)));
    },
    attachInterrupt: function (_pin?: unknown, cb?: unknown, _events?: unknown) {
      const pin = toUint32(num(arguments, 0, 'pin')) & 0xff;
      if (typeof cb !== 'function') throw typeError('"callback" argument must be a function');
      const events = numOpt(arguments, 2, 'events', 12);
      if ((events & 12) === 0) throw h.rangeError('Only RISING, FALLING and CHANGE can be set for interrupt event.');
      interrupts.set(pin, { cb: (p, e) => (cb as (p: number, e: number) => void).call(undefined, p, e), events, last: pins.level(pin) });
      loop.addPoller(irqPoller);
    },
    detachInterrupt: function (_pin?: unknown) {
      interrupts.delete(toUint32(num(arguments, 0, 'pin')) & 0xff);
    },
    enableInterrupts: () => undefined,
    disableInterrupts: () => undefined,
    pulseRead: function (_pin?: unknown, _count?: unknown, options?: unknown) {
      const pin = pins.pinNumber(num(arguments, 0, 'pin'));
      num(arguments, 1, 'count');
      if (arguments.length > 2 && (options === null || typeof options !== 'object')) throw typeError('"options" argument must be an object');
      const o = (options ?? {}) as Record<string, unknown>;
      const timeoutUs = typeof o.timeout === 'number' ? toUint32(o.timeout) : 1000000;
      const trigger = o.trigger as Record<string, unknown> | undefined;
      if (trigger && typeof trigger === 'object') {
        const tp = typeof trigger.pin === 'number' ? trigger.pin : pin;
        pins.setMode(tp, 1);
        pulse(tp, typeof trigger.startState === 'number' ? trigger.startState : 0, Array.isArray(trigger.interval) ? trigger.interval : []);
      }
      if (typeof o.mode === 'number') pins.setMode(pin, o.mode);
      // Emulated inputs cannot change while the board busy-waits here: a pulse never comes. The
      // firmware waits for the start state (up to the timeout), then for edges (another timeout).
      const state = typeof o.startState === 'number' ? o.startState : 255;
      block(((state < 255 && pins.level(pin) !== state ? 1 : 2) * timeoutUs) / 1000);
      return null;
    },
    pulseWrite: function (_pin?: unknown, _value?: unknown, interval?: unknown) {
      const pin = num(arguments, 0, 'pin');
      const value = num(arguments, 1, 'value');
      if (arguments.length < 3) throw typeError('"interval" argument required');
      if (!Array.isArray(interval)) throw h.rangeError('The interval is not an array type');
      pulse(pin, value, interval);
      return interval.length;
    },
    analogRead: function (_pin?: unknown) {
      const pin = toUint32(num(arguments, 0, 'pin')) & 0xff;
      if (pin < 26 || pin > 30) throw h.systemError(-140);
      block(1);
      // no emulated device drives an analog level: a grounded input reads 0
      return pin <= 29 ? pins.level(pin) : 0;
    },
  };

  function pulse(pin: number, state: number, intervals: unknown[]): void {
    pins.write(pin, state === 0 ? 0 : 1);
    for (const d of intervals) {
      block((typeof d === 'number' ? Math.min(toUint32(d), 0xffff) : 0) / 1000);
      pins.toggle(pin);
    }
  }
}
