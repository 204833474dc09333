import type { SandboxHelpers } from '../sandbox-realm';

/**
 * The firmware's `storage` (src/modules/storage): slots of one flash page each (64 on RP2040
 * boards, 256 on pico2/pico2-w), written in order; updating or removing a key retires its slot,
 * so an updated key moves to the end. When no slot is left, storage.js sweeps (rewrites the live
 * items compactly) and tries again; only then is it "Storage full".
 */
export function createStorage(h: SandboxHelpers, slots: number, seed: Record<string, string> = {}) {
  /** Slot contents in order; null: retired. */
  let used: ([string, string] | null)[] = [];
  const utf8Length = (s: string) => Buffer.byteLength(s, 'utf8');
  const live = () => used.filter((x): x is [string, string] => x !== null);
  const find = (key: string) => used.findIndex((x) => x !== null && x[0] === key);
  const nativeSet = (key: string, value: string) => {
    if (utf8Length(key) + utf8Length(value) > 253) throw h.systemError(-144);
    const i = find(key);
    if (i >= 0) used[i] = null;
    if (used.length >= slots) throw h.systemError(-142);
    used.push([key, value]);
  };
  for (const [k, v] of Object.entries(seed)) nativeSet(k, v);
  const str = (v: unknown, name: string) => {
    if (typeof v !== 'string') throw h.typeError(`"${name}" argument must be a string`);
    return v;
  };
  return {
    setItem(key: unknown, value: unknown) {
      const k = str(key, 'key');
      const v = str(value, 'value');
      try {
        nativeSet(k, v);
      } catch (e) {
        if ((e as { errno?: number }).errno !== -142) throw e;
        used = live();
        nativeSet(k, v);
      }
    },
    getItem(key: unknown): string | null {
      const i = find(str(key, 'key'));
      return i >= 0 ? used[i]![1] : null;
    },
    removeItem(key: unknown) {
      const i = find(str(key, 'key'));
      if (i >= 0) used[i] = null;
    },
    clear() {
      used = [];
    },
    key(index: unknown): string | null {
      if (typeof index !== 'number') throw h.typeError('"index" argument must be a number');
      return live()[Math.trunc(index)]?.[0] ?? null;
    },
    get length() {
      return live().length;
    },
  };
}
