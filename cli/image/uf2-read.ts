// UF2 reader: decodes every block, rebuilds the flash regions the file writes, and lists what an
// RP2 boot ROM would stumble on. It never throws on bad content; callers decide what to refuse.

import {
  FLASH_PAGE_SIZE,
  FLASH_SECTOR_SIZE,
  UF2_BLOCK_SIZE,
  UF2_DATA_AREA_SIZE,
  UF2_FIELD,
  UF2_FLAG_EXTENSION_TAGS,
  UF2_FLAG_FAMILY_ID_PRESENT,
  UF2_FLAG_NOT_MAIN_FLASH,
  UF2_MAGIC_END,
  UF2_MAGIC_START0,
  UF2_MAGIC_START1,
  UF2_PAYLOAD_SIZE,
  UF2_TAG_RP2_IGNORE_BLOCK,
  describeFamily,
  hex32,
} from './uf2-format';

export type Uf2ProblemKind =
  | 'file-size'
  | 'no-blocks'
  | 'magic'
  | 'payload-size'
  | 'no-family'
  | 'mixed-families'
  | 'misaligned'
  | 'partial-sector'
  | 'duplicate-address'
  | 'numbering';

export interface Uf2Problem {
  kind: Uf2ProblemKind;
  message: string;
}

export interface Uf2Block {
  /** Position in the file (the block starts at index * 512). */
  index: number;
  flags: number;
  address: number;
  payloadSize: number;
  blockNo: number;
  numBlocks: number;
  /** null when the family-id flag (0x2000) is not set. */
  familyId: number | null;
  payload: Uint8Array;
  /**
   * Why the boot ROM does not write this block: `not-main-flash` (flag 0x1) or `rp2-ignore`
   * (the RP2350-E10 workaround block picotool puts first, tagged to be skipped).
   */
  skipped: 'not-main-flash' | 'rp2-ignore' | null;
}

export interface Uf2Region {
  address: number;
  bytes: Uint8Array;
  familyId: number | null;
}

export interface Uf2FamilyCount {
  familyId: number | null;
  blocks: number;
}

export interface Uf2Reading {
  /** Blocks with valid magics, in file order. */
  blocks: Uf2Block[];
  /** Contiguous runs of written payload, in address order. */
  regions: Uf2Region[];
  /** Families of the blocks the boot ROM writes, in order of first appearance. */
  families: Uf2FamilyCount[];
  problems: Uf2Problem[];
}

/** `a, b, c, d and 7 more`, so one problem line stays short however many items it has. */
function listed(items: readonly string[], max = 4): string {
  const shown = items.slice(0, max).join(', ');
  return items.length > max ? `${shown} and ${items.length - max} more` : shown;
}

function hasIgnoreTag(block: Uint8Array, payloadSize: number): boolean {
  const view = new DataView(block.buffer, block.byteOffset, block.byteLength);
  let pos = UF2_FIELD.data + ((payloadSize + 3) & ~3);
  while (pos + 4 <= UF2_FIELD.magicEnd) {
    const word = view.getUint32(pos, true);
    const size = word & 0xff;
    if (word === 0 || size < 4) return false;
    if (word >>> 8 === UF2_TAG_RP2_IGNORE_BLOCK) return true;
    pos += (size + 3) & ~3;
  }
  return false;
}

function decodeBlocks(bytes: Uint8Array, problems: Uf2Problem[]): Uf2Block[] {
  const blocks: Uf2Block[] = [];
  const badMagic: string[] = [];
  const badPayload: string[] = [];
  const count = Math.floor(bytes.length / UF2_BLOCK_SIZE);
  for (let index = 0; index < count; index++) {
    const raw = bytes.subarray(index * UF2_BLOCK_SIZE, (index + 1) * UF2_BLOCK_SIZE);
    const view = new DataView(raw.buffer, raw.byteOffset, UF2_BLOCK_SIZE);
    if (view.getUint32(UF2_FIELD.magicStart0, true) !== UF2_MAGIC_START0 ||
        view.getUint32(UF2_FIELD.magicStart1, true) !== UF2_MAGIC_START1 ||
        view.getUint32(UF2_FIELD.magicEnd, true) !== UF2_MAGIC_END) {
      badMagic.push(String(index));
      continue;
    }
    const flags = view.getUint32(UF2_FIELD.flags, true);
    const payloadSize = view.getUint32(UF2_FIELD.payloadSize, true);
    if (payloadSize > UF2_DATA_AREA_SIZE) {
      badPayload.push(`block ${index} (${payloadSize} bytes, over the 476-byte data area)`);
      continue;
    }
    if (payloadSize !== UF2_PAYLOAD_SIZE) badPayload.push(`block ${index} (${payloadSize} bytes)`);
    const ignored = (flags & UF2_FLAG_EXTENSION_TAGS) !== 0 && hasIgnoreTag(raw, payloadSize);
    blocks.push({
      index,
      flags,
      address: view.getUint32(UF2_FIELD.address, true),
      payloadSize,
      blockNo: view.getUint32(UF2_FIELD.blockNo, true),
      numBlocks: view.getUint32(UF2_FIELD.numBlocks, true),
      familyId: flags & UF2_FLAG_FAMILY_ID_PRESENT ? view.getUint32(UF2_FIELD.familyId, true) : null,
      payload: raw.slice(UF2_FIELD.data, UF2_FIELD.data + payloadSize),
      skipped: ignored ? 'rp2-ignore' : flags & UF2_FLAG_NOT_MAIN_FLASH ? 'not-main-flash' : null,
    });
  }
  if (badMagic.length > 0) {
    problems.push({ kind: 'magic', message: `bad UF2 magic in block ${listed(badMagic)} (not UF2 blocks; skipped)` });
  }
  if (badPayload.length > 0) {
    problems.push({ kind: 'payload-size', message: `payload size is not 256 in ${listed(badPayload)}` });
  }
  return blocks;
}

function checkFamilies(counted: readonly Uf2Block[], problems: Uf2Problem[]): Uf2FamilyCount[] {
  const families: Uf2FamilyCount[] = [];
  for (const block of counted) {
    const entry = families.find((f) => f.familyId === block.familyId);
    if (entry) entry.blocks++;
    else families.push({ familyId: block.familyId, blocks: 1 });
  }
  const missing = families.find((f) => f.familyId === null);
  if (missing) {
    problems.push({ kind: 'no-family', message: `${missing.blocks} block(s) carry no family id (flag 0x2000 not set)` });
  }
  if (families.length > 1) {
    problems.push({
      kind: 'mixed-families',
      message: `mixed families: ${families.map((f) => `${describeFamily(f.familyId)} ${f.blocks} blocks`).join(', ')}`,
    });
  }
  return families;
}

/** Per family, the boot ROM expects block numbers 0..N-1, each once, and N in every total field. */
function checkNumbering(counted: readonly Uf2Block[], families: readonly Uf2FamilyCount[], problems: Uf2Problem[]): void {
  for (const family of families) {
    const group = counted.filter((b) => b.familyId === family.familyId);
    const label = families.length > 1 ? `${describeFamily(family.familyId)}: ` : '';
    const totals = [...new Set(group.map((b) => b.numBlocks))];
    if (totals.length > 1) {
      problems.push({ kind: 'numbering', message: `${label}blocks disagree on the total count (${listed(totals.map(String))})` });
    } else if (totals[0] !== group.length) {
      problems.push({ kind: 'numbering', message: `${label}the total count says ${totals[0]} blocks but the file holds ${group.length}` });
    }
    const seen = new Set<number>();
    const duplicates: string[] = [];
    const outOfRange: string[] = [];
    for (const block of group) {
      if (seen.has(block.blockNo)) duplicates.push(String(block.blockNo));
      seen.add(block.blockNo);
      if (block.blockNo >= group.length) outOfRange.push(String(block.blockNo));
    }
    if (duplicates.length > 0) {
      problems.push({ kind: 'numbering', message: `${label}duplicate block numbers ${listed(duplicates)}` });
    }
    if (outOfRange.length > 0) {
      problems.push({ kind: 'numbering', message: `${label}block numbers beyond the block count (gaps in the numbering): ${listed(outOfRange)}` });
    }
  }
}

function checkSectors(written: readonly Uf2Block[], problems: Uf2Problem[]): void {
  const misaligned: string[] = [];
  const pagesBySector = new Map<number, Set<number>>();
  const seenAddresses = new Set<number>();
  const duplicates: string[] = [];
  for (const block of written) {
    if (block.address % FLASH_PAGE_SIZE !== 0 || block.payloadSize !== UF2_PAYLOAD_SIZE) {
      misaligned.push(hex32(block.address));
      continue;
    }
    if (seenAddresses.has(block.address)) duplicates.push(hex32(block.address));
    seenAddresses.add(block.address);
    const sector = block.address - (block.address % FLASH_SECTOR_SIZE);
    let pages = pagesBySector.get(sector);
    if (!pages) pagesBySector.set(sector, (pages = new Set()));
    pages.add(block.address);
  }
  if (misaligned.length > 0) {
    problems.push({ kind: 'misaligned', message: `blocks not on 256-byte page boundaries: ${listed(misaligned)}` });
  }
  if (duplicates.length > 0) {
    problems.push({ kind: 'duplicate-address', message: `addresses written by more than one block: ${listed(duplicates)}` });
  }
  const pagesPerSector = FLASH_SECTOR_SIZE / FLASH_PAGE_SIZE;
  const partial = [...pagesBySector.entries()]
    .filter(([, pages]) => pages.size < pagesPerSector)
    .sort((a, b) => a[0] - b[0])
    .map(([sector, pages]) => `${hex32(sector)} (${pages.size} of ${pagesPerSector} pages)`);
  if (partial.length > 0) {
    problems.push({
      kind: 'partial-sector',
      message: `partial 4 KB sectors (the RP2040 boot ROM needs whole sectors, erratum E14): ${listed(partial)}`,
    });
  }
}

function buildRegions(written: readonly Uf2Block[]): Uf2Region[] {
  const sorted = [...written].sort((a, b) => a.address - b.address || a.index - b.index);
  const regions: { address: number; parts: Uint8Array[]; end: number; familyId: number | null }[] = [];
  for (const block of sorted) {
    const last = regions[regions.length - 1];
    if (last && block.address < last.end) continue; // overlapping write, reported as a problem
    if (last && block.address === last.end && block.familyId === last.familyId) {
      last.parts.push(block.payload);
      last.end += block.payloadSize;
    } else {
      regions.push({ address: block.address, parts: [block.payload], end: block.address + block.payloadSize, familyId: block.familyId });
    }
  }
  return regions.map((r) => ({ address: r.address, bytes: concat(r.parts, r.end - r.address), familyId: r.familyId }));
}

function concat(parts: readonly Uint8Array[], size: number): Uint8Array {
  const out = new Uint8Array(size);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

export function readUf2(bytes: Uint8Array): Uf2Reading {
  const problems: Uf2Problem[] = [];
  if (bytes.length % UF2_BLOCK_SIZE !== 0) {
    problems.push({
      kind: 'file-size',
      message: `file size ${bytes.length} is not a multiple of 512 (${bytes.length % UF2_BLOCK_SIZE} trailing bytes)`,
    });
  }
  const blocks = decodeBlocks(bytes, problems);
  if (blocks.length === 0) {
    problems.push({ kind: 'no-blocks', message: 'no UF2 blocks found' });
    return { blocks, regions: [], families: [], problems };
  }
  const counted = blocks.filter((b) => b.skipped !== 'rp2-ignore');
  const written = counted.filter((b) => b.skipped === null);
  const families = checkFamilies(counted, problems);
  checkNumbering(counted, families, problems);
  checkSectors(written, problems);
  return { blocks, regions: buildRegions(written), families, problems };
}
