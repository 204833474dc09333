// What the heap estimate is made of: the engine check counts string literal bytes (quotes included),
// template literal text and functions of the bundle; the estimate weighs them
// (cli/pipeline/heap-estimate.ts).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { checkEngine } from '../../cli/check/engine-check';
import { estimateParseHeap, heapWarning } from '../../cli/pipeline/heap-estimate';
import { loadTarget } from '../../cli/targets/load';

const profile = loadTarget('pico').engine;
const shape = (code: string) => {
  const c = checkEngine({ code, cwd: '/', profile, snapshot: false });
  return { stringBytes: c.stringBytes, functions: c.functions };
};

test('counts every kind of function, string literal bytes with their quotes, and template text', () => {
  const code = 'function a(){}var b=function(){},c=()=>1;class D{m(){}get g(){return 1}}var s="abc"+`x${1}y`+/re"x/;';
  // a, b, the arrow, m, g: 5 functions. "abc" is 5 bytes with its quotes; the template's parts x and y 1 each.
  assert.equal(shape(code), { stringBytes: 5 + 1 + 1, functions: 5 });
  assert.equal(shape('var n=1+2;'), { stringBytes: 0, functions: 0 });
});

test('the estimate: strings cost a byte each, code more, functions most; warnings past 60% and past the heap', () => {
  const base = estimateParseHeap({ bytes: 10000, stringBytes: 0, functions: 0 }, 184320).parse;
  assert.ok(estimateParseHeap({ bytes: 10000, stringBytes: 5000, functions: 0 }, 184320).parse < base, 'strings weigh less than code');
  assert.ok(estimateParseHeap({ bytes: 10000, stringBytes: 0, functions: 100 }, 184320).parse > base + 4000, 'each function has a cost of its own');
  assert.is(heapWarning({ parse: 0.5 * 184320, heapSize: 184320 }, 'pico'), undefined);
  assert.match(heapWarning({ parse: 0.7 * 184320, heapSize: 184320 }, 'pico')!, /^pico: parsing this program needs about 126 KB of the board's 180 KB JerryScript heap, leaving about 54 KB/);
  assert.match(heapWarning({ parse: 200000, heapSize: 184320 }, 'pico')!, /more than the board's 180 KB JerryScript heap: it will very likely fail to load/);
});

test.run();
