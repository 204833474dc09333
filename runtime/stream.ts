// The Duplex stream net.Socket is built on, with Node's order of events: 'data' (flowing mode only),
// 'end' once pushed data is consumed, 'drain', 'finish' after _final, then 'error' and 'close'.
// Data is kept as lists of Uint8Array chunks; strings are UTF-8.
//
// Unlike Node, every write() goes to _write at once (no serialising queue): net's driver queues and
// acknowledges writes in order, and gets the data as early as possible. _write callbacks must come
// in call order. Subclasses implement _read(), _write(chunk, encoding, cb), _final(cb), _destroy(err, cb).
import { EventEmitter, later } from './events';

export type Callback = (err?: Error | null) => void;

export interface DuplexOptions {
  highWaterMark?: number;
  readableHighWaterMark?: number;
  writableHighWaterMark?: number;
  allowHalfOpen?: boolean;
}

/** Bytes buffered per direction before write() returns false or reading pauses (Node's 16 KB is a
 *  large part of a board's heap). */
const HWM = 2048;

export function streamError(message: string, code: string): Error & { code: string } {
  const e = new Error(message) as Error & { code: string };
  e.code = code;
  return e;
}

const destroyedError = () => streamError('stream destroyed', 'ERR_STREAM_DESTROYED');

function utf8Only(enc?: string | null): void {
  if (enc && !/^utf-?8$/i.test(enc)) throw new TypeError('Unknown encoding: ' + enc);
}

export class Duplex extends EventEmitter {
  declare allowHalfOpen: boolean;
  declare destroyed: boolean;
  declare readableEnded: boolean;
  declare writableEnded: boolean;
  declare writableFinished: boolean;
  /** Bytes written and not yet acknowledged by _write. */
  declare writableLength: number;
  declare _rh: number; // readable high-water mark
  declare _wh: number; // writable high-water mark
  declare _rb: Uint8Array[]; // received chunks not yet emitted
  declare _rl: number; // bytes in _rb
  declare _eof: boolean; // push(null) seen
  declare _fl: boolean | null; // flowing: null until 'data'/resume()/pause()
  declare _rs: boolean; // resume() scheduled a flow
  declare _dec: Uint8Array | null; // setEncoding: bytes of an incomplete UTF-8 character
  declare _wq: (Callback | undefined)[]; // callbacks of writes not yet acknowledged, in order
  declare _nd: boolean; // 'drain' is owed
  declare _fc: boolean; // _final called
  declare _wt: number; // bytes accepted by write() in total

  constructor(o: DuplexOptions = {}) {
    super();
    const s = this;
    const h = o.highWaterMark;
    s._rh = o.readableHighWaterMark || h || HWM;
    s._wh = o.writableHighWaterMark || h || HWM;
    s.allowHalfOpen = o.allowHalfOpen !== false;
    s.destroyed = s.readableEnded = s.writableEnded = s.writableFinished = false;
    s._fl = s._dec = null;
    s._rb = [];
    s._wq = [];
    s._rl = s.writableLength = s._wt = 0;
  }

  get readable(): boolean {
    return !this.destroyed && !this.readableEnded;
  }

  get writable(): boolean {
    return !this.destroyed && !this.writableEnded;
  }

  // ---- readable side ----

  /** Called when the buffer ran empty while flowing: the source may deliver again. */
  _read(): void {}

  /** Adds received bytes (null: end of data); false once the buffer is at the high-water mark. */
  push(chunk: Uint8Array | null): boolean {
    const s = this;
    if (chunk === null) s._eof = true;
    else if (!s._eof) {
      s._rb.push(chunk);
      s._rl += chunk.length;
    }
    s._flow();
    return s._rl < s._rh;
  }

  _flow(): void {
    const s = this;
    let c: Uint8Array | undefined;
    while (s._fl && !s.destroyed && (c = s._rb.shift())) {
      s._rl -= c.length;
      const d = s._dec ? decode(s, c) : c;
      if (d.length) s.emit('data', d);
    }
    // As Node's sockets: 'end' once all data is consumed, even when not flowing.
    if (s.destroyed || s._rb.length) return;
    if (!s._eof) {
      if (s._fl) s._read();
    } else if (!s.readableEnded) {
      s.readableEnded = true;
      s.emit('end');
      if (!s.allowHalfOpen) s.end();
      s._done();
    }
  }

  /** As EventEmitter's; a 'data' listener starts the flow unless pause() was called. */
  on(type: string, fn: (...args: any[]) => void): this {
    super.on(type, fn);
    if (type === 'data' && this._fl !== false) this.resume();
    return this;
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
        later(() => {
          s._rs = false;
          s._flow();
        });
      }
    }
    return s;
  }

  isPaused(): boolean {
    return this._fl === false;
  }

  /** 'data' then carries strings; a character split across chunks is reassembled. */
  setEncoding(enc?: string): this {
    utf8Only(enc);
    this._dec = new Uint8Array(0);
    return this;
  }

  /** Writes everything read into `dest`, pausing while `dest` is above its high-water mark. */
  pipe<T extends Pick<Duplex, 'write' | 'end' | 'on'>>(dest: T, opts?: { end?: boolean }): T {
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
    if (!opts || opts.end !== false) this.on('end', () => dest.end());
    return dest;
  }

  // ---- writable side ----

  _write(_chunk: Uint8Array, _enc: string, cb: Callback): void {
    cb();
  }

  _final(cb: Callback): void {
    cb();
  }

  /** Queues `chunk`; false once the unacknowledged bytes reach the high-water mark ('drain' follows).
   *  `cb(err)` runs when _write acknowledged the chunk. */
  write(chunk: Uint8Array | string, enc?: string | Callback, cb?: Callback): boolean {
    const s = this;
    if (typeof enc === 'function') {
      cb = enc;
      enc = undefined;
    }
    if (s.destroyed || s.writableEnded) {
      const e = s.destroyed ? destroyedError() : streamError('write after end', 'ERR_STREAM_WRITE_AFTER_END');
      later(() => cb && cb(e));
      s.destroy(e);
      return false;
    }
    let b = chunk as Uint8Array;
    if (typeof chunk === 'string') {
      utf8Only(enc);
      b = new TextEncoder().encode(chunk);
    }
    const n = b.length;
    const q = s._wq;
    if (n === undefined) throw new TypeError('chunk must be a string or Uint8Array');
    s.writableLength += n;
    s._wt += n;
    q.push(cb);
    s._write(b, 'buffer', (e) => {
      if (s.destroyed) return;
      if (e) return void s.destroy(e);
      s.writableLength -= n;
      if (s._nd && !s.writableLength && !s.writableEnded) {
        s._nd = false;
        s.emit('drain');
      }
      const f = q.shift();
      if (f) f(null);
      s._finish();
    });
    return s.writableLength < s._wh || !(s._nd = true);
  }

  /** end([chunk][, encoding][, cb]): writes `chunk`, then 'finish' once everything was acknowledged
   *  and _final completed (`cb` listens for it). */
  end(chunk?: Uint8Array | string | Callback, enc?: string | Callback, cb?: Callback): this {
    if (typeof chunk === 'function') cb = chunk;
    else if (typeof enc === 'function') cb = enc;
    if (chunk != null && typeof chunk !== 'function') this.write(chunk, typeof enc === 'string' ? enc : undefined);
    // As Node: end()'s callback runs before the 'finish' listeners.
    if (cb) this.prependListener('finish', cb);
    if (!this.writableEnded) {
      this.writableEnded = true;
      this._finish();
    }
    return this;
  }

  _finish(): void {
    const s = this;
    if (s.writableEnded && !s._wq.length && !s._fc && !s.destroyed) {
      s._fc = true;
      s._final((e) => {
        if (e) return void s.destroy(e);
        s.writableFinished = true;
        s.emit('finish');
        s._done();
      });
    }
  }

  // ---- both ----

  /** Closes once both sides are done ('end' and 'finish' emitted). */
  _done(): void {
    if (this.readableEnded && this.writableFinished) this.destroy();
  }

  _destroy(err: Error | null, cb: Callback): void {
    cb(err);
  }

  /** Aborts both sides: 'error' (with `err`), an error for the callbacks of unacknowledged writes,
   *  then 'close' (hadError). */
  destroy(err?: Error | null): this {
    const s = this;
    if (!s.destroyed) {
      s.destroyed = true;
      const q = s._wq;
      s._wq = [];
      s._destroy(err || null, (e) =>
        later(() => {
          if (e) s.emit('error', e);
          for (const f of q) if (f) f(e || destroyedError());
          s.emit('close', !!e);
        }),
      );
    }
    return s;
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

interface Methods {
  read?: () => void;
  write?: (chunk: Uint8Array, enc: string, cb: Callback) => void;
  final?: (cb: Callback) => void;
  destroy?: (err: Error | null, cb: Callback) => void;
}

function useMethods(s: any, o: any): void {
  for (const k of ['read', 'write', 'final', 'destroy']) if (o[k]) s['_' + k] = o[k];
}

/** A Duplex whose writable side is already finished; options may carry `read`/`destroy`. */
export class Readable extends Duplex {
  constructor(o: DuplexOptions & Methods = {}) {
    super(o);
    this.writableEnded = this.writableFinished = true;
    useMethods(this, o);
  }
}

/** A Duplex whose readable side is already ended; options may carry `write`/`final`/`destroy`. */
export class Writable extends Duplex {
  constructor(o: DuplexOptions & Methods = {}) {
    super(o);
    this._eof = this.readableEnded = true;
    useMethods(this, o);
  }
}

export { Duplex as Stream };

export default { Duplex, Readable, Writable, Stream: Duplex };
