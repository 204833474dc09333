import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseSnapshot, readSnapshot, writeSnapshot, type FunctionBlock, type Snapshot } from '../../cli/codegen/snapshot';
import { goldenFiles, sameBytes } from './golden';

const golden = goldenFiles();

test('there are 28 golden snapshots', () => {
  assert.is(golden.length, 28);
});

for (const g of golden) {
  test(`read then write gives identical bytes: ${g.name}`, () => {
    const again = writeSnapshot(readSnapshot(g.snapshot));
    assert.ok(sameBytes(again, g.snapshot), `${g.name}: ${again.length} vs ${g.snapshot.length} bytes`);
  });
}

const byName = (name: string) => golden.find((g) => g.name === name)!;
const functions = (s: Snapshot) => s.blocks.filter((b): b is FunctionBlock => b.kind === 'function');

test('header, primary function and resource-name slot', () => {
  const { snapshot, layout } = parseSnapshot(byName('es2015_class').snapshot);
  assert.is(snapshot.version, 63);
  assert.is(snapshot.globalFlags, 0x4, 'class_literal only');
  assert.equal(snapshot.primaries, [0]);
  assert.is(layout.blockOffsets[0], 24);
  assert.is(layout.literalTableOffset % 8, 0);
  for (const fn of functions(snapshot)) {
    const last = fn.literals[fn.constLiteralEnd - fn.registerEnd - 1];
    assert.equal(last, { kind: 'string', value: 'es2015_class.js' });
  }
  assert.ok(functions(snapshot).some((f) => f.statusFlags >> 12 === 2 && f.name === undefined), 'a class constructor has no name tail');
});

test('CESU-8 strings decode to the source text (surrogate pairs included)', () => {
  const strings = parseSnapshot(byName('misc_unicode_strings').snapshot).layout.literalTable.map((e) => e.value);
  assert.ok(strings.some((v) => v.kind === 'string' && v.value === 'héllo ☃ 😀'));
});

test('BigInt and number literals', () => {
  const table = parseSnapshot(byName('es2020_bigint').snapshot).layout.literalTable.map((e) => e.value);
  assert.ok(table.some((v) => v.kind === 'bigint' && v.value === 64n));
  assert.ok(table.some((v) => v.kind === 'string' && v.value === '18446744073709551616'));
  const numbers = parseSnapshot(byName('misc_json_date_math').snapshot).layout.literalTable.filter((e) => e.value.kind === 'number');
  assert.ok(numbers.length > 0 && numbers.every((e) => e.size === 8));
});

test('RegExp blocks keep pattern and flags', () => {
  const { snapshot } = parseSnapshot(byName('es2015_regexp_flags_uy').snapshot);
  const res = snapshot.blocks.filter((b) => b.kind === 'regexp');
  assert.ok(res.length > 0);
  assert.is(snapshot.globalFlags & 1, 1);
  for (const re of res) assert.ok(re.kind === 'regexp' && re.flags & (0x10 | 0x20), 'y or u flag');
});

test('writer: 0n becomes the direct BigInt zero, other values go to the literal table once', () => {
  const s = readSnapshot(byName('es2020_nullish').snapshot);
  const fn = s.blocks[0] as FunctionBlock;
  const constants = fn.constLiteralEnd - fn.registerEnd;
  fn.literals[constants - 2] = { kind: 'bigint', value: 0n };
  const bytes = writeSnapshot(s);
  const back = parseSnapshot(bytes);
  assert.equal((back.snapshot.blocks[0] as FunctionBlock).literals[constants - 2], { kind: 'bigint', value: 0n });
  const slotAt = back.layout.blockOffsets[0] + 12 + 4 * (constants - 2);
  assert.is(new DataView(bytes.buffer).getUint32(slotAt, true), 6);
  assert.ok(back.layout.literalTable.every((e) => e.value.kind !== 'bigint'));
});

test('writer: BigInts stored with extra digits stay distinct entries', () => {
  const s = readSnapshot(byName('es2020_bigint').snapshot);
  const fn = s.blocks[0] as FunctionBlock;
  const i = fn.literals.findIndex((l) => l.kind === 'bigint' && l.value === 64n);
  fn.literals[i] = { kind: 'bigint', value: 64n, byteLength: 8 };
  const back = parseSnapshot(writeSnapshot(s));
  const entry = back.layout.literalTable.find((e) => e.value.kind === 'bigint' && e.value.value === 64n)!;
  assert.is(entry.size, 12);
  assert.equal(entry.value, { kind: 'bigint', value: 64n, byteLength: 8 });
});

test('writer refuses models it cannot encode', () => {
  const s = readSnapshot(byName('es2020_nullish').snapshot);
  const fn = s.blocks[0] as FunctionBlock;
  assert.throws(() => writeSnapshot({ ...s, blocks: [{ ...fn, literals: fn.literals.slice(1) }] }), /literal slots/);
  assert.throws(() => writeSnapshot({ ...s, blocks: [{ ...fn, literals: [{ kind: 'integer', value: 2 ** 30 }, ...fn.literals.slice(1)] }] }), /direct integer/);
  const huge = { kind: 'string' as const, value: 'x'.repeat(70000) };
  assert.throws(() => writeSnapshot({ ...s, blocks: [{ ...fn, literals: [huge, ...fn.literals.slice(1)] }] }), /65535/);
  assert.throws(() => writeSnapshot({ ...s, primaries: [] }), /primary/);
});

test.run();
