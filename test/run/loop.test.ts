// Kaluma 1.2.1's event loop (src/io.c, src/global.c) as `kaluma-net run` reproduces it. Each test
// shows what the board does where Node's loop (what the sandbox used before) does otherwise.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { bootToFirstLineMs } from '../../cli/run/sandbox';
import { board, sleep, uartDevice } from './harness';

test('the clock is stamped before the program is parsed: a top-level 1000 ms timer of a 35 KB program is due at the first pass', async () => {
  const padding = '/*' + 'x'.repeat(35 * 1024) + '*/\n';
  const started = Date.now();
  let firedAfter = -1;
  const b = board({ code: `print("first line at " + millis() + ";"); setTimeout(() => print("timer;"), 1000);\n${padding}` });
  while (!b.out().includes('timer;') && Date.now() - started < 3000) await sleep(2);
  firedAfter = Date.now() - started;
  const at = Number(/first line at (\d+)/.exec(b.out())![1]);
  assert.ok(at >= 1700 && at < 1900, `millis() at the first line ${at}`);
  assert.ok(firedAfter < 500, `the 1000 ms timer fired ${firedAfter} ms after the start`);
  assert.ok(Math.abs(bootToFirstLineMs(0) - 130) < 1 && Math.abs(bootToFirstLineMs(13 * 1024) - 550) < 10);
  b.stop();
});

test('a pass runs due timers before it reads the UART; same-deadline timers fire in creation order', async () => {
  const dev = uartDevice();
  dev.write = (d) => {
    dev.sent.push([...d]);
    dev.send('OK\r\n'); // the modem answers at once
  };
  const b = board({
    target: 'pico-esp01',
    uart: dev,
    code: `const { UART } = require("uart"); const u = new UART(0);
      u.on("data", (d) => print("data" + d.length + ";"));
      setTimeout(() => print("retry;"), 1);
      u.write("AT\\r\\n");
      delay(5); // the answer is in the ring buffer before the first pass
      setTimeout(() => print("a;"), 20); setTimeout(() => print("b;"), 10);`,
  });
  await sleep(100);
  // Node would run b before a, and read the answer before the retry
  assert.is(b.out(), 'retry;data1;a;data3;b;');
  b.stop();
});

test('at most one one-shot timer per pass; UART data and promise jobs run between; jobs run once per pass, after the UART', async () => {
  const dev = uartDevice();
  dev.write = () => dev.send('x');
  const b = board({
    target: 'pico-esp01',
    uart: dev,
    code: `const { UART } = require("uart"); const u = new UART(0);
      u.on("data", () => print("data;"));
      setTimeout(() => { print("t1;"); Promise.resolve().then(() => print("job;")); }, 1);
      setTimeout(() => print("t2;"), 1);
      u.write("?"); delay(3);`,
  });
  await sleep(60);
  assert.is(b.out(), 't1;data;job;t2;');
  b.stop();
});

test('setInterval catches up one fire per pass after the clock ran ahead; setInterval(f, 0) fires every pass', async () => {
  const b = board({
    code: `const at = []; const iv = setInterval(() => { at.push(millis()); if (at.length === 5) { clearInterval(iv); print(String(at[4] - at[0])); } }, 5);
      let n = 0; const z = setInterval(() => n++, 0);
      setTimeout(() => { clearInterval(z); print(";" + (n > 40)); }, 40);`,
  });
  await b.idle();
  const [spread, many] = b.out().split(';');
  // the stale boot clock put 6 deadlines behind: they fire back to back, not 5 ms apart
  assert.ok(Number(spread) <= 2, `5 fires within ${spread} ms`);
  assert.is(many, 'true');
  b.stop();
});

test('a deadline counts from the pass clock and fires strictly after it; delays above 2^31-1 ms wait', async () => {
  const b = board({
    code: `setTimeout(() => { delay(20); const t = millis(); setTimeout(() => print("late by " + (millis() - t < 10) + ";"), 10); }, 1);
      setTimeout(() => print("never"), 2147483648); setTimeout(() => print("never"), 4294967301);`,
  });
  await sleep(120);
  assert.is(b.out(), 'late by true;');
  assert.ok(b.sb.loop.busy(), 'the long timers are still pending');
  b.stop();
});

test('a timer cleared inside its own callback is flagged', async () => {
  const b = board({ code: `const t = setTimeout(() => { clearTimeout(t); print("ran"); }, 1); const i = setInterval(() => clearInterval(i), 1);` });
  await b.idle();
  assert.is(b.out(), 'ran');
  assert.is(b.warnings.length, 1);
  assert.match(b.warnings[0], /^timer 1 was cleared inside its own callback: Kaluma 1.2.1 then releases the callback twice/);
  b.stop();
});

test('errors: a callback error is printed and the program goes on (a throwing interval is cleared); a top-level error aborts the program', async () => {
  let b = board({ code: `let n = 0; setInterval(() => { n++; throw new Error("tick"); }, 1); setTimeout(() => print("n=" + n), 30);` });
  await b.idle();
  assert.is(b.out(), 'n=1');
  assert.is(b.errors.length, 1);
  assert.ok(b.errors[0] instanceof (b.sb.global.Error as ErrorConstructor));
  b.stop();
  b = board({ code: `setTimeout(() => print("x"), 1); Promise.resolve().then(() => print("job")); throw new Error("top");` });
  await sleep(30);
  assert.is(b.out(), '');
  assert.is((b.uncaught[0] as Error).message, 'top');
  b.stop();
});

test('UART: a ring buffer of bufferSize that overwrites unread bytes when the program blocks; write() sends a view\'s whole buffer, with a warning', async () => {
  const dev = uartDevice();
  dev.write = (d) => {
    dev.sent.push([...d]);
    if (d.length === 2) dev.send('abcdefghijklmnopqrstuvwxyz0123456789ABCD');
  };
  const b = board({
    target: 'pico-esp01',
    uart: dev,
    code: `const { UART } = require("uart"); const u = new UART(0, { bufferSize: 16 }); let got = "";
      u.on("data", (d) => { got += String.fromCharCode.apply(null, d); });
      setTimeout(() => {
        u.write("go");
        delay(20); // the 40-byte answer (3.5 ms at 115200 baud) arrives meanwhile: more than the ring holds
        setTimeout(() => print(got), 30);
      }, 1);
      u.write(new Uint8Array([1, 2, 3, 4]).subarray(2));`,
  });
  await b.idle();
  // the write pointer ran 40 bytes round a 16-byte ring: 8 bytes readable, the last ones written
  assert.is(b.out(), '6789ABCD');
  assert.equal(dev.sent, [[1, 2, 3, 4], [103, 111]]);
  assert.match(b.warnings.join('\n'), /uart.write\(\) got a Uint8Array view \(offset 2, length 2\) of a 4-byte buffer: Kaluma 1.2.1 sends the whole underlying ArrayBuffer/);
  b.stop();
});

test('timer ids come from the handle counter shared with watches and UARTs; millis() counts from boot', async () => {
  const dev = uartDevice();
  const b = board({
    target: 'pico-esp01',
    uart: dev,
    code: `const a = setTimeout(() => 0, 1); const w = setWatch(() => 0, 2); new (require("uart").UART)(0); const c = setInterval(() => 0, 1);
      print([a, w, c].join(",") + ";" + (millis() >= 130) + ";" + delay(1));`,
  });
  assert.is(b.out(), '1,2,4;true;undefined');
  b.stop();
});

test.run();
