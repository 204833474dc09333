// Kaluma's key-value storage area (the `storage` module; Kaluma 1.2.1 src/modules/storage):
// the area is cut into 256-byte slots, one item per slot:
//   [status u8: 0xF0 used, 0xFF empty (erased), 0x00 removed][key_len u8][value_len u8][key][value]
// Key and value are CESU-8 without terminators; key_len + value_len is at most 253. The firmware
// looks a key up by scanning slots in order and takes the first used match.

import { decodeCesu8, encodeCesu8 } from './cesu8';
import { FLASH_SECTOR_SIZE } from './uf2-format';

export const STORAGE_SLOT_SIZE = 256;
export const STORAGE_SLOT_DATA_MAX = STORAGE_SLOT_SIZE - 3;
export const SLOT_USED = 0xf0;
export const SLOT_EMPTY = 0xff;
export const SLOT_REMOVED = 0x00;

/**
 * The whole storage area holding exactly `entries` (in their order), the other slots empty.
 * Errors name the key, never the value (values may be passwords).
 */
export function storageImage(entries: Record<string, string>, size: number): Uint8Array {
  if (!Number.isInteger(size) || size <= 0 || size % FLASH_SECTOR_SIZE !== 0) {
    throw new Error(`storage size ${size} is not a whole number of 4 KB flash sectors`);
  }
  const items = Object.entries(entries);
  const slots = size / STORAGE_SLOT_SIZE;
  if (items.length > slots) {
    throw new Error(`${items.length} storage entries do not fit the ${slots} slots of a ${size}-byte storage area`);
  }
  const image = new Uint8Array(size).fill(SLOT_EMPTY);
  items.forEach(([key, value], slot) => {
    if (typeof value !== 'string') throw new Error(`storage entry ${key}: the value must be a string`);
    if (key.includes('\0') || value.includes('\0')) {
      throw new Error(`storage entry ${key}: keys and values cannot contain NUL (the firmware measures them with strlen)`);
    }
    const keyBytes = encodeCesu8(key);
    const valueBytes = encodeCesu8(value);
    if (keyBytes.length + valueBytes.length > STORAGE_SLOT_DATA_MAX) {
      throw new Error(
        `storage entry ${key}: key and value are ${keyBytes.length + valueBytes.length} bytes, ` +
          `over the ${STORAGE_SLOT_DATA_MAX}-byte limit of a storage slot`,
      );
    }
    const base = slot * STORAGE_SLOT_SIZE;
    // The rest of the slot is zero, not 0xFF: getItem copies the value out with strcpy, which
    // must meet a NUL right after it.
    image.fill(0, base, base + STORAGE_SLOT_SIZE);
    image[base] = SLOT_USED;
    image[base + 1] = keyBytes.length;
    image[base + 2] = valueBytes.length;
    image.set(keyBytes, base + 3);
    image.set(valueBytes, base + 3 + keyBytes.length);
  });
  return image;
}

export interface StorageEntry {
  slot: number;
  key: string;
  value: string;
}

export interface StorageReading {
  /** Used slots in slot order; for a duplicated key only the first (the one the firmware finds). */
  entries: StorageEntry[];
  used: number;
  removed: number;
  empty: number;
  problems: string[];
}

export function readStorage(bytes: Uint8Array): StorageReading {
  const reading: StorageReading = { entries: [], used: 0, removed: 0, empty: 0, problems: [] };
  if (bytes.length % STORAGE_SLOT_SIZE !== 0) {
    reading.problems.push(`storage area size ${bytes.length} is not a whole number of 256-byte slots`);
  }
  const slots = Math.floor(bytes.length / STORAGE_SLOT_SIZE);
  for (let slot = 0; slot < slots; slot++) {
    const base = slot * STORAGE_SLOT_SIZE;
    const status = bytes[base];
    if (status === SLOT_EMPTY) {
      reading.empty++;
      continue;
    }
    if (status === SLOT_REMOVED) {
      reading.removed++;
      continue;
    }
    if (status !== SLOT_USED) {
      reading.problems.push(`slot ${slot}: unknown status byte 0x${status.toString(16).padStart(2, '0')}`);
      continue;
    }
    reading.used++;
    const keyLength = bytes[base + 1];
    const valueLength = bytes[base + 2];
    if (keyLength + valueLength > STORAGE_SLOT_DATA_MAX) {
      reading.problems.push(`slot ${slot}: key and value lengths ${keyLength} + ${valueLength} overflow the slot`);
      continue;
    }
    const key = decodeCesu8(bytes.subarray(base + 3, base + 3 + keyLength));
    const value = decodeCesu8(bytes.subarray(base + 3 + keyLength, base + 3 + keyLength + valueLength));
    if (key === null || value === null) {
      reading.problems.push(`slot ${slot}: ${key === null ? 'key' : `value of ${key}`} is not valid CESU-8`);
      continue;
    }
    const first = reading.entries.find((e) => e.key === key);
    if (first) {
      reading.problems.push(`key ${key} is in slots ${first.slot} and ${slot}; the firmware uses slot ${first.slot}`);
      continue;
    }
    reading.entries.push({ slot, key, value });
  }
  return reading;
}
