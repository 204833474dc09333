// Reader of JerryScript 2.4 snapshots (format 63, realms off, as Kaluma's engine loads them).
// Structural problems throw a SnapshotFormatError naming the field and byte offset; semantic
// checks (flags vs content, branch targets, stack depth, ...) are the verifier's job.

import { decodeCesu8 } from '../../image/cesu8';
import { ByteView } from './byte-view';
import { decodeCodeArea } from './bytecode';
import { SnapshotFormatError, hex } from './errors';
import {
  BLOCK_ALIGNMENT,
  CODE_FLAG_HAS_EXTENDED_INFO,
  CODE_FLAG_HAS_TAGGED_LITERALS,
  CODE_FLAG_MAPPED_ARGUMENTS_NEEDED,
  CODE_FLAG_UINT16_ARGUMENTS,
  CODE_FLAG_FULL_LITERAL_ENCODING,
  COMPILED_CODE_HEADER_SIZE,
  DIRECT_SHIFT,
  DIRECT_SIMPLE_BIT,
  FUNCTION_TYPE_SHIFT,
  HEADER_FIXED_SIZE,
  LITERAL_KIND_BIGINT,
  LITERAL_KIND_NUMBER,
  LITERAL_OFFSET_SHIFT,
  SIMPLE_VALUES,
  SNAPSHOT_MAGIC,
  SNAPSHOT_VERSION,
  TYPE_CONSTRUCTOR,
  TYPE_REGULAR_EXPRESSION,
  UINT16_ARGUMENTS_SIZE,
  UINT8_ARGUMENTS_SIZE,
  VALUE_TYPE_DIRECT,
  VALUE_TYPE_MASK,
  VALUE_TYPE_SNAPSHOT_OFFSET,
  alignUp,
  type SimpleValueName,
} from './format';
import type { CodeBlock, FunctionBlock, LiteralSlot, LiteralTableEntry, Snapshot, SnapshotLayout, SnapshotValue } from './model';

type LiteralKind = 'string' | 'number' | 'bigint';

interface PendingReference {
  kind: LiteralKind;
  /** Offset within the literal table. */
  offset: number;
  /** File offset of the slot holding the reference. */
  at: number;
  what: string;
  resolve: (value: SnapshotValue) => void;
}

/** ECMA_BIGINT_ZERO: 0n as a direct value (the engine's saver mangles it, see generate.ts; our writer emits it). */
const BIGINT_ZERO_VALUE = 6;
const VALUE_TYPE_NAMES = ['direct', 'string pointer', 'float pointer', 'object pointer', 'symbol pointer', 'direct string', 'bigint pointer'];

export interface ParsedSnapshot {
  snapshot: Snapshot;
  layout: SnapshotLayout;
}

export function readSnapshot(bytes: Uint8Array): Snapshot {
  return parseSnapshot(bytes).snapshot;
}

export function parseSnapshot(bytes: Uint8Array): ParsedSnapshot {
  return new Reader(bytes).read();
}

class Reader {
  private readonly v: ByteView;
  private readonly pending: PendingReference[] = [];

  constructor(bytes: Uint8Array) {
    this.v = new ByteView(bytes);
  }

  read(): ParsedSnapshot {
    const v = this.v;
    if (v.length < HEADER_FIXED_SIZE + 4) {
      throw new SnapshotFormatError(`snapshot: ${v.length} bytes is shorter than the ${HEADER_FIXED_SIZE + 4}-byte header`);
    }
    const magic = v.u32(0, 'header magic');
    if (magic !== SNAPSHOT_MAGIC) {
      throw new SnapshotFormatError(`header: magic is ${hex(magic, 8)}, not ${hex(SNAPSHOT_MAGIC, 8)} ("JRRY"): not a JerryScript snapshot`, 0);
    }
    const version = v.u32(4, 'header version');
    if (version !== SNAPSHOT_VERSION) {
      const known = version === 70 ? ' (70 is JerryScript 3.0, Kaluma 1.3)' : '';
      throw new SnapshotFormatError(`header: snapshot format version ${version}${known}; Kaluma 1.2 (JerryScript 2.4) loads only version ${SNAPSHOT_VERSION}`, 4);
    }
    const globalFlags = v.u32(8, 'header global_flags');
    const literalTableOffset = v.u32(12, 'header lit_table_offset');
    const functionCount = v.u32(16, 'header number_of_funcs');
    if (functionCount === 0) throw new SnapshotFormatError('header: number_of_funcs is 0', 16);
    const headerEnd = HEADER_FIXED_SIZE + 4 * functionCount;
    if (headerEnd > v.length) {
      throw new SnapshotFormatError(`header: number_of_funcs ${functionCount} needs a ${headerEnd}-byte header but the snapshot has ${v.length} bytes`, 16);
    }
    const functionOffsets: number[] = [];
    for (let i = 0; i < functionCount; i++) functionOffsets.push(v.u32(HEADER_FIXED_SIZE + 4 * i, `header func_offsets[${i}]`));
    const firstBlock = alignUp(headerEnd, BLOCK_ALIGNMENT);
    if (literalTableOffset < firstBlock || literalTableOffset > v.length) {
      throw new SnapshotFormatError(`header: lit_table_offset ${literalTableOffset} is outside the code area [${firstBlock}, ${v.length}]`, 12);
    }
    if (literalTableOffset % BLOCK_ALIGNMENT) {
      throw new SnapshotFormatError(`header: lit_table_offset ${literalTableOffset} is not a multiple of ${BLOCK_ALIGNMENT}`, 12);
    }
    for (let i = headerEnd; i < firstBlock; i++) {
      if (v.bytes[i] !== 0) throw new SnapshotFormatError(`header: padding byte is ${v.bytes[i]}, not 0`, i);
    }

    const blockOffsets: number[] = [];
    const blockSizes: number[] = [];
    for (let at = firstBlock; at < literalTableOffset; ) {
      const units = v.u16(at, `block #${blockOffsets.length} size`);
      const size = units * BLOCK_ALIGNMENT;
      if (size < COMPILED_CODE_HEADER_SIZE) {
        throw new SnapshotFormatError(`block #${blockOffsets.length}: size field ${units} (${size} bytes) is smaller than a compiled-code header`, at);
      }
      if (at + size > literalTableOffset) {
        throw new SnapshotFormatError(`block #${blockOffsets.length}: ${size} bytes from byte ${at} run past the literal table at ${literalTableOffset}`, at);
      }
      blockOffsets.push(at);
      blockSizes.push(size);
      at += size;
    }
    const blockIndex = new Map(blockOffsets.map((o, i) => [o, i]));
    const primaries = functionOffsets.map((o, i) => {
      const index = blockIndex.get(o);
      if (index === undefined) throw new SnapshotFormatError(`header: func_offsets[${i}] = ${o} is not the start of a code block`, HEADER_FIXED_SIZE + 4 * i);
      return index;
    });

    const codeOffsets: number[] = [];
    const blocks: CodeBlock[] = blockOffsets.map((offset, i) => {
      const { block, codeOffset } = this.readBlock(i, offset, blockSizes[i], blockIndex);
      codeOffsets.push(codeOffset);
      return block;
    });
    const literalTable = this.readLiteralTable(literalTableOffset);

    return {
      snapshot: { version, globalFlags, primaries, blocks },
      layout: { size: v.length, blockOffsets, blockSizes, codeOffsets, literalTableOffset, literalTable },
    };
  }

  private readBlock(index: number, offset: number, size: number, blockIndex: Map<number, number>): { block: CodeBlock; codeOffset: number } {
    const v = this.v;
    const label = `block #${index}`;
    const refs = v.u16(offset + 2, `${label} refs`);
    const statusFlags = v.u16(offset + 4, `${label} status_flags`);
    const type = statusFlags >> FUNCTION_TYPE_SHIFT;
    const codeOffset = offset + COMPILED_CODE_HEADER_SIZE;

    if (type === TYPE_REGULAR_EXPRESSION) {
      // refs holds the pattern's byte length.
      if (COMPILED_CODE_HEADER_SIZE + refs > size) {
        throw new SnapshotFormatError(`${label} (RegExp): pattern length ${refs} does not fit in the ${size}-byte block`, offset + 2);
      }
      const patternBytes = v.slice(codeOffset, refs, `${label} pattern`);
      const pattern = decodeCesu8(patternBytes);
      if (pattern === null) throw new SnapshotFormatError(`${label} (RegExp): pattern is not valid CESU-8`, codeOffset);
      for (let i = codeOffset + refs; i < offset + size; i++) {
        if (v.bytes[i] !== 0) throw new SnapshotFormatError(`${label} (RegExp): padding byte is ${v.bytes[i]}, not 0`, i);
      }
      return { block: { kind: 'regexp', flags: statusFlags, pattern }, codeOffset };
    }

    const wide = (statusFlags & CODE_FLAG_UINT16_ARGUMENTS) !== 0;
    const headerSize = wide ? UINT16_ARGUMENTS_SIZE : UINT8_ARGUMENTS_SIZE;
    if (headerSize > size) {
      throw new SnapshotFormatError(`${label}: ${size}-byte block is smaller than its ${headerSize}-byte function header`, offset);
    }
    const field = (i: number, name: string) =>
      wide ? v.u16(offset + COMPILED_CODE_HEADER_SIZE + 2 * i, `${label} ${name}`) : v.u8(offset + COMPILED_CODE_HEADER_SIZE + i, `${label} ${name}`);
    const fn: FunctionBlock = {
      kind: 'function',
      refs,
      statusFlags,
      stackLimit: field(0, 'stack_limit'),
      argumentEnd: field(1, 'argument_end'),
      registerEnd: field(2, 'register_end'),
      identEnd: field(3, 'ident_end'),
      constLiteralEnd: field(4, 'const_literal_end'),
      literalEnd: field(5, 'literal_end'),
      headerPadding: wide ? field(6, 'padding') : 0,
      literals: [],
      code: new Uint8Array(0),
    };
    const fieldsAt = offset + COMPILED_CODE_HEADER_SIZE;
    if (!(fn.registerEnd <= fn.identEnd && fn.identEnd <= fn.constLiteralEnd && fn.constLiteralEnd <= fn.literalEnd)) {
      throw new SnapshotFormatError(
        `${label}: literal ranges are not ordered (register_end ${fn.registerEnd}, ident_end ${fn.identEnd}, const_literal_end ${fn.constLiteralEnd}, literal_end ${fn.literalEnd})`,
        fieldsAt,
      );
    }
    const slotCount = fn.literalEnd - fn.registerEnd;
    const slotsAt = offset + headerSize;

    const mapped = (statusFlags & CODE_FLAG_MAPPED_ARGUMENTS_NEEDED) !== 0;
    const hasName = type !== TYPE_CONSTRUCTOR;
    const hasExtended = (statusFlags & CODE_FLAG_HAS_EXTENDED_INFO) !== 0;
    const hasTagged = (statusFlags & CODE_FLAG_HAS_TAGGED_LITERALS) !== 0;
    const tailCount = (mapped ? fn.argumentEnd : 0) + (hasName ? 1 : 0) + (hasExtended ? 1 : 0) + (hasTagged ? 1 : 0);
    const bodyEnd = offset + size;
    const tailAt = bodyEnd - 4 * tailCount;
    const codeAt = slotsAt + 4 * slotCount;
    if (codeAt > tailAt) {
      throw new SnapshotFormatError(
        `${label}: header (${headerSize} bytes), ${slotCount} literal slots and ${tailCount} tail values need ${codeAt - offset + 4 * tailCount} bytes but the block has ${size}`,
        offset,
      );
    }

    for (let i = 0; i < slotCount; i++) {
      const at = slotsAt + 4 * i;
      const raw = v.u32(at, `${label} literal slot ${i}`);
      const literalIndex = fn.registerEnd + i;
      if (literalIndex < fn.constLiteralEnd) {
        fn.literals.push(this.value(raw, at, `${label} literal ${literalIndex}`, (value) => (fn.literals[i] = value)));
      } else {
        fn.literals.push(codeReference(raw, offset, at, `${label} literal ${literalIndex}`, blockIndex));
      }
    }

    const area = v.slice(codeAt, tailAt - codeAt, `${label} byte code`);
    const { codeLength } = decodeCodeArea(area, (statusFlags & CODE_FLAG_FULL_LITERAL_ENCODING) !== 0, { base: codeAt, label });
    fn.code = area.slice(0, codeLength);

    let at = tailAt;
    if (hasTagged) {
      fn.taggedLiterals = v.u32(at, `${label} tagged literal list`);
      at += 4;
    }
    if (hasExtended) {
      fn.extendedInfo = v.u32(at, `${label} extended info`);
      at += 4;
    }
    if (hasName) {
      fn.name = this.value(v.u32(at, `${label} function name`), at, `${label} function name`, (value) => (fn.name = value));
      at += 4;
    }
    if (mapped) {
      const names: SnapshotValue[] = [];
      for (let i = 0; i < fn.argumentEnd; i++, at += 4) {
        names.push(this.value(v.u32(at, `${label} argument name ${i}`), at, `${label} argument name ${i}`, (value) => (names[i] = value)));
      }
      fn.argumentNames = names;
    }
    return { block: fn, codeOffset: codeAt };
  }

  /** Decodes a serializable ecma_value_t; literal-table references are resolved later through `resolve`. */
  private value(raw: number, at: number, what: string, resolve: (value: SnapshotValue) => void): SnapshotValue {
    if (raw === BIGINT_ZERO_VALUE) return { kind: 'bigint', value: 0n };
    const type = raw & VALUE_TYPE_MASK;
    if (type === VALUE_TYPE_SNAPSHOT_OFFSET) {
      const tag = raw & (LITERAL_KIND_NUMBER | LITERAL_KIND_BIGINT);
      if (tag === (LITERAL_KIND_NUMBER | LITERAL_KIND_BIGINT)) {
        throw new SnapshotFormatError(`${what}: literal reference ${hex(raw, 8)} has both the number and the BigInt bit`, at);
      }
      const kind: LiteralKind = tag === LITERAL_KIND_NUMBER ? 'number' : tag === LITERAL_KIND_BIGINT ? 'bigint' : 'string';
      this.pending.push({ kind, offset: raw >>> LITERAL_OFFSET_SHIFT, at, what, resolve });
      // Placeholder until the literal table is read.
      return { kind: 'string', value: '' };
    }
    if (type !== VALUE_TYPE_DIRECT) {
      throw new SnapshotFormatError(`${what}: value ${hex(raw, 8)} is a ${VALUE_TYPE_NAMES[type]}, which a snapshot cannot hold`, at);
    }
    if (raw & DIRECT_SIMPLE_BIT) {
      const name = SIMPLE_VALUES[raw >>> DIRECT_SHIFT];
      if (name === undefined || name === 'error') {
        throw new SnapshotFormatError(`${what}: simple value ${raw >>> DIRECT_SHIFT} (${hex(raw, 8)}) is not a literal value`, at);
      }
      return { kind: 'simple', value: name as SimpleValueName };
    }
    return { kind: 'integer', value: (raw | 0) >> DIRECT_SHIFT };
  }

  private readLiteralTable(tableOffset: number): LiteralTableEntry[] {
    const v = this.v;
    const entries = new Map<number, { kind: LiteralKind; entry: LiteralTableEntry; firstUse: PendingReference }>();
    for (const ref of this.pending) {
      const at = tableOffset + ref.offset;
      const known = entries.get(ref.offset);
      if (known) {
        if (known.kind !== ref.kind) {
          throw new SnapshotFormatError(
            `${ref.what}: refers to literal-table offset ${ref.offset} as a ${ref.kind}, but ${known.firstUse.what} refers to it as a ${known.kind}`,
            ref.at,
          );
        }
        ref.resolve(known.entry.value);
        continue;
      }
      if (ref.offset % 2) throw new SnapshotFormatError(`${ref.what}: literal-table offset ${ref.offset} is odd (entries are 2-byte aligned)`, ref.at);
      if (at >= v.length) {
        throw new SnapshotFormatError(`${ref.what}: literal-table offset ${ref.offset} is past the end of the snapshot (table is ${v.length - tableOffset} bytes)`, ref.at);
      }
      const entry = this.readLiteral(ref, at);
      entries.set(ref.offset, { kind: ref.kind, entry, firstUse: ref });
      ref.resolve(entry.value);
    }
    const sorted = [...entries.values()].map((e) => e.entry).sort((a, b) => a.offset - b.offset);
    for (let i = 1; i < sorted.length; i++) {
      const prev = sorted[i - 1];
      if (prev.offset + prev.size > sorted[i].offset) {
        throw new SnapshotFormatError(`literal table: entry at offset ${sorted[i].offset} overlaps the entry at ${prev.offset} (${prev.size} bytes)`, tableOffset + sorted[i].offset);
      }
    }
    return sorted;
  }

  private readLiteral(ref: PendingReference, at: number): LiteralTableEntry {
    const v = this.v;
    const what = `literal table entry at offset ${ref.offset} (used by ${ref.what})`;
    if (ref.kind === 'number') {
      return { offset: ref.offset, size: 8, value: { kind: 'number', value: v.f64(at, what) } };
    }
    if (ref.kind === 'bigint') {
      const signAndSize = v.u32(at, what);
      if (signAndSize & 2) throw new SnapshotFormatError(`${what}: BigInt sign_and_size ${hex(signAndSize, 8)} has bit 1 set`, at);
      const size = signAndSize & ~3;
      if (size === 0) throw new SnapshotFormatError(`${what}: BigInt with no digits (zero is never stored in the table)`, at);
      const digits = v.slice(at + 4, size, `${what} (${size / 4} BigInt digits)`);
      let magnitude = 0n;
      for (let i = size - 4; i >= 0; i -= 4) {
        magnitude = (magnitude << 32n) | BigInt(digits[i] + digits[i + 1] * 0x100 + digits[i + 2] * 0x10000 + digits[i + 3] * 0x1000000);
      }
      const value = signAndSize & 1 ? -magnitude : magnitude;
      const bigint: SnapshotValue = size > minimalBigIntBytes(magnitude) ? { kind: 'bigint', value, byteLength: size } : { kind: 'bigint', value };
      return { offset: ref.offset, size: alignUp(4 + size, 2), value: bigint };
    }
    const length = v.u16(at, what);
    v.need(at, alignUp(2 + length, 2), `${what} (${length}-byte string, padded to 2)`);
    const bytes = v.slice(at + 2, length, what);
    const text = decodeCesu8(bytes);
    if (text === null) throw new SnapshotFormatError(`${what}: string is not valid CESU-8`, at + 2);
    return { offset: ref.offset, size: alignUp(2 + length, 2), value: { kind: 'string', value: text } };
  }
}

/** Bytes of the shortest digit array (32-bit digits) holding a non-zero magnitude. */
export function minimalBigIntBytes(magnitude: bigint): number {
  let bytes = 0;
  for (let m = magnitude; m > 0n; m >>= 32n) bytes += 4;
  return bytes;
}

function codeReference(raw: number, blockOffset: number, at: number, what: string, blockIndex: Map<number, number>): LiteralSlot {
  if (raw === 0) return { kind: 'self' };
  const target = blockOffset + raw;
  const index = blockIndex.get(target);
  if (index === undefined) {
    throw new SnapshotFormatError(`${what}: nested-code offset ${raw} (byte ${target}) is not the start of a code block`, at);
  }
  return { kind: 'code', block: index };
}
