import type { SandboxHelpers } from '../sandbox-realm';

/** In-memory `storage` with the firmware's rules (kaluma-api.md §2.8). */
export function createStorage(h: SandboxHelpers, seed: Record<string, string> = {}) {
  const items = new Map<string, string>(Object.entries(seed));
  const utf8Length = (s: string) => Buffer.byteLength(s, 'utf8');
  return {
    setItem(key: unknown, value: unknown) {
      if (typeof key !== 'string') throw h.typeError('"key" argument must be a string');
      if (typeof value !== 'string') throw h.typeError('"value" argument must be a string');
      if (utf8Length(key) + utf8Length(value) > 253) throw h.systemError(-144);
      if (!items.has(key) && items.size >= 64) throw h.systemError(-142);
      items.set(key, value);
    },
    getItem(key: unknown): string | null {
      if (typeof key !== 'string') throw h.typeError('"key" argument must be a string');
      return items.has(key) ? items.get(key)! : null;
    },
    removeItem(key: unknown) {
      if (typeof key !== 'string') throw h.typeError('"key" argument must be a string');
      items.delete(key);
    },
    clear() {
      items.clear();
    },
    key(i: unknown): string | null {
      if (typeof i !== 'number') throw h.typeError('"index" argument must be a number');
      return [...items.keys()][i] ?? null;
    },
    get length() {
      return items.size;
    },
  };
}
