/** The firmware's `gpio` module (src/modules/gpio/gpio.js): JS over the pin globals, ported as is,
 *  quirks included (e.g. irq(cb) without events passes `undefined` on and attachInterrupt throws). */
export function createGpioModule(g: Record<string, any>) {
  function GPIO(this: any, pin: unknown, mode?: unknown) {
    this.pin = pin;
    if ((mode as number) < g.INPUT || (mode as number) > g.INPUT_PULLDOWN) mode = g.INPUT;
    this.setMode(mode);
  }
  Object.assign(GPIO.prototype, {
    read(this: any) {
      return g.digitalRead(this.pin);
    },
    write(this: any, value: unknown) {
      g.digitalWrite(this.pin, value);
    },
    toggle(this: any) {
      g.digitalToggle(this.pin);
    },
    low(this: any) {
      g.digitalWrite(this.pin, 0);
    },
    high(this: any) {
      g.digitalWrite(this.pin, 1);
    },
    setMode(this: any, mode: unknown) {
      this.mode = typeof mode === 'number' ? mode : g.INPUT;
      g.pinMode(this.pin, this.mode);
    },
    irq(this: any, callback: unknown, events?: unknown) {
      if (typeof callback !== 'function') throw new g.TypeError('callback must be a function');
      this.events = typeof events === 'number' ? events : g.CHANGE;
      g.attachInterrupt(this.pin, callback, events);
    },
  });
  return { GPIO };
}
