import { test } from 'uvu';
import * as assert from 'uvu/assert';
import EventEmitterDefault, { EventEmitter } from '../../runtime/events';

test('default export is the class', () => {
  assert.is(EventEmitterDefault, EventEmitter);
});

test('on/addListener/emit call listeners in order with arguments and this; return values', () => {
  const e = new EventEmitter();
  const calls: unknown[] = [];
  assert.is(
    e.on('x', function (this: unknown, a: number, b: number) {
      calls.push(['first', this === e, a, b]);
    }),
    e,
  );
  assert.is(e.addListener('x', (a: number) => calls.push(['second', a])), e);
  assert.is(e.emit('x', 1, 2), true);
  assert.is(e.emit('nobody'), false);
  assert.equal(calls, [['first', true, 1, 2], ['second', 1]]);
});

test('prependListener runs first; once runs once and can be removed by the original function', () => {
  const e = new EventEmitter();
  const calls: string[] = [];
  e.on('x', () => calls.push('on'));
  e.prependListener('x', () => calls.push('pre'));
  e.once('x', () => calls.push('once'));
  e.emit('x');
  e.emit('x');
  assert.equal(calls, ['pre', 'on', 'once', 'pre', 'on']);
  const f = () => calls.push('never');
  e.once('y', f);
  assert.equal(e.listeners('y'), [f]);
  e.off('y', f);
  assert.is(e.emit('y'), false);
});

test('off/removeListener remove the last matching listener only; removeAllListeners', () => {
  const e = new EventEmitter();
  let n = 0;
  const f = () => n++;
  e.on('x', f).on('x', f).on('y', f);
  assert.is(e.listenerCount('x'), 2);
  e.removeListener('x', f);
  assert.is(e.listenerCount('x'), 1);
  e.off('x', () => 0);
  assert.is(e.listenerCount('x'), 1);
  e.removeAllListeners('x');
  assert.is(e.listenerCount('x'), 0);
  assert.is(e.listenerCount('y'), 1);
  e.removeAllListeners();
  assert.is(e.listenerCount('y'), 0);
  e.emit('x');
  assert.is(n, 0);
});

test('a listener removed during emit still runs for that emit; one added does not', () => {
  const e = new EventEmitter();
  const calls: string[] = [];
  const b = () => calls.push('b');
  e.on('x', () => {
    calls.push('a');
    e.off('x', b);
    e.on('x', () => calls.push('c'));
  });
  e.on('x', b);
  e.emit('x');
  assert.equal(calls, ['a', 'b']);
});

test("'error' without a listener throws the error (or wraps a non-Error); with one it is delivered", () => {
  const e = new EventEmitter();
  const err = new Error('boom');
  assert.throws(() => e.emit('error', err), (x: unknown) => x === err);
  assert.throws(() => e.emit('error', 'text'), (x: unknown) => x instanceof Error && /text/.test(x.message));
  let got: unknown;
  e.on('error', (x) => (got = x));
  assert.is(e.emit('error', err), true);
  assert.is(got, err);
});

test('event names such as "constructor" or "__proto__" are plain events', () => {
  const e = new EventEmitter();
  assert.is(e.emit('constructor'), false);
  assert.is(e.listenerCount('toString'), 0);
  let n = 0;
  e.on('__proto__', () => n++);
  e.emit('__proto__');
  assert.is(n, 1);
});

test('subclasses work', () => {
  class Thing extends EventEmitter {
    fire() {
      return this.emit('fired', 42);
    }
  }
  let got = 0;
  const t = new Thing();
  t.on('fired', (v: number) => (got = v));
  t.fire();
  assert.is(got, 42);
});

test.run();
