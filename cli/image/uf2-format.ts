// The UF2 block format (microsoft/uf2) as the RP2040/RP2350 boot ROMs read it, and the flash
// geometry images are built around. All multi-byte fields are little-endian.

export const UF2_BLOCK_SIZE = 512;
/** Bytes of a block's data area; a block carries `payloadSize` of them, the rest are zero. */
export const UF2_DATA_AREA_SIZE = 476;
/** The only payload size the RP2 boot ROMs accept. */
export const UF2_PAYLOAD_SIZE = 256;

export const UF2_MAGIC_START0 = 0x0a324655;
export const UF2_MAGIC_START1 = 0x9e5d5157;
export const UF2_MAGIC_END = 0x0ab16f30;

export const UF2_FLAG_NOT_MAIN_FLASH = 0x00000001;
export const UF2_FLAG_FAMILY_ID_PRESENT = 0x00002000;
export const UF2_FLAG_EXTENSION_TAGS = 0x00008000;

/** Extension tag type (24 bits) that tells an RP2 boot ROM to skip the block entirely. */
export const UF2_TAG_RP2_IGNORE_BLOCK = 0x9957e3;

/** Byte offsets of the fields of one block. */
export const UF2_FIELD = {
  magicStart0: 0,
  magicStart1: 4,
  flags: 8,
  address: 12,
  payloadSize: 16,
  blockNo: 20,
  numBlocks: 24,
  familyId: 28,
  data: 32,
  magicEnd: 508,
} as const;

/** Erase unit of the QSPI flash; the boot ROM must get whole, aligned sectors (RP2040-E14). */
export const FLASH_SECTOR_SIZE = 4096;
export const FLASH_PAGE_SIZE = 256;

export const UF2_FAMILY = {
  cyw43Firmware: 0xe48bff55,
  rp2040: 0xe48bff56,
  absolute: 0xe48bff57,
  data: 0xe48bff58,
  rp2350ArmS: 0xe48bff59,
  rp2350Riscv: 0xe48bff5a,
  rp2350ArmNs: 0xe48bff5b,
} as const;

const FAMILY_NAMES = new Map<number, string>([
  [UF2_FAMILY.cyw43Firmware, 'cyw43-firmware'],
  [UF2_FAMILY.rp2040, 'rp2040'],
  [UF2_FAMILY.absolute, 'absolute'],
  [UF2_FAMILY.data, 'data'],
  [UF2_FAMILY.rp2350ArmS, 'rp2350-arm-s'],
  [UF2_FAMILY.rp2350Riscv, 'rp2350-riscv'],
  [UF2_FAMILY.rp2350ArmNs, 'rp2350-arm-ns'],
]);

/** `0x1000ABCD` style: how addresses and family ids are written everywhere in this stage. */
export function hex32(value: number): string {
  return '0x' + (value >>> 0).toString(16).toUpperCase().padStart(8, '0');
}

/** The picotool name of a family id, or its hex number when it is not an RP2 family. */
export function familyName(id: number): string {
  return FAMILY_NAMES.get(id) ?? hex32(id);
}

/** `rp2040 (0xE48BFF56)`, for messages; null (no family-id flag) is `no family`. */
export function describeFamily(id: number | null): string {
  if (id === null) return 'no family';
  const name = FAMILY_NAMES.get(id);
  return name ? `${name} (${hex32(id)})` : hex32(id);
}
