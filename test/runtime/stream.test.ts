import { test } from 'uvu';
import * as assert from 'uvu/assert';
import streamDefault, { Duplex, Readable, Writable, type Callback } from '../../runtime/stream';

const tick = (ms = 5) => new Promise((r) => setTimeout(r, ms));
const bytes = (...b: number[]) => Uint8Array.from(b);

/** A Duplex whose writes are acknowledged only when the test says so. */
class Manual extends Duplex {
  writes: Uint8Array[] = [];
  acks: Callback[] = [];
  finals: Callback[] = [];
  reads = 0;
  destroyedWith: (Error | null)[] = [];
  _write(c: Uint8Array, _e: string, cb: Callback) {
    this.writes.push(c);
    this.acks.push(cb);
  }
  _final(cb: Callback) {
    this.finals.push(cb);
  }
  _read() {
    this.reads++;
  }
  _destroy(e: Error | null, cb: Callback) {
    this.destroyedWith.push(e);
    cb(e);
  }
  ack(err?: Error) {
    this.acks.shift()!(err);
  }
}

function record(s: Duplex, names = ['data', 'end', 'drain', 'finish', 'error', 'close']) {
  const events: unknown[] = [];
  for (const n of names) s.on(n, (a?: unknown) => events.push(a === undefined ? n : [n, a instanceof Uint8Array ? [...a] : a]));
  return events;
}

test('exports', () => {
  assert.is(streamDefault.Duplex, Duplex);
  assert.is(streamDefault.Readable, Readable);
  assert.is(streamDefault.Writable, Writable);
});

test('write() is false once unacknowledged bytes reach the high-water mark; drain after the driver took them', async () => {
  const s = new Manual({ writableHighWaterMark: 10 });
  const events = record(s, ['drain']);
  const cbs: string[] = [];
  assert.is(s.write(bytes(1, 2, 3, 4), () => cbs.push('a')), true);
  assert.is(s.write(bytes(5, 6, 7, 8, 9), (e) => cbs.push('b' + (e === null))), true);
  assert.is(s.write('xy', () => cbs.push('c')), false, '11 bytes >= 10');
  assert.is(s.writableLength, 11);
  assert.equal(
    s.writes.map((w) => [...w]),
    [[1, 2, 3, 4], [5, 6, 7, 8, 9], [120, 121]],
    'every write is handed on at once',
  );
  await tick();
  assert.equal(cbs, [], 'no callback before the acknowledgement');
  s.ack();
  s.ack();
  assert.equal(cbs, ['a', 'btrue']);
  assert.equal(events, []);
  s.ack();
  assert.equal(events, ['drain']);
  assert.equal(cbs, ['a', 'btrue', 'c']);
  assert.is(s.writableLength, 0);
});

test('drain is emitted before the callback of the write that emptied the buffer', () => {
  const s = new Manual({ writableHighWaterMark: 2 });
  const order: string[] = [];
  s.on('drain', () => order.push('drain'));
  assert.is(s.write('abc', () => order.push('cb')), false);
  s.ack();
  assert.equal(order, ['drain', 'cb']);
});

test('strings are UTF-8; other encodings and chunk types are refused', () => {
  const s = new Manual();
  s.write('h\u00e9\u20ac');
  s.write('ok', 'utf8');
  s.write('ok', 'utf-8', () => {});
  assert.equal([...s.writes[0]], [0x68, 0xc3, 0xa9, 0xe2, 0x82, 0xac]);
  assert.throws(() => s.write('x', 'hex'), /Unknown encoding: hex/);
  assert.throws(() => s.write(5 as any), TypeError);
});

test("end(): 'finish' after every acknowledgement and _final; end's callback before 'finish' listeners", async () => {
  const s = new Manual();
  const order: string[] = [];
  s.on('finish', () => order.push('finish listener'));
  s.write('a');
  s.end('b', () => order.push('end cb'));
  assert.is(s.writableEnded, true);
  assert.is(s.writable, false);
  assert.is(s.finals.length, 0, '_final waits for the writes');
  s.ack();
  assert.is(s.finals.length, 0);
  s.ack();
  assert.is(s.finals.length, 1);
  assert.equal(order, []);
  s.finals[0]();
  assert.equal(order, ['end cb', 'finish listener']);
  assert.is(s.writableFinished, true);
});

test('write after end: callback and error event with ERR_STREAM_WRITE_AFTER_END, then close', async () => {
  const s = new Manual();
  const events = record(s, ['error', 'close']);
  s.end();
  let cbErr: any;
  assert.is(
    s.write('late', (e) => (cbErr = e)),
    false,
  );
  await tick();
  assert.is(cbErr.code, 'ERR_STREAM_WRITE_AFTER_END');
  assert.equal(events, [['error', cbErr], ['close', true]]);
});

test("destroy(err): 'error', then the unacknowledged writes' callbacks get it, then 'close' (hadError)", async () => {
  const s = new Manual();
  const order: unknown[] = [];
  const err = new Error('boom');
  s.write('a', (e) => order.push(['cb', e === err]));
  s.on('error', (e) => order.push(['error', e === err]));
  s.on('close', (h: boolean) => order.push(['close', h]));
  assert.is(s.destroy(err), s);
  assert.is(s.destroyed, true);
  assert.equal(s.destroyedWith, [err]);
  s.destroy(new Error('twice'));
  assert.equal(s.destroyedWith, [err], '_destroy runs once');
  assert.equal(order, [], 'events come later');
  await tick();
  assert.equal(order, [['error', true], ['cb', true], ['close', true]]);
  s.ack();
  assert.is(order.length, 3, 'a late acknowledgement is ignored');
});

test('destroy() without error: pending callbacks get ERR_STREAM_DESTROYED, no error event; writes after it too', async () => {
  const s = new Manual();
  const got: unknown[] = [];
  s.write('a', (e: any) => got.push(e.code));
  s.on('close', (h: boolean) => got.push(['close', h]));
  s.destroy();
  assert.is(
    s.write('b', (e: any) => got.push('late ' + e.code)),
    false,
  );
  await tick();
  assert.equal(got, ['ERR_STREAM_DESTROYED', ['close', false], 'late ERR_STREAM_DESTROYED']);
});

test("readable: no 'data' without a listener; a 'data' listener starts the flow on a later turn", async () => {
  const s = new Manual();
  s.push(bytes(1));
  s.push(bytes(2, 3));
  const events = record(s, ['data']);
  assert.equal(events, []);
  await tick();
  assert.equal(events, [['data', [1]], ['data', [2, 3]]]);
  s.push(bytes(4));
  assert.equal(events[2], ['data', [4]], 'while flowing, data is emitted at once');
});

test("addListener('data') starts the flow as on() does; prependListener('data') does not (as Node)", async () => {
  const a = new Manual();
  const b = new Manual();
  const got: string[] = [];
  a.addListener('data', () => got.push('a'));
  b.prependListener('data', () => got.push('b'));
  a.push(bytes(1));
  b.push(bytes(1));
  await tick();
  assert.equal(got, ['a']);
  b.resume();
  await tick();
  assert.equal(got, ['a', 'b']);
});

test('push() is false at the readable high-water mark; _read() when the buffer drained while flowing', async () => {
  const s = new Manual({ readableHighWaterMark: 4 });
  assert.is(s.push(bytes(1, 2)), true);
  assert.is(s.push(bytes(3, 4)), false);
  assert.is(s.reads, 0);
  s.resume();
  await tick();
  assert.ok(s.reads > 0);
});

test('pause() stops data (also from inside a data listener) and resume() continues; isPaused', async () => {
  const s = new Manual();
  const got: number[] = [];
  s.on('data', (d: Uint8Array) => {
    got.push(d[0]);
    if (d[0] === 2) s.pause();
  });
  for (let i = 1; i <= 4; i++) s.push(bytes(i));
  await tick();
  assert.equal(got, [1, 2]);
  assert.is(s.isPaused(), true);
  s.push(null);
  await tick();
  assert.equal(got, [1, 2]);
  s.resume();
  assert.is(s.isPaused(), false);
  await tick();
  assert.equal(got, [1, 2, 3, 4]);
  assert.is(s.readableEnded, true);
});

test("'end' once pushed data is consumed; at once when nothing is buffered, even without a listener", async () => {
  const a = new Manual();
  const ea = record(a, ['end']);
  a.push(null);
  assert.equal(ea, ['end']);
  const b = new Manual();
  b.push(bytes(1));
  b.push(null);
  const eb = record(b, ['end']);
  await tick();
  assert.equal(eb, [], 'buffered data not consumed');
  b.resume();
  await tick();
  assert.equal(eb, ['end']);
});

test('allowHalfOpen false ends the writable side after end; both done -> close(false)', async () => {
  const s = new Manual({ allowHalfOpen: false });
  const events = record(s, ['end', 'finish', 'close']);
  s.push(null);
  assert.is(s.writableEnded, true);
  s.finals[0]();
  await tick();
  assert.equal(events, ['end', 'finish', ['close', false]]);
  assert.is(s.destroyed, true);
});

test('allowHalfOpen (default for Duplex): the writable side stays open after end', async () => {
  const s = new Manual();
  s.push(null);
  assert.is(s.readableEnded, true);
  assert.is(s.writable, true);
  s.end();
  s.finals[0]();
  await tick();
  assert.is(s.destroyed, true);
});

test('setEncoding: multi-byte characters split at every position are reassembled', async () => {
  const text = 'a\u00e9\u20ac\ud834\udd1ez';
  const all = new TextEncoder().encode(text);
  for (let i = 0; i <= all.length; i++) {
    for (let j = i; j <= all.length; j++) {
      const s = new Manual();
      s.setEncoding('utf8');
      const parts: string[] = [];
      s.on('data', (d: string) => parts.push(d));
      for (const c of [all.subarray(0, i), all.subarray(i, j), all.subarray(j)]) if (c.length) s.push(c.slice());
      await tick(0);
      assert.is(parts.join(''), text, `cuts ${i},${j}`);
      assert.ok(
        parts.every((p) => typeof p === 'string' && p.length > 0),
        'no empty strings',
      );
    }
  }
  assert.throws(() => new Manual().setEncoding('latin1'), /Unknown encoding/);
});

test('pipe(): source pauses while the destination is full, resumes on drain, ends it at the end', async () => {
  const src = new Manual();
  const dst = new Manual({ writableHighWaterMark: 3 });
  assert.is(src.pipe(dst), dst);
  src.push(bytes(1, 2, 3));
  src.push(bytes(4));
  await tick();
  assert.equal(
    dst.writes.map((w) => [...w]),
    [[1, 2, 3]],
  );
  assert.is(src.isPaused(), true);
  dst.ack();
  await tick();
  assert.equal(
    dst.writes.map((w) => [...w]),
    [[1, 2, 3], [4]],
  );
  dst.ack();
  src.push(null);
  await tick();
  assert.is(dst.writableEnded, true);
});

test('pipe({end: false}) leaves the destination open', async () => {
  const src = new Manual();
  const dst = new Manual();
  src.pipe(dst, { end: false });
  src.push(null);
  await tick();
  assert.is(dst.writableEnded, false);
});

test('a Duplex takes its methods from options too; without _write, writes are acknowledged at once', async () => {
  const written: number[] = [];
  const d = new Duplex({ write: (c: Uint8Array, _e: string, cb: Callback) => (written.push(...c), cb()), final: (cb: Callback) => cb() });
  const finished: string[] = [];
  d.on('finish', () => finished.push('finish'));
  d.end(bytes(7));
  assert.equal(written, [7]);
  assert.equal(finished, ['finish']);
  const bare = new Duplex();
  let acked = false;
  assert.is(
    bare.write(bytes(1), () => (acked = true)),
    true,
  );
  assert.is(acked, true);
  assert.is(bare.writableLength, 0);
});

test('Readable and Writable: one side only, with methods from options', async () => {
  const out: number[] = [];
  const w = new Writable({
    write(c: Uint8Array, _e: string, cb: Callback) {
      out.push(...c);
      cb();
    },
  });
  const closed: string[] = [];
  w.on('close', () => closed.push('w'));
  w.write(bytes(1, 2));
  w.end(bytes(3));
  assert.equal(out, [1, 2, 3]);
  assert.is(w.readable, false);
  let reads = 0;
  const r = new Readable({ read: () => reads++ });
  const got: number[] = [];
  r.on('data', (d: Uint8Array) => got.push(...d));
  r.on('close', () => closed.push('r'));
  r.push(bytes(9));
  r.push(null);
  await tick();
  assert.equal(got, [9]);
  assert.ok(reads > 0);
  assert.equal(closed.sort(), ['r', 'w']);
});

test.run();
