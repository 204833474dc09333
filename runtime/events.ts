// Node's EventEmitter, as far as programs and our streams use it. A constructor function, as Node's
// is, so that pre-class code works: `EventEmitter.call(this)` with util.inherits. Kept small: on the
// board every function is byte code plus a function object in the heap.

type Fn = (...args: any[]) => void;
type Listener = Fn & { listener?: Fn };

export interface EventEmitter {
  _e: { [type: string]: Listener[] };
  /** Adds `fn` last (`first`: first, for prependListener). */
  on(type: string, fn: Fn, first?: boolean): this;
  addListener(type: string, fn: Fn): this;
  prependListener(type: string, fn: Fn): this;
  once(type: string, fn: Fn): this;
  /** Removes the last listener `fn` of `type` (also one added with once). */
  off(type: string, fn: Fn): this;
  removeListener(type: string, fn: Fn): this;
  removeAllListeners(type?: string): this;
  /** Calls the listeners in order; 'error' without a listener throws the error. */
  emit(type: string, ...args: any[]): boolean;
  listeners(type: string): Fn[];
  listenerCount(type: string): number;
}

interface EventEmitterConstructor {
  new (): EventEmitter;
  (this: EventEmitter): void;
  prototype: EventEmitter;
}

// Built in a pure call, so that a bundle which does not use it drops it whole.
export const EventEmitter = /* @__PURE__ */ (function (): EventEmitterConstructor {
  const EE = function (this: EventEmitter) {
    this._e = Object.create(null);
  } as unknown as EventEmitterConstructor;

  const P = EE.prototype;

  P.on = P.addListener = function (type, fn, first?: boolean) {
    const m = this._e;
    const l = m[type] || (m[type] = []);
    if (first) l.unshift(fn);
    else {
      l.push(fn);
      // A stream's (Duplex's, known by its read buffer) 'data' listener starts the flow unless pause()
      // was called, as Node's Readable.on; here rather than in an override, which would cost a function.
      const s = this as any;
      if (type === 'data' && s._rb && s._fl !== false) s.resume();
      // A 'readable' listener switches it to paused mode; read(0) announces what is already there.
      if (globalThis.KN_M_read !== false && type === 'readable' && s._rb) {
        s._fl = false;
        s.read(0);
      }
    }
    return this;
  };


  P.once = function (type, fn) {
    const w: Listener = (...args) => {
      this.off(type, w);
      fn.apply(this, args);
    };
    w.listener = fn;
    return this.on(type, w);
  };

  P.off = P.removeListener = function (type, fn) {
    const l = this._e[type] || [];
    for (let i = l.length; i--; ) {
      if (l[i] === fn || l[i].listener === fn) {
        l.splice(i, 1);
        break;
      }
    }
    return this;
  };

  // Members the runtime never calls are left out of a program that never names them
  // (cli/bundle/features.ts OPTIONAL_MEMBERS).
  if (globalThis.KN_M_removeAllListeners !== false)
    P.removeAllListeners = function (type) {
      if (type === undefined) this._e = Object.create(null);
      else delete this._e[type];
      return this;
    };

  P.emit = function (type, ...args) {
    const l = this._e[type];
    if (l && l.length) {
      for (const fn of l.slice()) fn.apply(this, args);
      return true;
    }
    if (type === 'error') throw args[0] instanceof Error ? args[0] : new Error('Unhandled error: ' + args[0]);
    return false;
  };

  if (globalThis.KN_M_prependListener !== false)
    P.prependListener = function (type, fn) {
      return this.on(type, fn, true);
    };

  if (globalThis.KN_M_listeners !== false)
    P.listeners = function (type) {
      const out: Fn[] = [];
      for (const fn of this._e[type] || []) out.push(fn.listener || fn);
      return out;
    };

  if (globalThis.KN_M_listenerCount !== false)
    P.listenerCount = function (type) {
      return (this._e[type] || []).length;
    };

  // As Node's module.exports: require('events').EventEmitter is EventEmitter itself.
  (EE as any).EventEmitter = EE;
  return EE;
})();

export default EventEmitter;
