import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { assertValidSnapshot, decodeCode, parseSnapshot, verifySnapshot, type FunctionBlock, type Instruction } from '../../cli/codegen/snapshot';
import { opcodeByName } from '../../cli/codegen/snapshot/opcodes';
import { goldenFiles } from './golden';

const golden = goldenFiles();
const byName = (name: string) => golden.find((g) => g.name === name)!;

for (const g of golden) {
  test(`golden snapshot verifies without warnings: ${g.name}`, () => {
    const r = verifySnapshot(g.snapshot, { resourceName: `${g.name}.js` });
    assert.equal(r.errors, []);
    assert.equal(r.warnings, []);
    assert.ok(r.ok);
  });
}

/** A mutable copy plus its parsed layout. */
function copyOf(name: string) {
  const bytes = byName(name).snapshot.slice();
  const parsed = parseSnapshot(bytes);
  return { bytes, view: new DataView(bytes.buffer), ...parsed };
}

function instructionsOf(fn: FunctionBlock): Instruction[] {
  return decodeCode(fn.code, (fn.statusFlags & 1) !== 0, { base: 0, label: 'test' });
}

const errorsOf = (bytes: Uint8Array, resourceName?: string) => verifySnapshot(bytes, { resourceName }).errors.join('\n');

test('resource name: the expected name is enforced', () => {
  assert.match(errorsOf(byName('es2015_class').snapshot, 'app.js'), /resource name \(last constant\) is "es2015_class\.js", expected "app\.js"/);
  assert.throws(() => assertValidSnapshot(byName('es2015_class').snapshot, { resourceName: 'app.js' }), /invalid snapshot: .*resource name/);
});

test('header: version, realm, flag/content mismatches', () => {
  const c = copyOf('es2015_class');
  c.view.setUint32(4, 70, true);
  assert.match(errorsOf(c.bytes), /version 70 \(70 is JerryScript 3\.0, Kaluma 1\.3\).*only version 63/);
  c.view.setUint32(4, 63, true);
  c.view.setUint32(8, 0x4 | 0x2, true);
  assert.match(errorsOf(c.bytes), /realm flag set/);
  c.view.setUint32(8, 0, true);
  assert.match(errorsOf(c.bytes), /class_literal flag is clear but the snapshot has a class constructor/);
  c.view.setUint32(8, 0x5, true);
  assert.match(errorsOf(c.bytes), /regex_literal flag is set but the snapshot has no RegExp literal/);
  c.view.setUint32(8, 0x4 | 0x10000, true);
  assert.match(errorsOf(c.bytes), /unknown global_flags bits 0x10000/);
});

test('stack_limit one below what the code needs', () => {
  const c = copyOf('es2015_generators');
  const at = c.layout.blockOffsets[0] + 6;
  const limit = c.bytes[at];
  c.bytes[at] = limit - 1;
  assert.match(errorsOf(c.bytes), new RegExp(`needs ${limit} stack slots but declares stack_limit ${limit - 1}`));
});

test('literal index out of range', () => {
  const c = copyOf('es2020_nullish');
  const fn = c.snapshot.blocks[0] as FunctionBlock;
  const ins = instructionsOf(fn).find((i) => i.literals.length === 1 && i.opcode.name === 'CBC_PUSH_LITERAL')!;
  c.bytes[c.layout.codeOffsets[0] + ins.offset + 1] = fn.literalEnd;
  assert.match(errorsOf(c.bytes), new RegExp(`CBC_PUSH_LITERAL at code offset ${ins.offset} .*literal index ${fn.literalEnd} is out of range \\(literal_end ${fn.literalEnd}\\)`));
});

test('branch target inside an instruction', () => {
  const c = copyOf('es2015_destructuring_default_rest_spread');
  let found = false;
  c.snapshot.blocks.forEach((b, index) => {
    if (found || b.kind !== 'function') return;
    const list = instructionsOf(b);
    const starts = new Set(list.map((i) => i.offset));
    const br = list.find((i) => i.branch && i.opcode.code % 4 === 1 && i.opcode.flags & 0x10 && !starts.has(i.branch.target + 1) && i.branch.distance < 255);
    if (!br) return;
    found = true;
    c.bytes[c.layout.codeOffsets[index] + br.offset + br.length - 1] += 1;
    assert.match(errorsOf(c.bytes), new RegExp(`branch target ${br.branch!.target + 1} is not the start of an instruction`));
  });
  assert.ok(found, 'a forward branch with a one-byte offset');
});

test('opcodes the VM cannot run, and unknown opcodes', () => {
  const c = copyOf('es2015_arrow_let_const');
  const fn = c.snapshot.blocks[0] as FunctionBlock;
  const pop = instructionsOf(fn).find((i) => !i.opcode.ext && i.length === 1 && i.opcode.name !== 'CBC_RETURN_WITH_BLOCK');
  assert.ok(pop, 'a one-byte instruction');
  c.bytes[c.layout.codeOffsets[0] + pop!.offset] = opcodeByName('CBC_SET_BYTECODE_PTR').code;
  assert.match(errorsOf(c.bytes), /CBC_SET_BYTECODE_PTR at code offset \d+ .*not allowed in a snapshot/);
  c.bytes[c.layout.codeOffsets[0] + pop!.offset] = 0xf0;
  assert.match(errorsOf(c.bytes), /block #0: unknown opcode 240 \(the table ends at 237\) at code offset/);
});

test('refs, tagged literals, static functions', () => {
  const c = copyOf('es2015_getters_obj');
  const at = c.layout.blockOffsets[0];
  c.view.setUint16(at + 2, 2, true);
  assert.match(errorsOf(c.bytes), /refs is 2; the loader requires 1/);
  c.view.setUint16(at + 2, 1, true);
  const flags = c.view.getUint16(at + 4, true);
  c.view.setUint16(at + 4, flags | 0x80, true);
  assert.match(errorsOf(c.bytes), /static-snapshot function/);
});

test('the last constant must be a string (Kaluma reads it as the resource name)', () => {
  const c = copyOf('es2016_exponent_includes');
  const fn = c.snapshot.blocks[0] as FunctionBlock;
  const slot = c.layout.blockOffsets[0] + 12 + 4 * (fn.constLiteralEnd - fn.registerEnd - 1);
  c.view.setUint32(slot, 5 << 4, true);
  assert.match(errorsOf(c.bytes), /last constant \(literal \d+\) is integer 5, but Kaluma reads it as the resource name/);
});

test('literal references: odd offset, past the end, invalid CESU-8', () => {
  const c = copyOf('es2016_exponent_includes');
  const slot = c.layout.blockOffsets[0] + 12;
  const raw = c.view.getUint32(slot, true);
  c.view.setUint32(slot, raw + (1 << 5), true);
  assert.match(errorsOf(c.bytes), /literal-table offset \d+ is odd/);
  c.view.setUint32(slot, (0xffffe << 5) | 7, true);
  assert.match(errorsOf(c.bytes), /past the end of the snapshot/);
  c.view.setUint32(slot, raw, true);
  c.bytes[c.layout.literalTableOffset + 2] = 0xff;
  assert.match(errorsOf(c.bytes), /string is not valid CESU-8/);
});

test('sizes and offsets in the header', () => {
  const c = copyOf('es2018_promise_finally');
  c.view.setUint32(12, c.bytes.length + 8, true);
  assert.match(errorsOf(c.bytes), /lit_table_offset \d+ is outside the code area/);
  c.view.setUint32(12, c.layout.literalTableOffset, true);
  c.view.setUint32(20, 32, true);
  assert.match(errorsOf(c.bytes), /func_offsets\[0\] = 32 is not the start of a code block/);
  c.view.setUint32(20, 24, true);
  c.view.setUint16(24, 0x4000, true);
  assert.match(errorsOf(c.bytes), /block #0: .* run past the literal table/);
  c.view.setUint16(24, 0, true);
  assert.match(errorsOf(c.bytes), /size field 0 \(0 bytes\) is smaller than a compiled-code header/);
  assert.match(errorsOf(new Uint8Array(10)), /10 bytes is shorter than the 24-byte header/);
});

test('non-canonical layout is a warning, not an error', () => {
  const g = byName('es2015_template').snapshot;
  const padded = new Uint8Array(g.length + 2);
  padded.set(g);
  const r = verifySnapshot(padded, { resourceName: 'es2015_template.js' });
  assert.ok(r.ok, r.errors.join('; '));
  assert.match(r.warnings.join('\n'), /2 of its \d+ bytes are not referenced/);
  assert.match(r.warnings.join('\n'), /layout is not the one the engine's generator writes/);
});

test.run();
