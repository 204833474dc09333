// Node's EventEmitter, as far as programs and our streams use it; and `later`.

type Fn = (...args: any[]) => void;
type Listener = Fn & { listener?: Fn };

export class EventEmitter {
  declare _e: { [type: string]: Listener[] };

  constructor() {
    this._e = Object.create(null);
  }

  on(type: string, fn: Fn): this {
    return this._add(type, fn, false);
  }

  addListener(type: string, fn: Fn): this {
    return this.on(type, fn);
  }

  prependListener(type: string, fn: Fn): this {
    return this._add(type, fn, true);
  }

  _add(type: string, fn: Fn, first: boolean): this {
    const l = this._e[type] || (this._e[type] = []);
    if (first) l.unshift(fn);
    else l.push(fn);
    return this;
  }

  once(type: string, fn: Fn): this {
    const w: Listener = (...args) => {
      this.off(type, w);
      fn.apply(this, args);
    };
    w.listener = fn;
    return this.on(type, w);
  }

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
    return (this._e[type] || []).map((fn) => fn.listener || fn);
  }

  listenerCount(type: string): number {
    return this.listeners(type).length;
  }
}

/**
 * Runs `fn` once the current callback returned, before timers and I/O (Node's nextTick; Kaluma has
 * none, and its setTimeout(fn, 0) waits at least 1 ms). An exception is rethrown from a timer, so it
 * is reported like any uncaught error instead of becoming an unhandled rejection.
 */
export function later(fn: () => void): void {
  Promise.resolve()
    .then(fn)
    .catch((e) =>
      setTimeout(() => {
        throw e;
      }, 0),
    );
}

export default EventEmitter;
