// The shell harness itself (shell/prelude.js + shell/epilogue.js) on the engine: Kaluma's timer rules
// (kaluma-api.md §2.2) over the virtual clock, promise jobs between loop passes, and its other globals.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { engineTests, explain, runOnLoop, Scratch, type LoopRun } from './jerry';

const scratch = new Scratch();
test.after(() => scratch.remove());

let n = 0;
function loop(program: string): LoopRun {
  const r = runOnLoop(scratch.write(`loop-${++n}.js`, `"use strict";\n${program}`));
  assert.is(r.run.status, 0, explain(r.run));
  assert.is(r.run.stderr, '', explain(r.run));
  return r;
}

const engineTest = engineTests(test, 'loop.test.ts');
engineTest('timers fire in deadline order, strictly after their deadline, at 1 ms granularity', () => {
  const r = loop(`
    var log = [];
    var ids = [];
    ids.push(setTimeout(function () { log.push('b@' + millis()); }, 5));
    ids.push(setTimeout(function () { log.push('a@' + millis()); }, 2));
    ids.push(setTimeout(function () {
      log.push('zero@' + millis());
      setTimeout(function () { log.push('zero again@' + millis()); }, 0);
    }, 0));
    ids.push(setTimeout(function () { log.push('same deadline as a, created later@' + millis()); }, 2));
    var cancelled = setTimeout(function () { log.push('cancelled'); }, 1);
    clearTimeout(cancelled);
    setTimeout(function () { print(log.join(', ')); print(ids.map(function (id) { return typeof id; }).join(' ')); }, 50);
  `);
  assert.is(r.output, 'zero@1, zero again@2, a@3, same deadline as a, created later@3, b@6\nnumber number number number\n');
  assert.equal(r.end, { kind: 'DONE', passes: 5, ms: 51, uncaught: 0 });
});

engineTest('an interval keeps its deadlines (previous + delay) until cleared, with clearTimeout or clearInterval', () => {
  const r = loop(`
    var at = [];
    var fired = 0;
    var iv = setInterval(function () {
      at.push(millis());
      if (++fired === 3) clearInterval(iv);
    }, 10);
    var other = setInterval(function () { at.push('other'); clearTimeout(other); }, 15);
    setTimeout(function () { print(at.join(' ')); }, 100);
  `);
  assert.is(r.output, '11 other 21 31\n');
});

engineTest('clearTimeout(undefined) and a missing delay throw TypeError, as on Kaluma', () => {
  const r = loop(`
    var out = [];
    try { clearTimeout(undefined); } catch (e) { out.push(e.name); }
    try { clearInterval(); } catch (e) { out.push(e.name); }
    try { setTimeout(function () {}); } catch (e) { out.push(e.name); }
    clearTimeout(12345);
    print(out.join(' '));
  `);
  assert.is(r.output, 'TypeError TypeError TypeError\n');
  assert.equal(r.end, { kind: 'DONE', passes: 0, ms: 0, uncaught: 0 });
});

engineTest('promise jobs run before the program\'s timers and finish between two passes', () => {
  const r = loop(`
    var log = [];
    Promise.resolve().then(function () { log.push('job of the program'); });
    setTimeout(async function () {
      log.push('t1');
      for (var i = 0; i < 10; i++) await null;
      log.push('t1 after 10 awaits');
    }, 1);
    setTimeout(function () { log.push('t2'); }, 2);
    setTimeout(function () { print(log.join(', ')); }, 3);
  `);
  assert.is(r.output, 'job of the program, t1, t1 after 10 awaits, t2\n');
});

engineTest('a callback that throws is reported and the loop goes on', () => {
  const r = loop(`
    setTimeout(function () { throw new RangeError('boom'); }, 1);
    setTimeout(function () { print('after'); }, 2);
  `);
  assert.match(r.output, /^UNCAUGHT RangeError: boom \[.*loop-\d+\.js:\d+.*\]\nafter\n$/);
  assert.is(r.end!.uncaught, 1);
});

engineTest('a program that never goes idle stops at the limit', () => {
  const r = loop(`setInterval(function () {}, 1000);`);
  assert.is(r.end!.kind, 'LIMIT');
  assert.is(r.end!.ms, 600001);
});

engineTest('console.log prints its arguments on one line; TextEncoder/TextDecoder do UTF-8 like Node\'s', () => {
  const text = 'h\u00e9llo \u20ac \ud834\udd1e!';
  const r = loop(`
    console.log('a', 1, { x: [true] });
    console.log();
    var bytes = new TextEncoder().encode(${JSON.stringify(text)});
    print(Array.prototype.join.call(bytes, ' '));
    print(new TextDecoder().decode(bytes.subarray(1, 10)) === ${JSON.stringify(text.slice(1, 7))});
    print(new TextDecoder('ascii').decode(new TextEncoder('ascii').encode('\\u00ff')) === '\\u00ff');
    try { new TextEncoder('latin1').encode('x'); } catch (e) { print(e.message); }
  `);
  const bytes = Array.from(new TextEncoder().encode(text)).join(' ');
  assert.is(r.output, `a 1 {"x":[true]}\n${bytes}\ntrue\ntrue\nUnsupported encoding.\n`);
});

test.run();
