// One UF2 holding a Kaluma firmware and the program (plus storage sectors when Wi-Fi is seeded):
// the firmware's data re-encoded with the program's regions as one file, whole sectors only (the
// firmware's last sector padded), blocks renumbered 0..N-1 under one total count.

import {
  type FlashLayout,
  assertFlashLayout,
  formatRange,
  programRange,
  rangesOverlap,
  storageRange,
} from './flash-layout';
import { UF2_BLOCK_SIZE, describeFamily } from './uf2-format';
import { readUf2 } from './uf2-read';
import { type FlashRegion, writeUf2 } from './uf2-write';

/** Problems that make a firmware file unusable; partial sectors are fixed by padding instead. */
const FATAL_KINDS = new Set(['file-size', 'no-blocks', 'magic', 'payload-size', 'no-family', 'misaligned', 'duplicate-address', 'numbering']);

export function mergeFirmware(
  firmwareUf2: Uint8Array,
  programRegions: readonly FlashRegion[],
  target: FlashLayout,
): Uint8Array {
  assertFlashLayout(target);
  const firmware = readUf2(firmwareUf2);
  const fatal = firmware.problems.filter((p) => FATAL_KINDS.has(p.kind));
  if (fatal.length > 0) {
    throw new Error(`firmware is not a valid UF2: ${fatal.map((p) => p.message).join('; ')}`);
  }
  const foreign = firmware.families.filter((f) => f.familyId !== target.uf2Family);
  if (foreign.length > 0) {
    const found = firmware.families.map((f) => describeFamily(f.familyId)).join(', ');
    throw new Error(
      `firmware UF2 family ${found} does not match the target's family ${describeFamily(target.uf2Family)}`,
    );
  }
  if (firmware.blocks.some((b) => b.skipped === 'not-main-flash')) {
    throw new Error('firmware UF2 has blocks flagged "not main flash"; a Kaluma firmware has none');
  }
  if (firmware.regions.length === 0) {
    throw new Error('firmware UF2 writes nothing to flash');
  }
  const keepOut = [
    { name: 'program region', range: programRange(target) },
    { name: 'storage region', range: storageRange(target) },
  ];
  for (const region of firmware.regions) {
    const range = { start: region.address, end: region.address + region.bytes.length };
    for (const { name, range: reserved } of keepOut) {
      if (rangesOverlap(range, reserved)) {
        throw new Error(
          `firmware data at ${formatRange(range)} overlaps the target's ${name} ${formatRange(reserved)}; ` +
            'is this firmware for another board?',
        );
      }
    }
  }
  // The RP2350-E10 workaround block is skipped by the boot ROM and carries its own numbering;
  // it stays first, byte for byte, as picotool wrote it.
  const ignored = firmware.blocks.filter((b) => b.skipped === 'rp2-ignore');
  const body = writeUf2(
    [...firmware.regions.map(({ address, bytes }) => ({ address, bytes })), ...programRegions],
    target.uf2Family,
  );
  const out = new Uint8Array(ignored.length * UF2_BLOCK_SIZE + body.length);
  ignored.forEach((block, i) => {
    out.set(firmwareUf2.subarray(block.index * UF2_BLOCK_SIZE, (block.index + 1) * UF2_BLOCK_SIZE), i * UF2_BLOCK_SIZE);
  });
  out.set(body, ignored.length * UF2_BLOCK_SIZE);
  return out;
}
