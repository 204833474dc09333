// Test helpers that encode and decode UF2 blocks on their own (never through cli/image), so the
// tests check the library against an independent reading of the format.

export const MAGIC0 = 0x0a324655;
export const MAGIC1 = 0x9e5d5157;
export const MAGIC_END = 0x0ab16f30;
export const RP2040 = 0xe48bff56;
export const ABSOLUTE = 0xe48bff57;
export const RP2350_ARM_S = 0xe48bff59;

export interface RawBlock {
  flags: number;
  address: number;
  payloadSize: number;
  blockNo: number;
  numBlocks: number;
  familyId: number;
  /** The whole 476-byte data area. */
  data: Uint8Array;
  magic0: number;
  magic1: number;
  magicEnd: number;
}

export function decodeBlock(file: Uint8Array, index: number): RawBlock {
  const at = index * 512;
  const view = new DataView(file.buffer, file.byteOffset + at, 512);
  return {
    magic0: view.getUint32(0, true),
    magic1: view.getUint32(4, true),
    flags: view.getUint32(8, true),
    address: view.getUint32(12, true),
    payloadSize: view.getUint32(16, true),
    blockNo: view.getUint32(20, true),
    numBlocks: view.getUint32(24, true),
    familyId: view.getUint32(28, true),
    data: file.slice(at + 32, at + 508),
    magicEnd: view.getUint32(508, true),
  };
}

export function encodeBlock(fields: {
  address: number; payload: Uint8Array; blockNo: number; numBlocks: number; familyId: number; flags?: number;
}): Uint8Array {
  const block = new Uint8Array(512);
  const view = new DataView(block.buffer);
  view.setUint32(0, MAGIC0, true);
  view.setUint32(4, MAGIC1, true);
  view.setUint32(8, fields.flags ?? 0x2000, true);
  view.setUint32(12, fields.address, true);
  view.setUint32(16, fields.payload.length, true);
  view.setUint32(20, fields.blockNo, true);
  view.setUint32(24, fields.numBlocks, true);
  view.setUint32(28, fields.familyId, true);
  block.set(fields.payload, 32);
  view.setUint32(508, MAGIC_END, true);
  return block;
}

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** Deterministic pseudo-random bytes (a firmware stand-in). */
export function patternBytes(size: number, seed = 1): Uint8Array {
  const out = new Uint8Array(size);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/**
 * A firmware UF2 the way the Pico SDK writes one: 256-byte pages from `base`, the last sector
 * NOT padded (the SDK only writes the pages the binary covers), numbered 0..N-1.
 */
export function syntheticFirmware(data: Uint8Array, familyId: number, base = 0x10000000): Uint8Array {
  const pages = Math.ceil(data.length / 256);
  const blocks: Uint8Array[] = [];
  for (let i = 0; i < pages; i++) {
    const payload = new Uint8Array(256);
    payload.set(data.subarray(i * 256, (i + 1) * 256));
    blocks.push(encodeBlock({ address: base + i * 256, payload, blockNo: i, numBlocks: pages, familyId }));
  }
  return concat(blocks);
}

/** The RP2350-E10 workaround block picotool puts first in RP2350 flash UF2s. */
export function rp2350IgnoreBlock(): Uint8Array {
  const block = encodeBlock({
    address: 0x10ffff00, payload: new Uint8Array(256).fill(0xef), blockNo: 0, numBlocks: 2,
    familyId: ABSOLUTE, flags: 0x2000 | 0x8000,
  });
  new DataView(block.buffer).setUint32(32 + 256, 0x9957e304, true);
  return block;
}
