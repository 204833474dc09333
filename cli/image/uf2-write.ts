// UF2 writer: regions of flash -> 512-byte blocks of 256-byte payloads, whole aligned 4 KB
// sectors only (RP2040-E14: the boot ROM may corrupt a sector it receives only part of), with
// the gaps inside a touched sector padded as erased flash (0xFF).

import {
  FLASH_PAGE_SIZE,
  FLASH_SECTOR_SIZE,
  UF2_BLOCK_SIZE,
  UF2_FIELD,
  UF2_FLAG_FAMILY_ID_PRESENT,
  UF2_MAGIC_END,
  UF2_MAGIC_START0,
  UF2_MAGIC_START1,
  UF2_PAYLOAD_SIZE,
  hex32,
} from './uf2-format';

export interface FlashRegion {
  address: number;
  bytes: Uint8Array;
}

const FLASH_ADDRESS_LIMIT = 0x1_0000_0000;

function describeRegion(region: FlashRegion): string {
  return `${hex32(region.address)}-${hex32(region.address + region.bytes.length - 1)}`;
}

/** The regions as whole aligned sectors in address order; throws on overlapping regions. */
export function toWholeSectors(regions: readonly FlashRegion[]): FlashRegion[] {
  const sorted = regions.filter((r) => r.bytes.length > 0).sort((a, b) => a.address - b.address);
  for (const region of sorted) {
    if (!Number.isInteger(region.address) || region.address < 0 ||
        region.address + region.bytes.length > FLASH_ADDRESS_LIMIT) {
      throw new Error(`flash region at ${String(region.address)} is outside the 32-bit address space`);
    }
  }
  for (let i = 1; i < sorted.length; i++) {
    const previous = sorted[i - 1];
    if (previous.address + previous.bytes.length > sorted[i].address) {
      throw new Error(`flash regions overlap: ${describeRegion(previous)} and ${describeRegion(sorted[i])}`);
    }
  }
  const sectors = new Map<number, Uint8Array>();
  for (const region of sorted) {
    const end = region.address + region.bytes.length;
    for (let base = region.address - (region.address % FLASH_SECTOR_SIZE); base < end; base += FLASH_SECTOR_SIZE) {
      let sector = sectors.get(base);
      if (!sector) {
        sector = new Uint8Array(FLASH_SECTOR_SIZE).fill(0xff);
        sectors.set(base, sector);
      }
      const from = Math.max(base, region.address);
      const to = Math.min(base + FLASH_SECTOR_SIZE, end);
      sector.set(region.bytes.subarray(from - region.address, to - region.address), from - base);
    }
  }
  return [...sectors.entries()].sort((a, b) => a[0] - b[0]).map(([address, bytes]) => ({ address, bytes }));
}

/** Encodes one block; `payload` is one 256-byte page. The data area beyond it stays zero. */
function writeBlock(
  out: Uint8Array, offset: number, address: number, payload: Uint8Array,
  blockNo: number, numBlocks: number, familyId: number,
): void {
  const view = new DataView(out.buffer, out.byteOffset + offset, UF2_BLOCK_SIZE);
  view.setUint32(UF2_FIELD.magicStart0, UF2_MAGIC_START0, true);
  view.setUint32(UF2_FIELD.magicStart1, UF2_MAGIC_START1, true);
  view.setUint32(UF2_FIELD.flags, UF2_FLAG_FAMILY_ID_PRESENT, true);
  view.setUint32(UF2_FIELD.address, address, true);
  view.setUint32(UF2_FIELD.payloadSize, UF2_PAYLOAD_SIZE, true);
  view.setUint32(UF2_FIELD.blockNo, blockNo, true);
  view.setUint32(UF2_FIELD.numBlocks, numBlocks, true);
  view.setUint32(UF2_FIELD.familyId, familyId >>> 0, true);
  out.set(payload, offset + UF2_FIELD.data);
  view.setUint32(UF2_FIELD.magicEnd, UF2_MAGIC_END, true);
}

/** A UF2 file writing `regions` (padded to whole sectors) for `familyId`, blocks numbered 0..N-1. */
export function writeUf2(regions: readonly FlashRegion[], familyId: number): Uint8Array {
  if (!Number.isInteger(familyId) || familyId < 0 || familyId > 0xffffffff) {
    throw new Error(`UF2 family id ${String(familyId)} is not a 32-bit number`);
  }
  const sectors = toWholeSectors(regions);
  if (sectors.length === 0) throw new Error('nothing to write into the UF2: all regions are empty');
  const pagesPerSector = FLASH_SECTOR_SIZE / FLASH_PAGE_SIZE;
  const numBlocks = sectors.length * pagesPerSector;
  const out = new Uint8Array(numBlocks * UF2_BLOCK_SIZE);
  let blockNo = 0;
  for (const sector of sectors) {
    for (let page = 0; page < pagesPerSector; page++) {
      const start = page * FLASH_PAGE_SIZE;
      writeBlock(out, blockNo * UF2_BLOCK_SIZE, sector.address + start,
        sector.bytes.subarray(start, start + FLASH_PAGE_SIZE), blockNo, numBlocks, familyId);
      blockNo++;
    }
  }
  return out;
}
