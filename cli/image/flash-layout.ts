// Where a Kaluma firmware keeps the program and the key-value storage in flash, and the layouts
// of the Kaluma 1.2.1 boards (from each board's board.h and board.js at tag 1.2.1).

import { FLASH_SECTOR_SIZE, UF2_FAMILY, hex32 } from './uf2-format';

/** The part of a resolved Target that the image stage needs. */
export interface FlashLayout {
  programBase: number;
  programSize: number;
  storageBase: number;
  storageSize: number;
  uf2Family: number;
}

export interface NamedFlashLayout extends FlashLayout {
  /** Board id(s) this layout belongs to, e.g. `pico, pico-w`. */
  name: string;
}

export const KALUMA_1_2_LAYOUTS: readonly NamedFlashLayout[] = [
  // 2 MB: firmware < 0x100FC000, storage 4 sectors, program 128 sectors, lfs 128 sectors.
  { name: 'pico, pico-w', programBase: 0x10100000, programSize: 512 * 1024,
    storageBase: 0x100fc000, storageSize: 16 * 1024, uf2Family: UF2_FAMILY.rp2040 },
  // 4 MB: firmware < 0x100F0000, storage 16 sectors, program 384 sectors, lfs 384 sectors.
  { name: 'pico2', programBase: 0x10100000, programSize: 1536 * 1024,
    storageBase: 0x100f0000, storageSize: 64 * 1024, uf2Family: UF2_FAMILY.rp2350ArmS },
  // 4 MB: firmware < 0x10100000, storage 16 sectors, program 368 sectors, lfs 384 sectors.
  { name: 'pico2-w', programBase: 0x10110000, programSize: 1472 * 1024,
    storageBase: 0x10100000, storageSize: 64 * 1024, uf2Family: UF2_FAMILY.rp2350ArmS },
];

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
