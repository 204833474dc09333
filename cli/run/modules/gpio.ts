import type { Pins } from '../pins';
import type { SandboxHelpers } from '../sandbox-realm';

/** The firmware's `gpio` module: a thin class over the pin globals (kaluma-api.md §5). */
export function createGpioModule(h: SandboxHelpers, pins: Pins) {
  class GPIO {
    pin: number;
    mode: number;
    constructor(pin: number, mode = 0) {
      this.pin = pin;
      this.mode = mode >= 0 && mode <= 3 ? mode : 0;
      pins.pinMode(pin, this.mode);
    }
    read() {
      return pins.digitalRead(this.pin);
    }
    write(v: number) {
      pins.digitalWrite(this.pin, v);
    }
    toggle() {
      pins.digitalToggle(this.pin);
    }
    low() {
      pins.digitalWrite(this.pin, 0);
    }
    high() {
      pins.digitalWrite(this.pin, 1);
    }
    setMode(mode: number) {
      this.mode = mode;
      pins.pinMode(this.pin, mode);
    }
    irq() {
      throw h.error('GPIO.irq (an IRQ-context callback) is not emulated by kaluma-net run; use setWatch');
    }
  }
  return { GPIO };
}
