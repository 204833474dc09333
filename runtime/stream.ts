// The Duplex stream net.Socket is built on, with Node's order of events: 'data' (flowing mode only),
// 'end' once pushed data is consumed, 'drain', 'finish' after _final, then 'error' and 'close'.
// Data is kept as lists of Uint8Array chunks; strings are UTF-8.
//
// Unlike Node, every write() goes to _write at once (no serialising queue): net's driver queues and
// acknowledges writes in order, and gets the data as early as possible. _write callbacks must come
// in call order. Subclasses (or the options, as in Node) provide _read(), _write(chunk, encoding, cb),
// _final(cb), _destroy(err, cb); each is optional. Readable and Writable are a Duplex with one side
// already done. On the board every function is byte code plus a function object in the heap: internal
// steps are module functions (no property names), and a few callbacks are bound functions rather than
// closures (a bound function has no byte code).
import { EventEmitter } from './events';
import { E, err, kind } from './net/errors';
import { later } from './net/util';

export type Callback = (err?: Error | null) => void;

export interface DuplexOptions {
  highWaterMark?: number;
  readableHighWaterMark?: number;
  writableHighWaterMark?: number;
  allowHalfOpen?: boolean;
  read?: () => void;
  write?: (chunk: Uint8Array, enc: string, cb: Callback) => void;
  final?: (cb: Callback) => void;
  destroy?: (err: Error | null, cb: Callback) => void;
}

/** Bytes buffered per direction before write() returns false or reading pauses (Node's 16 KB is a
 *  large part of a board's heap). A const enum is inlined; a const would stay a variable. */
const enum Default {
  HWM = 2048,
}

function utf8Only(enc?: string | null): void {
  if (enc && !/^utf-?8$/i.test(enc)) throw new TypeError('Unknown encoding: ' + enc);
}

class DuplexClass extends EventEmitter {
  declare allowHalfOpen: boolean;
  declare destroyed: boolean;
  /** net.Socket's: a write waiting for the connection fails with ERR_SOCKET_CLOSED_BEFORE_CONNECTION. */
  declare connecting?: boolean;
  declare readableEnded: boolean;
  declare writableEnded: boolean;
  declare writableFinished: boolean;
  /** Bytes written and not yet acknowledged by _write. */
  declare writableLength: number;
  /** Bytes accepted by write() in total (net.Socket's bytesWritten). */
  declare bytesWritten: number;
  declare _rh: number; // readable high-water mark
  declare _wh: number; // writable high-water mark
  declare _rb: Uint8Array[]; // received chunks not yet emitted
  declare _rl: number; // bytes in _rb
  declare _eof: boolean; // push(null) seen
  declare _fl?: boolean; // flowing: undefined until 'data'/resume()/pause()
  declare _rs: boolean; // resume() scheduled a flow
  declare _rd?: boolean; // paused mode: 'readable' was emitted and read() has not emptied the buffer since
  declare _dec?: Uint8Array; // setEncoding: bytes of an incomplete UTF-8 character
  declare _wq: (Callback | undefined)[]; // callbacks of writes not yet acknowledged, in order
  declare _nd: boolean; // 'drain' is owed
  declare _fc: boolean; // _final called

  /** Called when the buffer ran empty while flowing: the source may deliver again. */
  _read?(): void;
  /** Takes a chunk; `cb(err)` acknowledges it. Without it, writes are acknowledged at once. */
  _write?(chunk: Uint8Array, enc: string, cb: Callback): void;
  _final?(cb: Callback): void;
  _destroy?(err: Error | null, cb: Callback): void;

  constructor(o: DuplexOptions = {}) {
    super();
    const s = this;
    const h = o.highWaterMark;
    s._rh = o.readableHighWaterMark || h || Default.HWM;
    s._wh = o.writableHighWaterMark || h || Default.HWM;
    s.allowHalfOpen = o.allowHalfOpen !== false;
    s.bytesWritten = 0;
    s._undestroy();
    for (const k of ['read', 'write', 'final', 'destroy'] as const) if (o[k]) (s as any)['_' + k] = o[k];
  }

  /** Both sides open again, nothing buffered: a new stream (net.Socket reconnecting after 'close'). */
  _undestroy(): void {
    const s = this;
    s.destroyed = s.readableEnded = s.writableEnded = s.writableFinished = s._eof = s._fc = s._nd = false;
    s._rb = [];
    s._wq = [];
    s._rl = s.writableLength = 0;
  }

  // readable and writable: see below the class.
  declare readonly readable: boolean;
  declare readonly writable: boolean;

  // ---- readable side ----

  /** Adds received bytes (null: end of data); false once the buffer is at the high-water mark. */
  push(chunk: Uint8Array | null): boolean {
    const s = this;
    if (chunk === null) s._eof = true;
    else if (!s._eof) {
      s._rb.push(chunk);
      s._rl += chunk.length;
    }
    flow(s);
    return s._rl < s._rh;
  }

  pause(): this {
    this._fl = false;
    return this;
  }

  resume(): this {
    const s = this;
    if (!s._fl) {
      s._fl = true;
      if (!s._rs) {
        s._rs = true;
        later(flow, s);
      }
    }
    return s;
  }

  // read, isPaused, setEncoding and pipe: see below the class.
  /** Paused mode: takes `n` bytes (all when omitted; fewer only at the end), or null when there are
   *  not enough yet. With setEncoding, a string (`n` still counts bytes). A 'readable' listener stops
   *  the flow as in Node; 'readable' comes when data is there to read, and at the end. */
  declare read: (n?: number) => Uint8Array | string | null;
  declare isPaused: () => boolean;
  /** 'data' then carries strings; a character split across chunks is reassembled. */
  declare setEncoding: (enc?: string) => this;
  /** Writes everything read into `dest`, pausing while `dest` is above its high-water mark. */
  declare pipe: <T extends Pick<Duplex, 'write' | 'end' | 'on'>>(dest: T, opts?: { end?: boolean }) => T;

  // ---- writable side ----

  /** Queues `chunk`; false once the unacknowledged bytes reach the high-water mark ('drain' follows).
   *  `cb(err)` runs when _write acknowledged the chunk. */
  write(chunk: Uint8Array | string, enc?: string | Callback, cb?: Callback): boolean {
    const s = this;
    if (typeof enc === 'function') {
      cb = enc;
      enc = undefined;
    }
    let b = chunk as Uint8Array;
    if (typeof chunk === 'string') {
      utf8Only(enc);
      b = new TextEncoder().encode(chunk);
    } else if (chunk === null) throw err(E.NullValues);
    else if (!(chunk instanceof Uint8Array)) throw err(E.ArgType, 'chunk', 'string or an instance of Buffer, TypedArray, or DataView', kind(chunk));
    if (s.destroyed || s.writableEnded) {
      // As Node: after end() ERR_STREAM_WRITE_AFTER_END, or EPIPE once the peer ended too (a socket
      // without allowHalfOpen); after destroy() only the callback hears of it.
      const e = err(!s.writableEnded ? E.Destroyed : s.readableEnded && !s.allowHalfOpen ? E.Ended : E.WriteAfterEnd);
      if (cb) later(cb, e);
      s.destroy(e);
      return false;
    }
    const n = b.length;
    const q = s._wq;
    s.writableLength += n;
    s.bytesWritten += n;
    q.push(cb);
    const ack = (e?: Error | null) => {
      if (s.destroyed) return;
      if (e) return void s.destroy(e);
      s.writableLength -= n;
      if (s._nd && !s.writableLength && !s.writableEnded) {
        s._nd = false;
        s.emit('drain');
      }
      const f = q.shift();
      if (f) f(null);
      finish(s);
    };
    if (s._write) s._write(b, 'buffer', ack);
    else ack();
    return s.writableLength < s._wh || !(s._nd = true);
  }

  /** end([chunk][, encoding][, cb]): writes `chunk`, then 'finish' once everything was acknowledged
   *  and _final completed (`cb` listens for it). */
  end(chunk?: Uint8Array | string | Callback | null, enc?: string | Callback, cb?: Callback): this {
    if (typeof chunk === 'function') {
      cb = chunk;
      chunk = null;
    }
    if (typeof enc === 'function') {
      cb = enc;
      enc = undefined;
    }
    if (chunk != null) this.write(chunk, enc);
    // As Node: end()'s callback runs before the 'finish' listeners.
    if (cb) this.on('finish', cb, true);
    if (!this.writableEnded) {
      this.writableEnded = true;
      finish(this);
    }
    return this;
  }

  // ---- both ----

  /** Aborts both sides: 'error' (with `err`), an error for the callbacks of unacknowledged writes,
   *  then 'close' (hadError). */
  destroy(err?: Error | null): this {
    const s = this;
    if (!s.destroyed) {
      s.destroyed = true;
      // _destroy's callback (e) becomes later(destroyed, s, pending callbacks, connecting, e).
      const done: Callback = later.bind(null, destroyed, s, s._wq, s.connecting);
      s._wq = [];
      if (s._destroy) s._destroy(err || null, done);
      else done(err);
    }
    return s;
  }
}

export type Duplex = DuplexClass;
/** Duplex, with the members the runtime never calls where the program may use them (cli/bundle/
 *  features.ts OPTIONAL_MEMBERS). Installed in a pure call, so that a bundle without Duplex has none
 *  of it; code uses this, never DuplexClass, so the members come wherever the class does. */
export const Duplex = /* @__PURE__ */ (function (C: typeof DuplexClass): typeof DuplexClass {
  if (globalThis.KN_M_readable !== false)
    Object.defineProperty(C.prototype, 'readable', {
      get(this: DuplexClass) {
        return !this.destroyed && !this.readableEnded;
      },
    });

  if (globalThis.KN_M_writable !== false)
    Object.defineProperty(C.prototype, 'writable', {
      get(this: DuplexClass) {
        return !this.destroyed && !this.writableEnded;
      },
    });

  if (globalThis.KN_M_read !== false)
    C.prototype.read = function (n) {
      const s = this;
      const l = s._rl;
      let out: Uint8Array | string | null = null;
      if (n === undefined || n > l) n = s._eof || n === undefined ? l : 0;
      if (n > 0) {
        const b = new Uint8Array(n);
        for (let i = 0; i < n; ) {
          const c = s._rb[0];
          const k = Math.min(c.length, n - i);
          b.set(c.subarray(0, k), i);
          if (k < c.length) s._rb[0] = c.subarray(k);
          else s._rb.shift();
          i += k;
        }
        s._rl -= n;
        out = globalThis.KN_M_setEncoding !== false && s._dec ? decode(s, b) : b;
      }
      if (!s._rl || !out) s._rd = false;
      if (s._rl < s._rh && !s._eof && s._read) s._read();
      later(flow, s);
      return out;
    };

  if (globalThis.KN_M_isPaused !== false)
    C.prototype.isPaused = function () {
      return this._fl === false;
    };

  if (globalThis.KN_M_setEncoding !== false)
    C.prototype.setEncoding = function (enc) {
      utf8Only(enc);
      this._dec = new Uint8Array(0);
      return this;
    };

  if (globalThis.KN_M_pipe !== false)
    C.prototype.pipe = function <T extends Pick<Duplex, 'write' | 'end' | 'on'>>(this: Duplex, dest: T, opts?: { end?: boolean }): T {
      let waiting = false;
      this.on('data', (c) => {
        if (!dest.write(c)) {
          waiting = true;
          this.pause();
        }
      });
      dest.on('drain', () => {
        if (waiting) {
          waiting = false;
          this.resume();
        }
      });
      if (!opts || opts.end !== false) this.on('end', dest.end.bind(dest));
      return dest;
    };
  return C;
})(DuplexClass);

/** After _destroy: 'error' (with `e`), an error for the callbacks of unacknowledged writes, 'close'. */
function destroyed(s: Duplex, q: (Callback | undefined)[], connecting?: boolean, e?: Error | null): void {
  if (e) s.emit('error', e);
  for (const f of q) if (f) f(e || err(connecting ? E.ClosedBeforeConnection : E.Destroyed));
  s.emit('close', !!e);
}

/** Emits what is buffered while flowing; 'end' once all data is consumed (even when not flowing, as
 *  Node's sockets); closes when both sides are done. */
function flow(s: Duplex): void {
  let c: Uint8Array | undefined;
  s._rs = false;
  while (s._fl && !s.destroyed && (c = s._rb.shift())) {
    s._rl -= c.length;
    const d = globalThis.KN_M_setEncoding !== false && s._dec ? decode(s, c) : c;
    if (d.length) s.emit('data', d);
  }
  if (globalThis.KN_M_read !== false && !s._fl && !s._rd && !s.destroyed && !s.readableEnded && (s._rl || s._eof)) {
    const r = s._e.readable;
    if (r && r.length) {
      s._rd = true;
      s.emit('readable');
    }
  }
  if (s.destroyed || s._rb.length) return;
  if (!s._eof) {
    if (s._fl && s._read) s._read();
  } else if (!s.readableEnded) {
    s.readableEnded = true;
    s.emit('end');
    if (!s.allowHalfOpen) s.end();
    if (s.writableFinished) s.destroy();
  }
}

/** Once ended and every write acknowledged: _final, then 'finish'; closes when both sides are done. */
function finish(s: Duplex): void {
  if (s.writableEnded && !s._wq.length && !s._fc && !s.destroyed) {
    s._fc = true;
    const done = (e?: Error | null) => {
      if (e) return void s.destroy(e);
      s.writableFinished = true;
      s.emit('finish');
      if (s.readableEnded) s.destroy();
    };
    if (s._final) s._final(done);
    else done();
  }
}

/** Decodes `c` after the bytes kept from the previous chunk, keeping back an incomplete last character. */
function decode(s: Duplex, c: Uint8Array): string {
  const p = s._dec!;
  if (p.length) {
    const t = new Uint8Array(p.length + c.length);
    t.set(p);
    t.set(c, p.length);
    c = t;
  }
  let i = c.length;
  let j = i;
  while (j > 0 && i - j < 3 && (c[j - 1] & 0xc0) === 0x80) j--;
  const lead = c[j - 1];
  if (lead >= 0xc0 && i - j + 1 < (lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : 2)) i = j - 1;
  s._dec = c.slice(i);
  return new TextDecoder().decode(c.subarray(0, i));
}

/** A Duplex whose writable side is already finished. */
export class Readable extends Duplex {
  constructor(o?: DuplexOptions) {
    super(o);
    this.writableEnded = this.writableFinished = true;
  }
}

/** A Duplex whose readable side is already ended. */
export class Writable extends Duplex {
  constructor(o?: DuplexOptions) {
    super(o);
    this._eof = this.readableEnded = true;
  }
}

export { Duplex as Stream };

export default { Duplex, Readable, Writable, Stream: Duplex };
