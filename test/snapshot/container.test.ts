import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { crc32 as zlibCrc32 } from 'node:zlib';
import { CONTAINER_MAGIC, crc32, isSnapshotContainer, readSnapshotContainer, snapshotContainer } from '../../cli/codegen/snapshot';
import { goldenFiles, sameBytes } from './golden';

const golden = goldenFiles();
const snapshot = golden.find((g) => g.name === 'es2015_template')!.snapshot; // 220 bytes, a multiple of 4
const odd = golden.find((g) => g.name === 'es2015_arrow_let_const')!.snapshot; // 482 bytes

test('CRC-32 is CRC-32/ISO-HDLC', () => {
  assert.is(crc32(new TextEncoder().encode('123456789')), 0xcbf43926);
  for (const g of golden) assert.is(crc32(g.snapshot), zlibCrc32(g.snapshot), g.name);
});

test('layout: magic, version, header size, length, CRCs, engine version, then the snapshot at 32', () => {
  const c = snapshotContainer(snapshot);
  const v = new DataView(c.buffer);
  assert.equal([...c.subarray(0, 8)], [0x00, 0x4b, 0x4e, 0x53, 0x4e, 0x41, 0x50, 0x1a]);
  assert.equal([...CONTAINER_MAGIC], [...c.subarray(0, 8)]);
  assert.is(v.getUint16(8, true), 1);
  assert.is(v.getUint16(10, true), 32);
  assert.is(v.getUint32(12, true), snapshot.length);
  assert.is(v.getUint32(16, true), crc32(snapshot));
  assert.is(v.getUint32(20, true), 63);
  assert.is(v.getUint32(24, true), 0);
  assert.is(v.getUint32(28, true), crc32(c.subarray(0, 28)));
  assert.ok(sameBytes(c.subarray(32), snapshot));
  assert.is(c.length, 32 + snapshot.length);
});

test('the snapshot is 4-byte aligned and the container padded with zeros to 4 bytes', () => {
  const c = snapshotContainer(odd);
  assert.is(odd.length % 4, 2);
  assert.is(c.length, 32 + odd.length + 2);
  assert.equal([...c.subarray(32 + odd.length)], [0, 0]);
  assert.is(c.length % 4, 0);
  assert.is(new DataView(c.buffer).getUint32(12, true), odd.length);
});

test('reading back: the snapshot, whatever fills the rest of the region', () => {
  const region = new Uint8Array(8192).fill(0xff);
  region.set(snapshotContainer(odd));
  const r = readSnapshotContainer(region);
  assert.ok(sameBytes(r.snapshot, odd));
  assert.is(r.snapshotVersion, 63);
  assert.is(r.trailing, 8192 - 32 - odd.length);
  assert.ok(isSnapshotContainer(region));
  assert.not.ok(isSnapshotContainer(odd));
});

test('a stock Kaluma loader sees an empty program (first byte NUL)', () => {
  assert.is(snapshotContainer(snapshot)[0], 0);
});

test('every check a loader makes fails with its own message', () => {
  const good = snapshotContainer(snapshot);
  const mutate = (f: (b: Uint8Array, v: DataView) => void, fixHeaderCrc = true) => {
    const b = good.slice();
    const v = new DataView(b.buffer);
    f(b, v);
    if (fixHeaderCrc) v.setUint32(28, crc32(b.subarray(0, 28)), true);
    return b;
  };
  assert.throws(() => readSnapshotContainer(snapshot), /magic is not 00 4b 4e 53 4e 41 50 1a/);
  assert.throws(() => readSnapshotContainer(mutate((_, v) => v.setUint32(12, 1, true), false)), /header CRC-32 is 0x[0-9a-f]{8} but bytes 0-27 give/);
  assert.throws(() => readSnapshotContainer(mutate((_, v) => v.setUint16(8, 2, true))), /version 2; this reader knows version 1/);
  assert.throws(() => readSnapshotContainer(mutate((_, v) => v.setUint16(10, 64, true))), /header size 64, expected 32/);
  assert.throws(() => readSnapshotContainer(mutate((_, v) => v.setUint32(24, 1, true))), /unknown flags 0x00000001/);
  assert.throws(() => readSnapshotContainer(mutate((_, v) => v.setUint32(12, 8, true))), /snapshot length 8 is shorter than a snapshot header/);
  assert.throws(() => readSnapshotContainer(mutate((_, v) => v.setUint32(12, snapshot.length + 4, true))), /runs past the end of the data/);
  assert.throws(() => readSnapshotContainer(mutate((_, v) => v.setUint32(20, 70, true))), /holds a version 70 snapshot; the engine loads version 63/);
  assert.throws(() => readSnapshotContainer(mutate((b) => (b[32 + 100] ^= 0x10))), /snapshot CRC-32 is 0x[0-9a-f]{8} but the 220 bytes give 0x[0-9a-f]{8} \(corrupted or incomplete write\)/);
  assert.throws(() => readSnapshotContainer(good.subarray(0, 20)), /shorter than the 32-byte header/);
  assert.throws(() => readSnapshotContainer(good.subarray(0, 100)), /runs past the end of the data/);
});

test('only snapshots go in', () => {
  assert.throws(() => snapshotContainer(new Uint8Array(30)), /not a JerryScript snapshot/);
  assert.throws(() => snapshotContainer(new Uint8Array(4)), /shorter than a snapshot header/);
});

test.run();
