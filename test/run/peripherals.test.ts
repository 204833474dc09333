// The firmware's peripherals and globals as `kaluma-net run` reproduces them (src/global.c,
// targets/rp2/src/gpio.c, src/modules/{spi,storage,wifi}, src/err.c).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { SpiDevice } from '../../cli/emulate/devices';
import { board, sleep } from './harness';

test('GPIO: digitalWrite on a pin not in OUTPUT mode only sets the latch; OUTPUT drives it', () => {
  const b = board({ code: '' });
  const seen: number[] = [];
  b.sb.pins.onOutput(5, (l) => seen.push(l));
  b.sb.run(`digitalWrite(5, HIGH); print(digitalRead(5) + ";"); pinMode(5, OUTPUT); print(digitalRead(5) + ";"); digitalWrite(5, 0); pinMode(6, INPUT_PULLUP); print(digitalRead(6));`, 'app.js');
  assert.equal(seen, [1, 0]);
  assert.is(b.out(), '0;1;1');
  b.stop();
});

test('GPIO: argument checks as the firmware words them; digitalWrite(p, true) throws', () => {
  const err = (code: string) => {
    const b = board({ code });
    b.stop();
    return String(b.uncaught[0]);
  };
  assert.is(err('digitalWrite(2, true)'), 'TypeError: "value" argument must be a number');
  assert.is(err('pinMode("2")'), 'TypeError: "pin" argument must be a number or number[]');
  assert.is(err('digitalRead()'), 'TypeError: "pin" argument must be a number');
  assert.is(err('digitalRead(30)'), 'Error: Invalid pin number');
  assert.is(err('attachInterrupt(2, () => 0, HIGH_LEVEL)'), 'RangeError: Only RISING, FALLING and CHANGE can be set for interrupt event.');
  assert.is(err('analogRead(3)'), 'Error: Invalid pin number');
});

test('codecs: argument errors worded as src/global.c words them', () => {
  const err = (code: string) => {
    const b = board({ code });
    b.stop();
    return String(b.uncaught[0]);
  };
  assert.is(err('btoa(1)'), 'TypeError: Unsupported binary data.');
  assert.is(err('btoa()'), 'TypeError: "data" argument required');
  assert.is(err('atob(1)'), 'TypeError: "encodedData" argument must be a string');
  assert.is(err('new TextEncoder(1)'), 'TypeError: "label" argument must be a string');
  assert.is(err('new TextDecoder().decode()'), 'TypeError: "input" argument required');
});

test('setWatch takes a debounce; clearWatch() without an id clears id 0 (no watch); a watch that throws is cleared', async () => {
  let level: 0 | 1 = 0;
  const b = board({ code: '' });
  b.sb.pins.driveInput(3, () => level);
  b.sb.run(
    `let n = 0; setWatch(() => print("w" + ++n + ";"), 3, RISING, 30); clearWatch();
     setWatch(() => { throw new Error("bad watch"); }, 3, RISING);`,
    'app.js',
  );
  level = 1;
  await sleep(10);
  assert.is(b.out(), '', 'the debounce has not elapsed');
  await sleep(60);
  assert.is(b.out(), 'w1;');
  assert.is(b.errors.length, 1);
  level = 0;
  await sleep(10);
  level = 1;
  await sleep(60);
  assert.is(b.out(), 'w1;', 'a low shorter than the debounce is no edge');
  level = 0;
  await sleep(60);
  level = 1;
  await sleep(60);
  assert.is(b.out(), 'w1;w2;');
  assert.is(b.errors.length, 1, 'the throwing watch is gone');
  b.stop();
});

test('attachInterrupt, pulseRead, analogRead and the board.* factories exist', async () => {
  let level: 0 | 1 = 0;
  const b = board({ code: '' });
  b.sb.pins.driveInput(4, () => level);
  b.sb.run(
    `attachInterrupt(4, (pin, ev) => print("irq" + pin + ":" + ev + ";"), FALLING | RISING);
     print(pulseRead(4, 4, { timeout: 1000 }) + ";" + analogRead(26) + ";" + typeof board.gpio(7, OUTPUT).high + ";" + typeof board.uart + ";");`,
    'app.js',
  );
  level = 1;
  await sleep(20);
  assert.is(b.out(), 'null;0;function;function;irq4:8;');
  b.stop();
});

test('SPI: the mode and bit order reach the wire: a mode the chip does not sample in, or LSB first, garbles the bytes', () => {
  const got: number[][] = [];
  const chip: SpiDevice = { select: () => undefined, deselect: () => undefined, transfer: (tx) => (got.push([...tx]), Uint8Array.from(tx)) };
  const b = board({
    target: 'w5500-evb-pico',
    spi: chip,
    code: `const { SPI } = require("spi");
      for (const o of [{ mode: SPI.MODE_0 }, { mode: SPI.MODE_3 }, { mode: SPI.MODE_1 }, { bitorder: SPI.LSB }]) {
        const s = new SPI(0, o); print(Array.from(s.transfer(new Uint8Array([0x81, 0x02]))).join(",") + ";"); s.close();
      }`,
  });
  assert.equal(got, [[0x81, 0x02], [0x81, 0x02], [0x40, 0x81], [0x81, 0x40]]);
  // what comes back crosses the same wire: LSB first reverses it again
  assert.match(b.out(), /^129,2;129,2;[0-9,]+;129,2;$/);
  b.stop();
});

test('storage: 64 slots on RP2040, 256 on pico2; updating a key moves it to the end', () => {
  const fill = (target: string, n: number) => {
    const b = board({ target, code: `for (let i = 0; i < ${n}; i++) storage.setItem("k" + i, "v"); print(storage.length + ";");` });
    b.stop();
    return [b.out(), String(b.uncaught[0] ?? '')];
  };
  assert.equal(fill('pico', 64), ['64;', '']);
  assert.equal(fill('pico', 65), ['', 'Error: Storage full']);
  assert.equal(fill('pico2', 256), ['256;', '']);
  assert.equal(fill('pico2-w', 257), ['', 'Error: Storage full']);
  const b = board({
    code: `storage.setItem("a", "1"); storage.setItem("b", "2"); storage.setItem("a", "3");
      for (let i = 0; i < 70; i++) storage.setItem("a", String(i));
      print(storage.key(0) + storage.key(1) + storage.length + storage.getItem("a") + storage.getItem("zz"));`,
  });
  assert.is(b.out(), 'ba269null');
  b.stop();
});

test('wifi: the connect info keeps security null when not given; the AP-mode functions exist', async () => {
  const b = board({ target: 'pico-esp01', code: '' });
  const joined: unknown[] = [];
  b.sb.global.__ieee80211dev = {
    errno: 0,
    get_connection: (cb: (e: number, i?: unknown) => void) => cb(0),
    connect: (info: unknown, cb: (e: number) => void) => (joined.push({ ...(info as object) }), cb(0)),
  };
  b.sb.run(
    `const { WiFi } = require("wifi"); const w = new WiFi(); const info = { ssid: "net", password: "longpassword" };
     w.connect(info, (err, got) => print((err === null) + ";" + (got === info) + ";" + got.security + ";"));
     print(typeof w.wifiApMode + typeof w.disableWifiApMode + typeof w.getWifiApClients + ";");
     w.wifiApMode((e) => print("never: the callback sits in apmodeInfo when the check fails"));
     w.wifiApMode({}, (e) => print(e.errno + ";"));`,
    'app.js',
  );
  assert.is(b.out(), 'true;true;null;functionfunctionfunction;undefined\nundefined\n-6;');
  assert.equal(joined, [{ ssid: 'net', password: 'longpassword', security: null }]);
  b.stop();
});

test("SystemError: src/err.c's messages, created in the sandbox's realm; delay() returns undefined", () => {
  const b = board({
    code: `const e = new SystemError(104); print([e instanceof Error, e instanceof SystemError, e.errno, e.message].join(",") + ";");
      print([new SystemError(-11).message, new SystemError(100).message, new SystemError(143).message, new SystemError(141).message].join(",") + ";" + delay(0));`,
  });
  assert.is(b.out(), 'true,true,-104,Connection reset by peer;Try again,Network is down,Key not found,No such pheriperal;undefined');
  b.stop();
});

test.run();
