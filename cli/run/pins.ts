import type { PinBus } from '../emulate/devices';
import { toUint32, type Poller } from './loop';

type Level = 0 | 1;

const OUTPUT = 1;
const INPUT_PULLUP = 2;
const INPUT_PULLDOWN = 3;
/** KALUMA_GPIO_COUNT: pins 0..29 pass the firmware's check (`pin <= 29`). */
const LAST_PIN = 29;

interface Watch {
  id: number;
  pin: number;
  mode: number;
  debounce: number;
  debounceTime: number;
  lastVal: Level;
  val: Level;
  cb: (pin: number) => void;
}

/**
 * The board's GPIO as the firmware drives it (targets/rp2/src/gpio.c, src/io.c): an output latch
 * that reaches the pin only in OUTPUT mode, pulls set by INPUT_PULLUP/PULLDOWN (kept by INPUT,
 * cleared by OUTPUT), inputs devices drive, and setWatch polled once per loop pass with the
 * firmware's debounce.
 */
export class Pins implements PinBus, Poller {
  private latch = new Map<number, Level>();
  private output = new Set<number>();
  private pulls = new Map<number, Level>();
  private listeners = new Map<number, ((level: Level) => void)[]>();
  private inputs = new Map<number, () => Level>();
  private watches: Watch[] = [];

  constructor(
    private readonly invalidPin: () => Error,
    private readonly now: () => number,
    private readonly invoke: (fn: () => void) => boolean,
  ) {}

  onOutput(pin: number, listener: (level: Level) => void): void {
    const list = this.listeners.get(pin) ?? [];
    list.push(listener);
    this.listeners.set(pin, list);
  }

  driveInput(pin: number, level: () => Level): void {
    this.inputs.set(pin, level);
  }

  /** (uint8_t) of the JS number, then the firmware's range check. */
  pinNumber(pin: number): number {
    const p = toUint32(pin) & 0xff;
    if (p > LAST_PIN) throw this.invalidPin();
    return p;
  }

  /** The level on the pin: what the board drives in OUTPUT mode, else a device, else the pull. */
  level(pin: number): Level {
    if (this.output.has(pin)) return this.latch.get(pin) ?? 0;
    const input = this.inputs.get(pin);
    if (input) return input();
    return this.pulls.get(pin) ?? 0;
  }

  setMode(pin: number, mode: number): void {
    const p = this.pinNumber(pin);
    const wasDriven = this.output.has(p);
    if (mode === OUTPUT) {
      this.output.add(p);
      this.pulls.delete(p);
      if (!wasDriven) this.notify(p);
      return;
    }
    this.output.delete(p);
    if (mode === INPUT_PULLUP) this.pulls.set(p, 1);
    else if (mode === INPUT_PULLDOWN) this.pulls.set(p, 0);
  }

  /** gpio_put: the latch changes; the pin follows only when it is an output. */
  write(pin: number, value: number): void {
    const p = this.pinNumber(pin);
    const level: Level = (toUint32(value) & 0xff) !== 0 ? 1 : 0;
    this.latch.set(p, level);
    if (this.output.has(p)) this.notify(p);
  }

  private notify(pin: number): void {
    const level = this.latch.get(pin) ?? 0;
    for (const l of this.listeners.get(pin) ?? []) l(level);
  }

  read(pin: number): Level {
    return this.level(this.pinNumber(pin));
  }

  /** km_gpio_toggle: puts the inverse of what the pin reads. */
  toggle(pin: number): void {
    const p = this.pinNumber(pin);
    this.write(p, this.level(p) ? 0 : 1);
  }

  /** events: FALLING 4, RISING 8, CHANGE 12, LOW_LEVEL 1, HIGH_LEVEL 2. Any pin number is taken
   *  (the firmware does not check it); a pin past 29 reads 0. */
  setWatch(id: number, cb: (pin: number) => void, pin: number, mode: number, debounce: number): number {
    const p = toUint32(pin) & 0xff;
    const v = p <= LAST_PIN ? this.level(p) : 0;
    this.watches.push({ id, pin: p, mode, debounce, debounceTime: 0, lastVal: v, val: v, cb });
    return id;
  }

  clearWatch(id: number): void {
    this.watches = this.watches.filter((w) => w.id !== id);
  }

  sampling(): boolean {
    return this.watches.length > 0;
  }

  ready(): boolean {
    return false;
  }

  /** km_io_watch_run. */
  poll(): void {
    for (const w of [...this.watches]) {
      if (!this.watches.includes(w)) continue;
      const reading: Level = w.pin <= LAST_PIN ? this.level(w.pin) : 0;
      const now = Math.floor(this.now());
      if (w.lastVal !== reading) w.debounceTime = now;
      const elapsed = now - w.debounceTime;
      let ok = true;
      if ((w.mode === 1 && reading === 0) || (w.mode === 2 && reading === 1)) {
        ok = this.fire(w);
      } else if (w.debounceTime > 0 && elapsed >= w.debounce) {
        if (reading !== w.val) {
          w.val = reading;
          if (w.mode === 12 || (w.mode === 8 && w.val === 1) || (w.mode === 4 && w.val === 0)) ok = this.fire(w);
        }
        w.debounceTime = 0;
      }
      w.lastVal = reading;
      // a closed handle is linked into the closing list, which ends the scan (as for timers)
      if (!ok) return;
    }
  }

  /** A watch whose callback threw is printed and cleared (set_watch_cb). */
  private fire(w: Watch): boolean {
    if (this.invoke(() => w.cb(w.pin))) return true;
    this.clearWatch(w.id);
    return false;
  }

  shutdown(): void {
    this.watches = [];
  }
}
