import type { SnapshotValue } from './model';

/** A literal value as JavaScript source would spell it (strings quoted, BigInts with n). */
export function valueText(v: SnapshotValue): string {
  switch (v.kind) {
    case 'string':
      return JSON.stringify(v.value);
    case 'bigint':
      return `${v.value}n`;
    case 'number':
    case 'integer':
      return Object.is(v.value, -0) ? '-0' : String(v.value);
    case 'simple':
      return v.value;
  }
}
