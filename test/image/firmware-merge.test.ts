import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mergeFirmware } from '../../cli/image/firmware-merge';
import { programBin } from '../../cli/image/program-bytes';
import { readUf2 } from '../../cli/image/uf2-read';
import {
  RP2040, RP2350_ARM_S, concat, decodeBlock, encodeBlock, patternBytes, rp2350IgnoreBlock, syntheticFirmware,
} from './uf2-fixtures';

const PICO = { programBase: 0x10100000, programSize: 512 * 1024, storageBase: 0x100fc000, storageSize: 16 * 1024, uf2Family: RP2040 };
const PICO2 = { programBase: 0x10100000, programSize: 1536 * 1024, storageBase: 0x100f0000, storageSize: 64 * 1024, uf2Family: RP2350_ARM_S };

// 10000 bytes: two whole sectors and a last one with only 8 of its 16 pages (as the SDK writes it).
const FIRMWARE_DATA = patternBytes(10000, 11);
const program = () => [{ address: PICO.programBase, bytes: programBin('console.log(1);', PICO.programSize) }];

test('the synthetic firmware really has a partial last sector', () => {
  const reading = readUf2(syntheticFirmware(FIRMWARE_DATA, RP2040));
  assert.equal(reading.problems.map((p) => p.kind), ['partial-sector']);
});

test('combined image: firmware + program, last firmware sector padded, one numbering', () => {
  const merged = mergeFirmware(syntheticFirmware(FIRMWARE_DATA, RP2040), program(), PICO);
  const total = merged.length / 512;
  assert.is(total, 48 + 16, 'three firmware sectors and one program sector');
  for (let i = 0; i < total; i++) {
    const b = decodeBlock(merged, i);
    assert.is(b.blockNo, i);
    assert.is(b.numBlocks, total);
    assert.is(b.familyId, RP2040);
    assert.is(b.flags, 0x2000);
    assert.is(b.payloadSize, 256);
  }
  const reading = readUf2(merged);
  assert.equal(reading.problems, []);
  assert.is(reading.regions.length, 2);
  const [firmware, prog] = reading.regions;
  assert.is(firmware.address, 0x10000000);
  assert.is(firmware.bytes.length, 3 * 4096);
  assert.equal([...firmware.bytes.subarray(0, 10000)], [...FIRMWARE_DATA]);
  // The firmware's last page keeps what the firmware UF2 carried (zero after its data), the
  // pages the firmware did not write are erased flash.
  assert.ok(firmware.bytes.subarray(10000, 10240).every((b) => b === 0));
  assert.ok(firmware.bytes.subarray(10240).every((b) => b === 0xff));
  assert.is(prog.address, 0x10100000);
  assert.equal(prog.bytes, program()[0].bytes);
});

test('storage sectors travel in the combined image too', () => {
  const storage = new Uint8Array(16 * 1024).fill(0xff);
  storage[0] = 0xf0;
  const merged = mergeFirmware(syntheticFirmware(FIRMWARE_DATA, RP2040), [...program(), { address: PICO.storageBase, bytes: storage }], PICO);
  const reading = readUf2(merged);
  assert.equal(reading.problems, []);
  const storageRegion = reading.regions.find((r) => r.address <= PICO.storageBase && PICO.storageBase < r.address + r.bytes.length);
  assert.ok(storageRegion);
  assert.is(storageRegion!.bytes[PICO.storageBase - storageRegion!.address], 0xf0);
});

test('an RP2350 firmware keeps its E10 ignore block first, unchanged', () => {
  const ignore = rp2350IgnoreBlock();
  const firmware = concat([ignore, syntheticFirmware(FIRMWARE_DATA, RP2350_ARM_S)]);
  const merged = mergeFirmware(firmware, program(), PICO2);
  assert.equal(merged.subarray(0, 512), ignore);
  const rest = merged.subarray(512);
  const total = rest.length / 512;
  for (let i = 0; i < total; i++) {
    assert.is(decodeBlock(rest, i).blockNo, i);
    assert.is(decodeBlock(rest, i).numBlocks, total);
  }
  assert.equal(readUf2(merged).problems, []);
});

test('refused: a file that is not UF2', () => {
  assert.throws(() => mergeFirmware(new TextEncoder().encode('MZ not a uf2'.repeat(100)), program(), PICO), /firmware is not a valid UF2: .*no UF2 blocks found/);
});

test('refused: an incomplete or damaged firmware UF2', () => {
  const firmware = syntheticFirmware(FIRMWARE_DATA, RP2040);
  const truncated = firmware.subarray(0, 20 * 512);
  assert.throws(() => mergeFirmware(truncated, program(), PICO), /firmware is not a valid UF2: .*total count says 40 blocks but the file holds 20/);
  const damaged = firmware.slice();
  damaged[5 * 512] ^= 0xff;
  assert.throws(() => mergeFirmware(damaged, program(), PICO), /not a valid UF2: bad UF2 magic in block 5/);
});

test('refused: a firmware of another family', () => {
  const rp2350 = syntheticFirmware(FIRMWARE_DATA, RP2350_ARM_S);
  assert.throws(
    () => mergeFirmware(rp2350, program(), PICO),
    /firmware UF2 family rp2350-arm-s \(0xE48BFF59\) does not match the target's family rp2040 \(0xE48BFF56\)/,
  );
});

test('refused: a firmware overlapping the program or the storage region', () => {
  const intoProgram = concat([
    syntheticFirmware(FIRMWARE_DATA, RP2040).subarray(0, 512),
    encodeBlock({ address: 0x10100000, payload: new Uint8Array(256), blockNo: 1, numBlocks: 2, familyId: RP2040 }),
  ]);
  assert.throws(() => mergeFirmware(withTotal(intoProgram), program(), PICO),
    /firmware data at 0x10100000-0x101000FF overlaps the target's program region 0x10100000-0x1017FFFF/);
  const intoStorage = withTotal(concat([
    encodeBlock({ address: 0x10000000, payload: new Uint8Array(256), blockNo: 0, numBlocks: 0, familyId: RP2040 }),
    encodeBlock({ address: 0x100fc000, payload: new Uint8Array(256), blockNo: 1, numBlocks: 0, familyId: RP2040 }),
  ]));
  assert.throws(() => mergeFirmware(intoStorage, program(), PICO), /overlaps the target's storage region 0x100FC000-0x100FFFFF/);
});

/** Sets every block's number and total so only the property under test is wrong. */
function withTotal(file: Uint8Array): Uint8Array {
  const copy = file.slice();
  const view = new DataView(copy.buffer);
  const blocks = copy.length / 512;
  for (let i = 0; i < blocks; i++) {
    view.setUint32(i * 512 + 20, i, true);
    view.setUint32(i * 512 + 24, blocks, true);
  }
  return copy;
}

test('refused: program regions that collide with each other', () => {
  assert.throws(
    () => mergeFirmware(syntheticFirmware(FIRMWARE_DATA, RP2040), [...program(), { address: 0x10100010, bytes: new Uint8Array(4) }], PICO),
    /flash regions overlap/,
  );
});

test.run();
