import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createSandbox } from '../../cli/run/sandbox';
import { loadTarget } from '../../cli/targets/load';
import type { UartDevice } from '../../cli/emulate/devices';

function sandbox(opts: { target?: string; uart?: (bus: number) => UartDevice | undefined } = {}) {
  let out = '';
  const errors: unknown[] = [];
  const sb = createSandbox({
    target: loadTarget(opts.target ?? 'pico'),
    stdout: (t) => (out += t),
    onUncaught: (e) => errors.push(e),
    uart: opts.uart,
  });
  return { sb, errors, out: () => out };
}

const run = (code: string) => {
  const s = sandbox();
  s.sb.run('"use strict";' + code, 'app.js');
  s.sb.shutdown();
  return s;
};
const errorOf = (code: string) => {
  const { errors } = run(code);
  assert.is(errors.length, 1, `expected one uncaught error for ${code}`);
  const e = errors[0] as Error;
  return `${e.name}: ${e.message}`;
};

test('no Node globals: Buffer, process.nextTick/env, setImmediate, queueMicrotask, module, structuredClone', () => {
  assert.match(errorOf('Buffer.from("x")'), /^ReferenceError: Buffer is not defined/);
  assert.match(errorOf('process.nextTick(() => 0)'), /^TypeError: process.nextTick is not a function/);
  assert.match(errorOf('process.env.HOME.length'), /^TypeError: Cannot read properties of undefined/);
  assert.match(errorOf('setImmediate(() => 0)'), /^ReferenceError: setImmediate is not defined/);
  assert.match(errorOf('queueMicrotask(() => 0)'), /^ReferenceError: queueMicrotask is not defined/);
  assert.match(errorOf('module.exports = 1'), /^ReferenceError: module is not defined/);
  assert.match(errorOf('structuredClone({})'), /^ReferenceError: structuredClone is not defined/);
});

test("what JerryScript 2.4 lacks is missing, with the same kind of error", () => {
  assert.match(errorOf('[1].at(0)'), /^TypeError: .*at is not a function/);
  assert.match(errorOf('Object.hasOwn({}, "a")'), /^TypeError: Object.hasOwn is not a function/);
  assert.match(errorOf('Promise.allSettled([])'), /^TypeError: Promise.allSettled is not a function/);
  assert.match(errorOf('Promise.any([])'), /^TypeError: Promise.any is not a function/);
  assert.match(errorOf('new WeakRef({})'), /^ReferenceError: WeakRef is not defined/);
  assert.match(errorOf('[1].findLast(() => 1)'), /^TypeError: .*findLast is not a function/);
  assert.match(errorOf('"a".replaceAll("a", "b")'), /^TypeError: .*replaceAll is not a function/);
});

test('strict mode and built-in-only require', () => {
  assert.match(errorOf('undeclared = 1'), /^ReferenceError: undeclared is not defined/);
  assert.match(errorOf('require("crypto")'), /^Error: Failed to load module: crypto/);
  assert.match(errorOf('require("./lib.js")'), /^Error: Failed to load module: \.\/lib\.js/);
  assert.match(errorOf('require("i2c")'), /^Error: built-in module "i2c" is not emulated by kaluma-net run \(target pico\)/);
});

test("Kaluma's globals behave like the firmware's", () => {
  const { out, errors } = run(`
    print("a", 1); console.log("b", { c: 2 }); console.log();
    const d = new TextDecoder("ascii").decode(new TextEncoder("utf-8").encode("\\u00e9"));
    console.log(d.length, d.charCodeAt(0), d.charCodeAt(1));
    const bytes = atob(btoa("hi"));
    console.log(bytes instanceof Uint8Array, bytes.length, atob("*") === undefined);
    const e = new SystemError(104);
    console.log(e instanceof Error, e.errno, e.message, e.code === undefined);
    storage.setItem("k", "v"); console.log(storage.getItem("k"), storage.getItem("nope"), storage.length);
    console.log(typeof millis(), typeof micros(), board.name, board.LED, board.uid.length, process.platform);
    console.log(process.builtin_modules.includes("uart"), process.builtin_modules.includes("pico_cyw43"));
  `);
  assert.equal(errors, []);
  assert.is(
    out(),
    'a 1b { c: 2 }\n2 195 169\ntrue 2 true\ntrue -104 Connection reset by peer true\nv null 1\nnumber number pico 25 16 rp2\ntrue false\n',
  );
  assert.match(errorOf('new TextEncoder("latin1").encode("x")'), /^Error: Unsupported encoding\./);
  assert.match(errorOf('new TextDecoder().decode([1])'), /^Error: input must be Uint8Array\./);
  assert.match(errorOf('storage.setItem("k", "x".repeat(260))'), /^Error: Data too long/);
});

test('timers: numeric ids from 1, argument errors worded as the firmware words them', async () => {
  const s = sandbox();
  s.sb.run(
    `"use strict";
     const a = setTimeout(() => print("never"), 5); clearTimeout(a);
     let n = 0; const b = setInterval(() => { print("i"); if (++n === 3) clearInterval(b); }, 1);
     print(a + "," + b + ";");`,
    'app.js',
  );
  await new Promise((r) => setTimeout(r, 60));
  assert.is(s.out(), '1,2;iii');
  assert.match(errorOf('setTimeout(() => 0)'), /^TypeError: "delay" argument must be a number/);
  assert.match(errorOf('clearTimeout(undefined)'), /^TypeError: "id" argument must be a number/);
  assert.match(errorOf('setTimeout(1, 1)'), /^TypeError: "callback" argument must be a function/);
  s.sb.shutdown();
});

test('an error in a timer callback is printed and the program goes on; the throwing timer is cleared', async () => {
  const s = sandbox();
  s.sb.run(`"use strict"; setInterval(() => { throw new RangeError("boom"); }, 1); setTimeout(() => print("late"), 30);`, 'app.js');
  await new Promise((r) => setTimeout(r, 80));
  assert.is(s.errors.length, 1);
  assert.is((s.errors[0] as Error).message, 'boom');
  assert.ok(s.errors[0] instanceof (s.sb.global.RangeError as typeof RangeError), 'an error of the sandbox realm');
  assert.is(s.out(), 'late');
  s.sb.shutdown();
});

test('uart: unbound bus explains --uart/--emulate; bound bus delivers bytes per loop pass and has the view bug', async () => {
  const noBus = sandbox({ target: 'pico-esp01' });
  noBus.sb.run('"use strict"; const { UART } = require("uart"); new UART(0);', 'app.js');
  assert.match(String((noBus.errors[0] as Error).message), /UART0 is not emulated/);

  const written: number[][] = [];
  let push: (d: Uint8Array) => void = () => undefined;
  const dev: UartDevice = { write: (d) => written.push([...d]), onData: (l) => (push = l), close: () => undefined };
  const s = sandbox({ target: 'pico-esp01', uart: (bus) => (bus === 0 ? dev : undefined) });
  s.sb.run(
    `"use strict"; const { UART } = require("uart"); const u = new UART(0, { baudrate: 115200 });
     u.on("data", (d) => print((d instanceof Uint8Array) + ":" + d.length + ";"));
     u.write("AT\\r\\n"); const big = new Uint8Array([1, 2, 3, 4]); u.write(big.subarray(2));
     try { new UART(0); } catch (e) { print("busy:" + e.errno + ";"); }`,
    'app.js',
  );
  push(new Uint8Array([1, 2]));
  push(new Uint8Array([3]));
  await new Promise((r) => setTimeout(r, 30));
  assert.equal(written, [[65, 84, 13, 10], [1, 2, 3, 4]]);
  // the first pass that finds bytes after a quiet line reads one; later passes read what has arrived
  // by then (bytes come at the baud rate in wall time, so how the rest splits depends on the load)
  const events = s.out().split(';').filter(Boolean);
  assert.is(events[0], 'busy:-145');
  assert.is(events[1], 'true:1');
  assert.is(events.slice(1).reduce((n, e) => n + Number(e.split(':')[1]), 0), 3);
  s.sb.shutdown();
});

test.run();
