// Where a Kaluma firmware keeps the program and the key-value storage in flash (the targets'
// `flash` data, checked against each board's board.h and board.js at tag 1.2.1).

import type { FlashLayout } from '../targets/target';
import { FLASH_SECTOR_SIZE, hex32 } from './uf2-format';

export type { FlashLayout };

export interface NamedFlashLayout extends FlashLayout {
  /** Board id(s) this layout belongs to, e.g. `pico, pico-w`. */
  name: string;
}

export interface AddressRange {
  start: number;
  /** Exclusive. */
  end: number;
}

export function rangesOverlap(a: AddressRange, b: AddressRange): boolean {
  return a.start < b.end && b.start < a.end;
}

export function formatRange(range: AddressRange): string {
  return `${hex32(range.start)}-${hex32(range.end - 1)}`;
}

export function programRange(layout: FlashLayout): AddressRange {
  return { start: layout.programBase, end: layout.programBase + layout.programSize };
}

export function storageRange(layout: FlashLayout): AddressRange {
  return { start: layout.storageBase, end: layout.storageBase + layout.storageSize };
}

/** Throws unless both regions are whole aligned sectors that do not overlap. */
export function assertFlashLayout(layout: FlashLayout): void {
  const regions: [string, number, number][] = [
    ['program', layout.programBase, layout.programSize],
    ['storage', layout.storageBase, layout.storageSize],
  ];
  for (const [what, base, size] of regions) {
    if (!Number.isInteger(base) || base < 0 || base % FLASH_SECTOR_SIZE !== 0) {
      throw new Error(`target ${what} base ${hex32(base)} is not aligned to a 4 KB flash sector`);
    }
    if (!Number.isInteger(size) || size <= 0 || size % FLASH_SECTOR_SIZE !== 0) {
      throw new Error(`target ${what} size ${size} is not a whole number of 4 KB flash sectors`);
    }
  }
  if (rangesOverlap(programRange(layout), storageRange(layout))) {
    throw new Error(
      `target program region ${formatRange(programRange(layout))} overlaps its storage region ${formatRange(storageRange(layout))}`,
    );
  }
  if (!Number.isInteger(layout.uf2Family) || layout.uf2Family < 0 || layout.uf2Family > 0xffffffff) {
    throw new Error(`target UF2 family ${String(layout.uf2Family)} is not a 32-bit number`);
  }
}
