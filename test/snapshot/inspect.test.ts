import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { formatSnapshot, inspectSnapshot, snapshotContainer, type InspectedFunction } from '../../cli/codegen/snapshot';
import { goldenFiles } from './golden';

const golden = goldenFiles();
const byName = (name: string) => golden.find((g) => g.name === name)!;

test('inspection is plain data that survives JSON', () => {
  for (const g of golden) {
    const r = inspectSnapshot(g.snapshot);
    assert.equal(JSON.parse(JSON.stringify(r)), r, g.name);
    assert.ok(r.verification.ok, g.name);
  }
});

test('header, functions, literals and disassembly of a class', () => {
  const r = inspectSnapshot(byName('es2015_class').snapshot);
  assert.is(r.version, 63);
  assert.equal(r.globalFlagNames, ['class_literal']);
  assert.equal(r.functionOffsets, [24]);
  const fns = r.blocks.filter((b): b is InspectedFunction => b.kind === 'function');
  assert.is(fns[0].type, 'script');
  assert.ok(fns.some((f) => f.type === 'constructor'));
  assert.ok(fns.every((f) => f.resourceName === 'es2015_class.js'));
  const script = fns[0];
  assert.ok(script.instructions.length > 5);
  assert.is(script.instructions[0].offset, 0);
  assert.is(script.instructions[0].depth, 0);
  assert.ok(script.instructions.every((i) => /^CBC_/.test(i.text) && /^[0-9a-f]{2}( [0-9a-f]{2})*$/.test(i.bytes)));
  assert.is(script.instructions.at(-1)!.text, 'CBC_RETURN_WITH_BLOCK');
  assert.ok(r.literalTable.some((e) => e.kind === 'string' && e.value === '"es2015_class.js"'));
});

test('RegExp blocks, numbers and BigInts are shown', () => {
  const re = inspectSnapshot(byName('es2015_regexp_literal_basic').snapshot);
  assert.ok(re.blocks.some((b) => b.kind === 'regexp' && b.pattern === '[a-z]+\\d' && b.flags === 'g'));
  const big = inspectSnapshot(byName('es2020_bigint').snapshot);
  assert.ok(big.literalTable.some((e) => e.kind === 'bigint' && e.value === '64n'));
  const text = formatSnapshot(big);
  assert.match(text, /^JerryScript snapshot, format version 63, 252 bytes$/m);
  assert.match(text, /^verification: ok$/m);
  assert.match(text, /^block #0 at 0x18 \(\d+ bytes\): script/m);
  assert.match(text, /CBC_EXPONENTIATION_TWO_LITERALS const:3 2n const:4 64n/);
  assert.match(text, /^ {2}\+\d+ +bigint +64n$/m);
});

test('formatted text lists verifier errors', () => {
  const bytes = byName('es2020_nullish').snapshot.slice();
  bytes[24 + 6] = 0; // stack_limit 0
  const text = formatSnapshot(inspectSnapshot(bytes));
  assert.match(text, /^verification: 1 error\(s\)$/m);
  assert.match(text, /^ {2}error: block #0 \(script\): needs \d+ stack slots but declares stack_limit 0/m);
});

test('a program-region container is checked and its snapshot inspected', () => {
  const snapshot = byName('es2020_nullish').snapshot;
  const region = new Uint8Array(4096).fill(0xff);
  region.set(snapshotContainer(snapshot));
  const r = inspectSnapshot(region);
  assert.equal(r.container, { version: 1, snapshotOffset: 32, length: snapshot.length, crc: r.container!.crc, trailingBytes: 4096 - 32 - snapshot.length });
  assert.equal(r.blocks, inspectSnapshot(snapshot).blocks);
  assert.match(formatSnapshot(r), /^snapshot container version 1: snapshot at byte 32, 160 bytes, CRC-32 0x[0-9a-f]+ ok, 3904 bytes after it$/m);
  region[40] ^= 1;
  assert.throws(() => inspectSnapshot(region), /snapshot CRC-32 is 0x[0-9a-f]{8} but the 160 bytes give/);
});

test.run();
