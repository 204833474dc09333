import type { SandboxHelpers } from '../sandbox-realm';

/** The small EventEmitter the firmware's JS modules (uart, wifi) inherit from. */
export class MiniEmitter {
  private _events = new Map<string, ((...args: unknown[]) => void)[]>();
  constructor(private readonly _h: SandboxHelpers) {}
  on(type: string, fn: (...args: unknown[]) => void): this {
    if (typeof fn !== 'function') throw this._h.typeError('listener must be a function');
    this._events.set(type, [...(this._events.get(type) ?? []), fn]);
    return this;
  }
  addListener(type: string, fn: (...args: unknown[]) => void): this {
    return this.on(type, fn);
  }
  once(type: string, fn: (...args: unknown[]) => void): this {
    const w = (...args: unknown[]) => {
      this.off(type, w);
      fn.apply(this, args);
    };
    (w as { listener?: unknown }).listener = fn;
    return this.on(type, w);
  }
  off(type: string, fn: (...args: unknown[]) => void): this {
    const list = this._events.get(type) ?? [];
    for (let i = list.length - 1; i >= 0; i--) {
      if (list[i] === fn || (list[i] as { listener?: unknown }).listener === fn) {
        list.splice(i, 1);
        break;
      }
    }
    return this;
  }
  removeListener(type: string, fn: (...args: unknown[]) => void): this {
    return this.off(type, fn);
  }
  removeAllListeners(type?: string): this {
    if (type === undefined) this._events.clear();
    else this._events.delete(type);
    return this;
  }
  emit(type: string, ...args: unknown[]): boolean {
    const list = [...(this._events.get(type) ?? [])];
    if (type === 'error' && !list.length) throw args[0] && typeof args[0] === 'object' && 'message' in args[0] ? args[0] : this._h.error("Uncaught 'error' event");
    for (const fn of list) fn.apply(this, args);
    return list.length > 0;
  }
  listeners(type: string): unknown[] {
    return this._events.get(type) ?? [];
  }
  listenerCount(type: string): number {
    return (this._events.get(type) ?? []).length;
  }
}
