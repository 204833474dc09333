// Writer of format-63 snapshots. The layout is the one the engine's saver produces: header padded to
// 8 bytes, code blocks in the given order (each padded to 8), then the literal table built by the
// saver's walk (per function: constants, then nested functions, then tail values; first use wins).

import { encodeCesu8 } from '../../image/cesu8';
import { ByteWriter } from './byte-view';
import {
  BLOCK_ALIGNMENT,
  CODE_FLAG_HAS_EXTENDED_INFO,
  CODE_FLAG_HAS_TAGGED_LITERALS,
  CODE_FLAG_MAPPED_ARGUMENTS_NEEDED,
  CODE_FLAG_UINT16_ARGUMENTS,
  COMPILED_CODE_HEADER_SIZE,
  DIRECT_SHIFT,
  DIRECT_SIMPLE_BIT,
  FUNCTION_TYPE_SHIFT,
  HEADER_FIXED_SIZE,
  INTEGER_MAX,
  INTEGER_MIN,
  LITERAL_ALIGNMENT,
  LITERAL_KIND_BIGINT,
  LITERAL_KIND_NUMBER,
  LITERAL_OFFSET_SHIFT,
  MAXIMUM_STRING_BYTES,
  SIMPLE_VALUES,
  SNAPSHOT_MAGIC,
  TYPE_CONSTRUCTOR,
  UINT16_ARGUMENTS_SIZE,
  UINT8_ARGUMENTS_SIZE,
  VALUE_TYPE_SNAPSHOT_OFFSET,
  alignUp,
} from './format';
import type { CodeBlock, FunctionBlock, Snapshot, SnapshotValue } from './model';

/** ECMA_BIGINT_ZERO: 0n is a direct value, never a literal-table entry. */
const BIGINT_ZERO_VALUE = 6;
const MAX_BLOCK_UNITS = 0xffff;

/** The table entry a value needs, or null for values stored directly. */
function tableKey(value: SnapshotValue): string | null {
  switch (value.kind) {
    case 'string':
      return `s${value.value}`;
    case 'number': {
      const bits = new DataView(new ArrayBuffer(8));
      bits.setFloat64(0, value.value, true);
      return `n${bits.getBigUint64(0, true).toString(16)}`;
    }
    case 'bigint':
      return value.value === 0n ? null : `b${value.value.toString(16)}:${value.byteLength ?? 0}`;
    default:
      return null;
  }
}

function encodeLiteral(value: SnapshotValue): Uint8Array {
  const w = new ByteWriter();
  if (value.kind === 'string') {
    const bytes = encodeCesu8(value.value);
    if (bytes.length > MAXIMUM_STRING_BYTES) {
      throw new Error(`snapshot writer: a ${bytes.length}-byte string literal exceeds the ${MAXIMUM_STRING_BYTES}-byte limit of the literal table`);
    }
    w.u16(bytes.length);
    w.bytes(bytes);
  } else if (value.kind === 'number') {
    w.f64(value.value);
  } else if (value.kind === 'bigint') {
    let magnitude = value.value < 0n ? -value.value : value.value;
    const digits: number[] = [];
    while (magnitude > 0n) {
      digits.push(Number(magnitude & 0xffffffffn));
      magnitude >>= 32n;
    }
    const byteLength = Math.max(digits.length * 4, value.byteLength ?? 0);
    if (byteLength % 4) throw new Error(`snapshot writer: BigInt byteLength ${value.byteLength} is not a multiple of 4`);
    while (digits.length * 4 < byteLength) digits.push(0);
    w.u32(byteLength + (value.value < 0n ? 1 : 0));
    for (const d of digits) w.u32(d);
  }
  w.align(LITERAL_ALIGNMENT);
  return w.result();
}

function tailCount(fn: FunctionBlock): number {
  const type = fn.statusFlags >> FUNCTION_TYPE_SHIFT;
  return (
    (fn.statusFlags & CODE_FLAG_MAPPED_ARGUMENTS_NEEDED ? fn.argumentEnd : 0) +
    (type !== TYPE_CONSTRUCTOR ? 1 : 0) +
    (fn.statusFlags & CODE_FLAG_HAS_EXTENDED_INFO ? 1 : 0) +
    (fn.statusFlags & CODE_FLAG_HAS_TAGGED_LITERALS ? 1 : 0)
  );
}

function headerSize(fn: FunctionBlock): number {
  return fn.statusFlags & CODE_FLAG_UINT16_ARGUMENTS ? UINT16_ARGUMENTS_SIZE : UINT8_ARGUMENTS_SIZE;
}

function blockSize(block: CodeBlock, index: number): number {
  const size =
    block.kind === 'regexp'
      ? alignUp(COMPILED_CODE_HEADER_SIZE + encodeCesu8(block.pattern).length, BLOCK_ALIGNMENT)
      : alignUp(headerSize(block) + 4 * block.literals.length + block.code.length + 4 * tailCount(block), BLOCK_ALIGNMENT);
  if (size / BLOCK_ALIGNMENT > MAX_BLOCK_UNITS) {
    throw new Error(`snapshot writer: block #${index} needs ${size} bytes; a code block holds at most ${MAX_BLOCK_UNITS * BLOCK_ALIGNMENT}`);
  }
  return size;
}

function checkShape(fn: FunctionBlock, index: number): void {
  const where = `snapshot writer: block #${index}`;
  if (fn.literals.length !== fn.literalEnd - fn.registerEnd) {
    throw new Error(`${where}: ${fn.literals.length} literal slots, but literal_end - register_end is ${fn.literalEnd - fn.registerEnd}`);
  }
  const hasName = fn.statusFlags >> FUNCTION_TYPE_SHIFT !== TYPE_CONSTRUCTOR;
  if (hasName !== (fn.name !== undefined)) throw new Error(`${where}: function name ${hasName ? 'missing' : 'given for a class constructor'}`);
  const mapped = (fn.statusFlags & CODE_FLAG_MAPPED_ARGUMENTS_NEEDED) !== 0;
  if (mapped ? fn.argumentNames?.length !== fn.argumentEnd : fn.argumentNames !== undefined) {
    throw new Error(`${where}: argument names do not match the mapped_arguments_needed flag and argument_end ${fn.argumentEnd}`);
  }
  if (((fn.statusFlags & CODE_FLAG_HAS_EXTENDED_INFO) !== 0) !== (fn.extendedInfo !== undefined)) {
    throw new Error(`${where}: extended info does not match the has_extended_info flag`);
  }
  if (((fn.statusFlags & CODE_FLAG_HAS_TAGGED_LITERALS) !== 0) !== (fn.taggedLiterals !== undefined)) {
    throw new Error(`${where}: tagged literal list does not match the has_tagged_literals flag`);
  }
  const limit = fn.statusFlags & CODE_FLAG_UINT16_ARGUMENTS ? 0xffff : 0xff;
  for (const [name, value] of Object.entries({
    stack_limit: fn.stackLimit,
    argument_end: fn.argumentEnd,
    register_end: fn.registerEnd,
    ident_end: fn.identEnd,
    const_literal_end: fn.constLiteralEnd,
    literal_end: fn.literalEnd,
  })) {
    if (!Number.isInteger(value) || value < 0 || value > limit) throw new Error(`${where}: ${name} ${value} does not fit the ${limit === 0xff ? '8' : '16'}-bit header`);
  }
}

export function writeSnapshot(snapshot: Snapshot): Uint8Array {
  const { blocks, primaries } = snapshot;
  if (primaries.length === 0) throw new Error('snapshot writer: no primary function');
  blocks.forEach((b, i) => b.kind === 'function' && checkShape(b, i));

  const headerEnd = HEADER_FIXED_SIZE + 4 * primaries.length;
  const offsets: number[] = [];
  let at = alignUp(headerEnd, BLOCK_ALIGNMENT);
  blocks.forEach((b, i) => {
    offsets.push(at);
    at += blockSize(b, i);
  });
  const literalTableOffset = at;

  // Literal table in the saver's first-use order.
  const tableOffsets = new Map<string, number>();
  const tableParts: Uint8Array[] = [];
  let tableSize = 0;
  const add = (value: SnapshotValue) => {
    const key = tableKey(value);
    if (key === null || tableOffsets.has(key)) return;
    const bytes = encodeLiteral(value);
    tableOffsets.set(key, tableSize);
    tableParts.push(bytes);
    tableSize += bytes.length;
  };
  const visited = new Set<number>();
  // Pre-order walk without recursion (nesting depth is only bounded by the file): per function its
  // constants, then its nested functions, then its tail values.
  const visit = (root: number) => {
    const stack: { index: number; next: number }[] = [];
    const enter = (index: number) => {
      const fn = blocks[index];
      if (fn.kind !== 'function' || visited.has(index)) return;
      visited.add(index);
      const constCount = fn.constLiteralEnd - fn.registerEnd;
      fn.literals.slice(0, constCount).forEach((slot, i) => {
        if (slot.kind === 'code' || slot.kind === 'self') throw new Error(`snapshot writer: block #${index} literal ${fn.registerEnd + i} is a constant slot but holds nested code`);
        add(slot);
      });
      stack.push({ index, next: constCount });
    };
    enter(root);
    while (stack.length) {
      const frame = stack[stack.length - 1];
      const fn = blocks[frame.index] as FunctionBlock;
      if (frame.next < fn.literals.length) {
        const i = frame.next++;
        const slot = fn.literals[i];
        if (slot.kind === 'code') {
          if (slot.block <= frame.index || slot.block >= blocks.length) {
            throw new Error(`snapshot writer: block #${frame.index} literal ${fn.registerEnd + i} refers to block #${slot.block}; nested code must come later in the file`);
          }
          enter(slot.block);
        } else if (slot.kind !== 'self') {
          throw new Error(`snapshot writer: block #${frame.index} literal ${fn.registerEnd + i} is a nested-code slot but holds a ${slot.kind}`);
        }
        continue;
      }
      stack.pop();
      if (fn.name) add(fn.name);
      fn.argumentNames?.forEach(add);
    }
  };
  primaries.forEach(visit);
  blocks.forEach((b, i) => {
    if (b.kind === 'function' && !visited.has(i)) throw new Error(`snapshot writer: block #${i} is not reachable from a primary function`);
  });

  const encodeValue = (value: SnapshotValue): number => {
    const key = tableKey(value);
    if (key !== null) {
      const tag = value.kind === 'number' ? LITERAL_KIND_NUMBER : value.kind === 'bigint' ? LITERAL_KIND_BIGINT : 0;
      return ((tableOffsets.get(key) as number) << LITERAL_OFFSET_SHIFT) | tag | VALUE_TYPE_SNAPSHOT_OFFSET;
    }
    if (value.kind === 'bigint') return BIGINT_ZERO_VALUE;
    if (value.kind === 'integer') {
      if (!Number.isInteger(value.value) || value.value < INTEGER_MIN || value.value > INTEGER_MAX) {
        throw new Error(`snapshot writer: ${value.value} is not a direct integer (range ${INTEGER_MIN}..${INTEGER_MAX}); store it as a number`);
      }
      return (value.value << DIRECT_SHIFT) >>> 0;
    }
    if (value.kind === 'simple') return (SIMPLE_VALUES.indexOf(value.value) << DIRECT_SHIFT) | DIRECT_SIMPLE_BIT;
    throw new Error(`snapshot writer: cannot encode a ${(value as SnapshotValue).kind} value`);
  };

  const w = new ByteWriter();
  w.u32(SNAPSHOT_MAGIC);
  w.u32(snapshot.version);
  w.u32(snapshot.globalFlags);
  w.u32(literalTableOffset);
  w.u32(primaries.length);
  for (const p of primaries) w.u32(offsets[p]);
  w.align(BLOCK_ALIGNMENT);

  blocks.forEach((block, index) => {
    const start = w.length;
    const size = blockSize(block, index);
    w.u16(size / BLOCK_ALIGNMENT);
    if (block.kind === 'regexp') {
      const pattern = encodeCesu8(block.pattern);
      w.u16(pattern.length);
      w.u16(block.flags);
      w.bytes(pattern);
      w.align(BLOCK_ALIGNMENT);
      return;
    }
    w.u16(block.refs);
    w.u16(block.statusFlags);
    const fields = [block.stackLimit, block.argumentEnd, block.registerEnd, block.identEnd, block.constLiteralEnd, block.literalEnd];
    if (block.statusFlags & CODE_FLAG_UINT16_ARGUMENTS) {
      for (const f of fields) w.u16(f);
      w.u16(block.headerPadding);
    } else {
      for (const f of fields) w.u8(f);
    }
    for (const slot of block.literals) {
      if (slot.kind === 'self') w.u32(0);
      else if (slot.kind === 'code') w.u32(offsets[slot.block] - start);
      else w.u32(encodeValue(slot));
    }
    w.bytes(block.code);
    while (w.length < start + size - 4 * tailCount(block)) w.u8(0);
    if (block.taggedLiterals !== undefined) w.u32(block.taggedLiterals);
    if (block.extendedInfo !== undefined) w.u32(block.extendedInfo);
    if (block.name) w.u32(encodeValue(block.name));
    for (const name of block.argumentNames ?? []) w.u32(encodeValue(name));
  });

  for (const part of tableParts) w.bytes(part);
  return w.result();
}
