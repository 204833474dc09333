// `kaluma-net inspect` for .uf2, .bin and .js files: what the file writes where, the build stamp,
// whether Wi-Fi credentials are in it (the SSID, never the password) and what is wrong with it.

import { boardLayouts } from '../targets/load';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { basename, extname } from 'node:path';
import {
  type AddressRange,
  type NamedFlashLayout,
  programRange,
  rangesOverlap,
  storageRange,
} from './flash-layout';
import { analyseProgramRegion, analyseProgramText, analyseSnapshotRegion } from './inspect-program';
import { isSnapshotContainer } from '../codegen/snapshot/container';
import type { InspectKind, InspectRegion, InspectResult, InspectWifi } from './inspect-result';
import { readStorage } from './storage-slots';
import { FLASH_SECTOR_SIZE, UF2_MAGIC_START0, describeFamily, familyName, hex32 } from './uf2-format';
import { type Uf2Region, readUf2 } from './uf2-read';
import { summariseWifi, type WifiSummary } from './wifi-credentials';

export interface InspectOptions {
  /**
   * Layouts a UF2's regions may follow; the first that fits the content is used. Pass the
   * resolved target's layout to check a file against that target. Default: Kaluma 1.2.1 boards.
   */
  layouts?: readonly NamedFlashLayout[];
}

const KIND_BY_EXTENSION: Record<string, InspectKind> = { '.uf2': 'uf2', '.bin': 'bin', '.js': 'js' };

function detectKind(bytes: Uint8Array, name: string): InspectKind {
  const byExtension = KIND_BY_EXTENSION[extname(name).toLowerCase()];
  if (byExtension) return byExtension;
  if (bytes.length >= 4 && new DataView(bytes.buffer, bytes.byteOffset).getUint32(0, true) === UF2_MAGIC_START0) {
    return 'uf2';
  }
  throw new Error(`${name}: unknown file type (expected .uf2, .bin or .js)`);
}

/** The bytes of [range) found in the UF2, from range.start to the end of its contiguous run. */
function sliceAt(regions: readonly Uf2Region[], range: AddressRange): Uint8Array | null {
  const region = regions.find((r) => r.address <= range.start && range.start < r.address + r.bytes.length);
  if (!region) return null;
  const from = range.start - region.address;
  return region.bytes.subarray(from, Math.min(region.bytes.length, range.end - region.address));
}

function looksLikeProgramRegion(bytes: Uint8Array): boolean {
  if (bytes[0] === 0xff) return true;
  const nul = bytes.indexOf(0);
  return nul >= 0 && bytes.subarray(0, nul).every((b) => b < 0x80);
}

/** The layout whose program and storage regions the UF2's content fits best, if any. */
function matchLayout(regions: readonly Uf2Region[], layouts: readonly NamedFlashLayout[]): NamedFlashLayout | null {
  let best: NamedFlashLayout | null = null;
  let bestScore = 0;
  for (const layout of layouts) {
    if (!regions.some((r) => r.familyId === layout.uf2Family)) continue;
    const program = sliceAt(regions, programRange(layout));
    const storage = sliceAt(regions, storageRange(layout));
    if (program && !looksLikeProgramRegion(program)) continue;
    if (storage && readStorage(storage).problems.length > 0) continue;
    const score = (program ? 2 : 0) + (storage ? 1 : 0);
    if (score > bestScore) {
      best = layout;
      bestScore = score;
    }
  }
  return best;
}

/** Cuts regions at the layout's boundaries and names each part. */
function labelRegions(regions: readonly Uf2Region[], layout: NamedFlashLayout | null, firmwareEnd: number): InspectRegion[] {
  const reserved = layout
    ? [{ role: 'program' as const, range: programRange(layout) }, { role: 'storage' as const, range: storageRange(layout) }]
    : [];
  const cuts = reserved.flatMap((r) => [r.range.start, r.range.end]);
  const out: InspectRegion[] = [];
  for (const region of regions) {
    const end = region.address + region.bytes.length;
    const points = [...new Set([region.address, ...cuts.filter((c) => c > region.address && c < end), end])].sort((a, b) => a - b);
    for (let i = 0; i + 1 < points.length; i++) {
      const part = { start: points[i], end: points[i + 1] };
      const role = reserved.find((r) => rangesOverlap(r.range, part))?.role ??
        (part.end <= firmwareEnd ? 'firmware' : 'other');
      out.push({
        role,
        address: hex32(part.start),
        end: hex32(part.end - 1),
        size: part.end - part.start,
        family: region.familyId === null ? null : familyName(region.familyId),
      });
    }
  }
  return out;
}

function inspectUf2(bytes: Uint8Array, result: InspectResult, layouts: readonly NamedFlashLayout[]): void {
  const reading = readUf2(bytes);
  result.problems.push(...reading.problems.map((p) => p.message));
  result.uf2 = {
    blocks: reading.blocks.length,
    skippedBlocks: reading.blocks.filter((b) => b.skipped !== null).length,
    families: reading.families.map((f) => ({
      id: f.familyId === null ? 'none' : hex32(f.familyId),
      name: f.familyId === null ? 'none' : familyName(f.familyId),
      blocks: f.blocks,
    })),
  };
  if (reading.regions.length === 0) return;
  const familyLayouts = layouts.filter((l) => reading.families.some((f) => f.familyId === l.uf2Family));
  if (familyLayouts.length === 0) {
    const families = reading.families.map((f) => describeFamily(f.familyId)).join(', ');
    const known = [...new Set(layouts.map((l) => describeFamily(l.uf2Family)))].join(', ');
    result.problems.push(`family ${families} is not the family of ${layouts.map((l) => l.name).join(', ')} (${known})`);
  }
  const layout = matchLayout(reading.regions, familyLayouts);
  result.layout = layout?.name ?? null;
  // Below every region the firmware reserves for itself lies the firmware.
  const bases = (layout ? [layout] : familyLayouts).flatMap((l) => [l.storageBase, l.programBase]);
  const firmwareEnd = bases.length > 0 ? Math.min(...bases) : 0;
  result.regions = labelRegions(reading.regions, layout, firmwareEnd);
  if (!layout) return;

  const program = sliceAt(reading.regions, programRange(layout));
  if (program && isSnapshotContainer(program)) {
    const analysis = analyseSnapshotRegion(program, hex32(layout.programBase));
    result.snapshot = analysis.snapshot;
    result.problems.push(...analysis.problems);
    if (analysis.wifi) result.wifi = inspectWifi(analysis.wifi, 'program');
  } else if (program) {
    const analysis = analyseProgramRegion(program, hex32(layout.programBase));
    result.program = analysis.program;
    result.problems.push(...analysis.problems);
    if (analysis.wifi) result.wifi = inspectWifi(analysis.wifi, 'program');
  }
  const storageBytes = sliceAt(reading.regions, storageRange(layout));
  if (storageBytes) {
    const storage = readStorage(storageBytes);
    result.storage = {
      address: hex32(layout.storageBase),
      keys: storage.entries.map((e) => e.key),
      removedSlots: storage.removed,
      emptySlots: storage.empty,
    };
    result.problems.push(...storage.problems.map((p) => `storage: ${p}`));
    const wifi = summariseWifi(storage.entries);
    if (wifi && result.wifi) {
      result.wifi.in.push('storage');
      if (wifi.passwordPresent) result.wifi.password = 'present';
    } else if (wifi) result.wifi = inspectWifi(wifi, 'storage');
  }
}

function inspectWifi(w: WifiSummary, where: 'program' | 'storage'): InspectWifi {
  return { ssid: w.ssid, password: w.passwordPresent ? 'present' : 'absent', security: w.security, in: [where] };
}

/**
 * Inspects a .uf2, .bin or .js file given by path, or its bytes (then `name` decides the kind;
 * a UF2 is also recognised by its magic).
 */
export function inspectFile(input: string | Uint8Array, name?: string, options: InspectOptions = {}): InspectResult {
  let bytes: Uint8Array;
  if (typeof input === 'string') {
    try {
      bytes = readFileSync(input);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? String(error);
      throw new Error(`${input}: cannot read the file (${code})`);
    }
  } else {
    bytes = input;
  }
  const file = name ?? (typeof input === 'string' ? basename(input) : 'input');
  const result: InspectResult = {
    file,
    kind: detectKind(bytes, file),
    size: bytes.length,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    uf2: null,
    layout: null,
    regions: [],
    program: null,
    snapshot: null,
    storage: null,
    wifi: null,
    problems: [],
  };
  if (result.kind === 'uf2') {
    inspectUf2(bytes, result, options.layouts ?? boardLayouts());
  } else if (result.kind === 'bin') {
    if (bytes.length % FLASH_SECTOR_SIZE !== 0) {
      result.problems.push(`size ${bytes.length} is not a whole number of 4 KB flash sectors`);
    }
    const analysis = analyseProgramRegion(bytes, null);
    result.program = analysis.program;
    result.problems.push(...analysis.problems);
    if (analysis.wifi) result.wifi = inspectWifi(analysis.wifi, 'program');
  } else {
    const analysis = analyseProgramText(Buffer.from(bytes).toString('latin1'), null);
    result.program = analysis.program;
    result.problems.push(...analysis.problems);
    if (analysis.wifi) result.wifi = inspectWifi(analysis.wifi, 'program');
  }
  return result;
}
