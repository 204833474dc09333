// The golden files (shared project data, copied from /work/shared/data): input .js, the .snapshot the
// real Kaluma-fork generator made from it (run in that directory with the bare file name as resource
// name) and the .out it prints when executed.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

export const GOLDEN_DIR = join(__dirname, 'golden');
export const REJECTS_DIR = join(__dirname, 'rejects');

export interface Golden {
  name: string;
  js: string;
  snapshot: Uint8Array;
  out: string;
}

export function goldenFiles(): Golden[] {
  return readdirSync(GOLDEN_DIR)
    .filter((f) => f.endsWith('.js'))
    .sort()
    .map((f) => {
      const name = f.slice(0, -3);
      return {
        name,
        js: readFileSync(join(GOLDEN_DIR, f), 'utf8'),
        snapshot: new Uint8Array(readFileSync(join(GOLDEN_DIR, `${name}.snapshot`))),
        out: readFileSync(join(GOLDEN_DIR, `${name}.out`), 'utf8'),
      };
    });
}

export const sameBytes = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i]);
