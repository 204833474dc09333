// The snapshot program image: a 32-byte header, then the snapshot, written at the start of the program
// region so that a firmware whose loader knows it can execute the snapshot in place from flash.
// CONTAINER.md (next to this file) is the specification; keep the two in step.

import { SnapshotFormatError, hex } from './errors';
import { SNAPSHOT_MAGIC, SNAPSHOT_VERSION } from './format';

/** 00 'K' 'N' 'S' 'N' 'A' 'P' 1A. The leading NUL makes stock Kaluma see an empty program instead of parsing binary. */
export const CONTAINER_MAGIC = Uint8Array.of(0x00, 0x4b, 0x4e, 0x53, 0x4e, 0x41, 0x50, 0x1a);
export const CONTAINER_VERSION = 1;
export const CONTAINER_HEADER_SIZE = 32;
/** The snapshot must be 4-byte aligned where it is executed (Cortex-M0+ has no unaligned access). */
export const CONTAINER_ALIGNMENT = 4;
const SNAPSHOT_HEADER_SIZE = 24;

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32/ISO-HDLC (as zlib's crc32 and PNG): reflected polynomial 0xEDB88320, init and final XOR 0xFFFFFFFF. */
export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

export function isSnapshotContainer(bytes: Uint8Array): boolean {
  return bytes.length >= CONTAINER_MAGIC.length && CONTAINER_MAGIC.every((b, i) => bytes[i] === b);
}

/** Wraps a snapshot into the program-region container (header, snapshot, zero padding to 4 bytes). */
export function snapshotContainer(snapshot: Uint8Array): Uint8Array {
  if (snapshot.length < SNAPSHOT_HEADER_SIZE) throw new Error(`snapshot container: a ${snapshot.length}-byte snapshot is shorter than a snapshot header`);
  const sv = new DataView(snapshot.buffer, snapshot.byteOffset, snapshot.byteLength);
  if (sv.getUint32(0, true) !== SNAPSHOT_MAGIC) throw new Error('snapshot container: the data is not a JerryScript snapshot (no JRRY magic)');
  const version = sv.getUint32(4, true);
  const padded = Math.ceil(snapshot.length / CONTAINER_ALIGNMENT) * CONTAINER_ALIGNMENT;
  const out = new Uint8Array(CONTAINER_HEADER_SIZE + padded);
  const v = new DataView(out.buffer);
  out.set(CONTAINER_MAGIC, 0);
  v.setUint16(8, CONTAINER_VERSION, true);
  v.setUint16(10, CONTAINER_HEADER_SIZE, true);
  v.setUint32(12, snapshot.length, true);
  v.setUint32(16, crc32(snapshot), true);
  v.setUint32(20, version, true);
  v.setUint32(24, 0, true);
  v.setUint32(28, crc32(out.subarray(0, 28)), true);
  out.set(snapshot, CONTAINER_HEADER_SIZE);
  return out;
}

export interface SnapshotContainer {
  version: number;
  /** The snapshot format version recorded in the header (63 for Kaluma 1.2). */
  snapshotVersion: number;
  crc: number;
  snapshot: Uint8Array;
  /** Bytes after the snapshot (alignment padding and whatever fills the rest of the region). */
  trailing: number;
}

/**
 * Validates a container the way a loader must (CONTAINER.md) and returns the snapshot inside it.
 * `bytes` may be the whole program region: bytes after the snapshot are ignored.
 */
export function readSnapshotContainer(bytes: Uint8Array, expectedSnapshotVersion = SNAPSHOT_VERSION): SnapshotContainer {
  if (!isSnapshotContainer(bytes)) {
    throw new SnapshotFormatError(`snapshot container: magic is not 00 4b 4e 53 4e 41 50 1a ("\\0KNSNAP\\x1a")`, 0);
  }
  if (bytes.length < CONTAINER_HEADER_SIZE) {
    throw new SnapshotFormatError(`snapshot container: ${bytes.length} bytes is shorter than the ${CONTAINER_HEADER_SIZE}-byte header`);
  }
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerCrc = v.getUint32(28, true);
  const actualHeaderCrc = crc32(bytes.subarray(0, 28));
  if (headerCrc !== actualHeaderCrc) {
    throw new SnapshotFormatError(`snapshot container: header CRC-32 is ${hex(headerCrc, 8)} but bytes 0-27 give ${hex(actualHeaderCrc, 8)} (corrupted header)`, 28);
  }
  const version = v.getUint16(8, true);
  if (version !== CONTAINER_VERSION) throw new SnapshotFormatError(`snapshot container: version ${version}; this reader knows version ${CONTAINER_VERSION}`, 8);
  const headerSize = v.getUint16(10, true);
  if (headerSize !== CONTAINER_HEADER_SIZE) throw new SnapshotFormatError(`snapshot container: header size ${headerSize}, expected ${CONTAINER_HEADER_SIZE}`, 10);
  const flags = v.getUint32(24, true);
  if (flags !== 0) throw new SnapshotFormatError(`snapshot container: unknown flags ${hex(flags, 8)}`, 24);
  const length = v.getUint32(12, true);
  if (length < SNAPSHOT_HEADER_SIZE) throw new SnapshotFormatError(`snapshot container: snapshot length ${length} is shorter than a snapshot header`, 12);
  if (CONTAINER_HEADER_SIZE + length > bytes.length) {
    throw new SnapshotFormatError(`snapshot container: snapshot length ${length} runs past the end of the data (${bytes.length - CONTAINER_HEADER_SIZE} bytes after the header)`, 12);
  }
  const snapshotVersion = v.getUint32(20, true);
  if (snapshotVersion !== expectedSnapshotVersion) {
    throw new SnapshotFormatError(`snapshot container: holds a version ${snapshotVersion} snapshot; the engine loads version ${expectedSnapshotVersion}`, 20);
  }
  const snapshot = bytes.subarray(CONTAINER_HEADER_SIZE, CONTAINER_HEADER_SIZE + length);
  const crc = v.getUint32(16, true);
  const actual = crc32(snapshot);
  if (crc !== actual) throw new SnapshotFormatError(`snapshot container: snapshot CRC-32 is ${hex(crc, 8)} but the ${length} bytes give ${hex(actual, 8)} (corrupted or incomplete write)`, 16);
  const sv = new DataView(snapshot.buffer, snapshot.byteOffset, snapshot.byteLength);
  if (sv.getUint32(0, true) !== SNAPSHOT_MAGIC || sv.getUint32(4, true) !== snapshotVersion) {
    throw new SnapshotFormatError('snapshot container: the payload does not start with a JRRY header of the recorded version', CONTAINER_HEADER_SIZE);
  }
  return { version, snapshotVersion, crc, snapshot, trailing: bytes.length - CONTAINER_HEADER_SIZE - length };
}
