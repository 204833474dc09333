// Node's EventEmitter, as far as programs and our streams use it. Kept small: on the board every
// function is byte code plus a function object in the heap.

type Fn = (...args: any[]) => void;
type Listener = Fn & { listener?: Fn };

export class EventEmitter {
  declare _e: { [type: string]: Listener[] };

  constructor() {
    this._e = Object.create(null);
  }

  /** Adds `fn` last (`first`: first, for prependListener). */
  on(type: string, fn: Fn, first?: boolean): this {
    const m = this._e;
    const l = m[type] || (m[type] = []);
    if (first) l.unshift(fn);
    else l.push(fn);
    return this;
  }

  addListener(type: string, fn: Fn): this {
    return this.on(type, fn);
  }

  prependListener(type: string, fn: Fn): this {
    return this.on(type, fn, true);
  }

  once(type: string, fn: Fn): this {
    const w: Listener = (...args) => {
      this.off(type, w);
      fn.apply(this, args);
    };
    w.listener = fn;
    return this.on(type, w);
  }

  /** Removes the last listener `fn` of `type` (also one added with once). */
  off(type: string, fn: Fn): this {
    const l = this._e[type] || [];
    for (let i = l.length; i--; ) {
      if (l[i] === fn || l[i].listener === fn) {
        l.splice(i, 1);
        break;
      }
    }
    return this;
  }

  removeListener(type: string, fn: Fn): this {
    return this.off(type, fn);
  }

  removeAllListeners(type?: string): this {
    if (type === undefined) this._e = Object.create(null);
    else delete this._e[type];
    return this;
  }

  /** Calls the listeners in order; 'error' without a listener throws the error. */
  emit(type: string, ...args: any[]): boolean {
    const l = this._e[type];
    if (l && l.length) {
      for (const fn of l.slice()) fn.apply(this, args);
      return true;
    }
    if (type === 'error') throw args[0] instanceof Error ? args[0] : new Error('Unhandled error: ' + args[0]);
    return false;
  }

  listeners(type: string): Fn[] {
    const out: Fn[] = [];
    for (const fn of this._e[type] || []) out.push(fn.listener || fn);
    return out;
  }

  listenerCount(type: string): number {
    return (this._e[type] || []).length;
  }
}

export default EventEmitter;
