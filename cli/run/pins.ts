import type { PinBus } from '../emulate/devices';

type Level = 0 | 1;

/**
 * The board's GPIO as the sandbox emulates it: outputs the program drives (seen by attached
 * devices), inputs devices drive, and Kaluma's polled setWatch (checked about once per loop pass).
 */
export class Pins implements PinBus {
  private outputs = new Map<number, Level>();
  private listeners = new Map<number, ((level: Level) => void)[]>();
  private inputs = new Map<number, () => Level>();
  private modes = new Map<number, number>();
  private watches = new Map<number, { pin: number; events: number; last: Level; cb: () => void }>();
  private poller: NodeJS.Timeout | undefined;

  constructor(
    private readonly invalidPin: (pin: unknown) => Error,
    private readonly invoke: (fn: () => void) => void,
  ) {}

  onOutput(pin: number, listener: (level: Level) => void): void {
    const list = this.listeners.get(pin) ?? [];
    list.push(listener);
    this.listeners.set(pin, list);
  }

  driveInput(pin: number, level: () => Level): void {
    this.inputs.set(pin, level);
  }

  private checkPin(pin: unknown): number {
    if (typeof pin !== 'number' || !Number.isInteger(pin) || pin < 0 || pin > 29) throw this.invalidPin(pin);
    return pin;
  }

  pinMode(pin: number | number[], mode = 0): void {
    for (const p of Array.isArray(pin) ? pin : [pin]) this.modes.set(this.checkPin(p), mode);
  }

  digitalWrite(pin: number | number[], value = 0): void {
    if (Array.isArray(pin)) {
      pin.forEach((p, i) => this.write(this.checkPin(p), ((value >> (pin.length - 1 - i)) & 1) as Level));
      return;
    }
    this.write(this.checkPin(pin), value ? 1 : 0);
  }

  private write(pin: number, level: Level): void {
    this.outputs.set(pin, level);
    for (const l of this.listeners.get(pin) ?? []) l(level);
  }

  digitalRead(pin: number): Level {
    const p = this.checkPin(pin);
    const input = this.inputs.get(p);
    if (input) return input();
    if (this.outputs.has(p)) return this.outputs.get(p)!;
    return this.modes.get(p) === 2 ? 1 : 0;
  }

  digitalToggle(pin: number): void {
    this.write(this.checkPin(pin), this.digitalRead(pin) ? 0 : 1);
  }

  /** events: FALLING 4, RISING 8, CHANGE 12, LOW_LEVEL 1, HIGH_LEVEL 2. */
  setWatch(id: number, cb: (pin: number) => void, pin: number, events = 12): number {
    const p = this.checkPin(pin);
    this.watches.set(id, { pin: p, events, last: this.digitalRead(p), cb: () => cb(p) });
    if (!this.poller) this.poller = setInterval(() => this.poll(), 1);
    return id;
  }

  clearWatch(id?: number): void {
    if (id === undefined) this.watches.clear();
    else this.watches.delete(id);
    if (!this.watches.size && this.poller) {
      clearInterval(this.poller);
      this.poller = undefined;
    }
  }

  private poll(): void {
    for (const [id, w] of this.watches) {
      const now = this.digitalRead(w.pin);
      const rising = w.last === 0 && now === 1;
      const falling = w.last === 1 && now === 0;
      w.last = now;
      const fire = (rising && w.events & 8) || (falling && w.events & 4) || (w.events === 1 && now === 0) || (w.events === 2 && now === 1);
      if (fire) {
        let threw = false;
        this.invoke(() => {
          try {
            w.cb();
          } catch (e) {
            threw = true;
            throw e;
          }
        });
        // A watch whose callback threw is cancelled, as on the board.
        if (threw) this.clearWatch(id);
      }
    }
  }

  shutdown(): void {
    this.clearWatch();
  }
}
