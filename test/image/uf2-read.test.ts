import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readUf2, type Uf2ProblemKind } from '../../cli/image/uf2-read';
import { writeUf2 } from '../../cli/image/uf2-write';
import { ABSOLUTE, RP2040, RP2350_ARM_S, concat, encodeBlock, patternBytes, rp2350IgnoreBlock } from './uf2-fixtures';

const BASE = 0x10100000;

function kinds(file: Uint8Array): Uf2ProblemKind[] {
  return readUf2(file).problems.map((p) => p.kind);
}

function twoSectorImage(): Uint8Array {
  return writeUf2([{ address: BASE, bytes: patternBytes(8192, 5) }], RP2040);
}

function setField(file: Uint8Array, block: number, offset: number, value: number): Uint8Array {
  const copy = file.slice();
  new DataView(copy.buffer).setUint32(block * 512 + offset, value, true);
  return copy;
}

test('round trip: write -> read gives the padded regions, and writing them again gives the same bytes', () => {
  const regions = [
    { address: 0x10000000, bytes: patternBytes(5000, 2) },
    { address: BASE, bytes: patternBytes(100, 3) },
  ];
  const file = writeUf2(regions, RP2040);
  const reading = readUf2(file);
  assert.equal(reading.problems, []);
  assert.is(reading.blocks.length, file.length / 512);
  assert.equal(reading.families, [{ familyId: RP2040, blocks: 48 }]);
  assert.is(reading.regions.length, 2);
  assert.is(reading.regions[0].address, 0x10000000);
  assert.is(reading.regions[0].bytes.length, 8192);
  assert.equal([...reading.regions[0].bytes.subarray(0, 5000)], [...regions[0].bytes]);
  assert.ok(reading.regions[0].bytes.subarray(5000).every((b) => b === 0xff));
  assert.is(reading.regions[1].address, BASE);
  assert.is(reading.regions[1].bytes.length, 4096);
  assert.equal(writeUf2(reading.regions, RP2040), file);
});

test('decoded blocks carry every header field', () => {
  const block = readUf2(twoSectorImage()).blocks[17];
  assert.is(block.index, 17);
  assert.is(block.flags, 0x2000);
  assert.is(block.address, BASE + 17 * 256);
  assert.is(block.payloadSize, 256);
  assert.is(block.blockNo, 17);
  assert.is(block.numBlocks, 32);
  assert.is(block.familyId, RP2040);
  assert.is(block.payload.length, 256);
  assert.is(block.skipped, null);
});

test('bad magic: the block is skipped and reported', () => {
  const file = setField(twoSectorImage(), 3, 0, 0x12345678);
  const reading = readUf2(file);
  assert.is(reading.blocks.length, 31);
  assert.ok(reading.problems.some((p) => p.kind === 'magic' && /block 3\b/.test(p.message)));
  assert.ok(kinds(setField(twoSectorImage(), 5, 508, 0)).includes('magic'), 'end magic too');
  assert.ok(kinds(setField(twoSectorImage(), 5, 4, 0)).includes('magic'), 'second magic too');
});

test('wrong payload size and trailing bytes are reported', () => {
  assert.ok(kinds(setField(twoSectorImage(), 2, 16, 128)).includes('payload-size'));
  const oversize = readUf2(setField(twoSectorImage(), 2, 16, 500));
  assert.ok(oversize.problems.some((p) => p.kind === 'payload-size' && /over the 476-byte data area/.test(p.message)));
  assert.ok(kinds(concat([twoSectorImage(), new Uint8Array(7)])).includes('file-size'));
});

test('a missing family flag and mixed families are reported', () => {
  assert.ok(kinds(setField(twoSectorImage(), 4, 8, 0)).includes('no-family'));
  const mixed = readUf2(setField(twoSectorImage(), 4, 28, RP2350_ARM_S));
  const problem = mixed.problems.find((p) => p.kind === 'mixed-families');
  assert.ok(problem);
  assert.match(problem!.message, /rp2040 \(0xE48BFF56\) 31 blocks, rp2350-arm-s \(0xE48BFF59\) 1 blocks/);
});

test('block numbering and total count mismatches are reported', () => {
  const duplicate = setField(twoSectorImage(), 6, 20, 5);
  assert.ok(readUf2(duplicate).problems.some((p) => p.kind === 'numbering' && /duplicate block numbers 5/.test(p.message)));
  const disagree = setField(twoSectorImage(), 6, 24, 40);
  assert.ok(readUf2(disagree).problems.some((p) => /disagree on the total count/.test(p.message)));
  const file = twoSectorImage();
  const missingOne = concat([file.subarray(0, 10 * 512), file.subarray(11 * 512)]);
  const messages = readUf2(missingOne).problems.map((p) => p.message);
  assert.ok(messages.some((m) => /total count says 32 blocks but the file holds 31/.test(m)), messages.join('\n'));
  assert.ok(messages.some((m) => /block numbers beyond the block count \(gaps in the numbering\): 31/.test(m)));
  assert.ok(messages.some((m) => /partial 4 KB sectors .*0x10100000 \(15 of 16 pages\)/.test(m)));
});

test('misaligned pages and addresses written twice are reported', () => {
  assert.ok(kinds(setField(twoSectorImage(), 1, 12, BASE + 0x180)).includes('misaligned'));
  const twice = readUf2(setField(twoSectorImage(), 1, 12, BASE));
  assert.ok(twice.problems.some((p) => p.kind === 'duplicate-address' && /0x10100000/.test(p.message)));
});

test('a partial sector (the SDK writes the last one partly) is reported', () => {
  const blocks = [0, 1, 2].map((i) => encodeBlock({ address: BASE + i * 256, payload: new Uint8Array(256), blockNo: i, numBlocks: 3, familyId: RP2040 }));
  const reading = readUf2(concat(blocks));
  assert.equal(reading.problems.map((p) => p.kind), ['partial-sector']);
  assert.match(reading.problems[0].message, /0x10100000 \(3 of 16 pages\)/);
  assert.is(reading.regions[0].bytes.length, 768);
});

test('something that is not UF2 has no blocks', () => {
  const reading = readUf2(new TextEncoder().encode('hello'.repeat(200)));
  assert.ok(reading.problems.some((p) => p.kind === 'no-blocks'));
  assert.equal(reading.regions, []);
  assert.ok(kinds(new Uint8Array(0)).includes('no-blocks'));
});

test('the RP2350-E10 ignore block is recognised, not written and not counted', () => {
  const body = writeUf2([{ address: BASE, bytes: patternBytes(10) }], RP2350_ARM_S);
  const reading = readUf2(concat([rp2350IgnoreBlock(), body]));
  assert.equal(reading.problems, []);
  assert.is(reading.blocks[0].skipped, 'rp2-ignore');
  assert.is(reading.blocks[0].familyId, ABSOLUTE);
  assert.equal(reading.families, [{ familyId: RP2350_ARM_S, blocks: 16 }]);
  assert.is(reading.regions.length, 1);
  assert.is(reading.regions[0].address, BASE);
});

test('blocks flagged not-main-flash are kept out of the regions', () => {
  const file = setField(twoSectorImage(), 31, 8, 0x2001);
  const reading = readUf2(file);
  assert.is(reading.blocks[31].skipped, 'not-main-flash');
  assert.is(reading.regions[0].bytes.length, 31 * 256);
});

test.run();
