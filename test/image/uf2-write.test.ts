import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { writeUf2 } from '../../cli/image/uf2-write';
import { MAGIC0, MAGIC1, MAGIC_END, RP2040, RP2350_ARM_S, decodeBlock, patternBytes } from './uf2-fixtures';

const BASE = 0x10100000;

test('every field of every block of a one-sector image', () => {
  const data = patternBytes(300);
  const file = writeUf2([{ address: BASE, bytes: data }], RP2040);
  assert.is(file.length, 16 * 512);
  const expected = new Uint8Array(4096).fill(0xff);
  expected.set(data);
  for (let i = 0; i < 16; i++) {
    const b = decodeBlock(file, i);
    assert.is(b.magic0, MAGIC0, `magic0 of block ${i}`);
    assert.is(b.magic1, MAGIC1);
    assert.is(b.flags, 0x00002000, 'only the family-id flag');
    assert.is(b.address, BASE + i * 256);
    assert.is(b.payloadSize, 256);
    assert.is(b.blockNo, i);
    assert.is(b.numBlocks, 16);
    assert.is(b.familyId, RP2040);
    assert.equal([...b.data.subarray(0, 256)], [...expected.subarray(i * 256, (i + 1) * 256)]);
    assert.ok(b.data.subarray(256).every((x) => x === 0), 'data area beyond the payload is zero');
    assert.is(b.data.length, 476);
    assert.is(b.magicEnd, MAGIC_END);
  }
  // Spot-check raw little-endian bytes of the first block's header.
  assert.equal([...file.subarray(0, 32)], [
    0x55, 0x46, 0x32, 0x0a, 0x57, 0x51, 0x5d, 0x9e, 0x00, 0x20, 0x00, 0x00, 0x00, 0x00, 0x10, 0x10,
    0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x56, 0xff, 0x8b, 0xe4,
  ]);
  assert.equal([...file.subarray(508, 512)], [0x30, 0x6f, 0xb1, 0x0a]);
});

test('an unaligned region is written as whole aligned sectors padded with 0xFF', () => {
  const data = patternBytes(0x200, 7);
  const file = writeUf2([{ address: BASE + 0xf00, bytes: data }], RP2350_ARM_S);
  assert.is(file.length / 512, 32, 'two sectors');
  for (let i = 0; i < 32; i++) {
    const b = decodeBlock(file, i);
    assert.is(b.address, BASE + i * 256);
    assert.is(b.numBlocks, 32);
    assert.is(b.familyId, RP2350_ARM_S);
  }
  assert.ok(decodeBlock(file, 0).data.subarray(0, 256).every((x) => x === 0xff), 'padding before the data');
  assert.equal([...decodeBlock(file, 15).data.subarray(0, 256)], [...data.subarray(0, 256)]);
  assert.equal([...decodeBlock(file, 16).data.subarray(0, 256)], [...data.subarray(256, 512)]);
  assert.ok(decodeBlock(file, 17).data.subarray(0, 256).every((x) => x === 0xff), 'padding after the data');
});

test('blocks come as runs of 16 starting on sector boundaries, in address order', () => {
  const file = writeUf2([
    { address: 0x10200000, bytes: patternBytes(10) },
    { address: 0x10000000, bytes: patternBytes(5000) },
  ], RP2040);
  const blocks = file.length / 512;
  assert.is(blocks, 48);
  for (let i = 0; i < blocks; i += 16) {
    const first = decodeBlock(file, i).address;
    assert.is(first % 4096, 0);
    for (let j = 1; j < 16; j++) assert.is(decodeBlock(file, i + j).address, first + j * 256);
  }
  assert.is(decodeBlock(file, 0).address, 0x10000000);
  assert.is(decodeBlock(file, 32).address, 0x10200000);
});

test('regions sharing a sector are combined; overlapping regions are refused', () => {
  const file = writeUf2([
    { address: BASE, bytes: Uint8Array.of(1, 2) },
    { address: BASE + 0x100, bytes: Uint8Array.of(3) },
  ], RP2040);
  assert.is(file.length, 16 * 512);
  assert.equal([...decodeBlock(file, 0).data.subarray(0, 3)], [1, 2, 0xff]);
  assert.is(decodeBlock(file, 1).data[0], 3);
  assert.throws(
    () => writeUf2([{ address: BASE, bytes: new Uint8Array(10) }, { address: BASE + 9, bytes: new Uint8Array(1) }], RP2040),
    /flash regions overlap: 0x10100000-0x10100009 and 0x10100009-0x10100009/,
  );
});

test('nothing to write, a bad family or an address outside 32 bits are refused', () => {
  assert.throws(() => writeUf2([], RP2040), /nothing to write/);
  assert.throws(() => writeUf2([{ address: BASE, bytes: new Uint8Array(0) }], RP2040), /nothing to write/);
  assert.throws(() => writeUf2([{ address: BASE, bytes: new Uint8Array(1) }], -1), /not a 32-bit number/);
  assert.throws(() => writeUf2([{ address: 0xffffffff, bytes: new Uint8Array(2) }], RP2040), /outside the 32-bit address space/);
});

test('the same input gives the same bytes', () => {
  const regions = [{ address: BASE, bytes: patternBytes(9000, 3) }];
  assert.equal(writeUf2(regions, RP2040), writeUf2(regions, RP2040));
});

test.run();
