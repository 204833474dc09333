// In-memory form of a v63 snapshot: what readSnapshot produces and writeSnapshot consumes.
// Literal-table references are resolved to values; the table itself is derived when writing.

import type { SimpleValueName } from './format';

/** A value stored in a literal slot or a function tail. */
export type SnapshotValue =
  | { kind: 'string'; value: string }
  | { kind: 'number'; value: number }
  /** byteLength: magnitude bytes as stored when more than the minimum (the engine keeps e.g. 2n as two digits
   *  after some constant folding, and such literals are distinct table entries). */
  | { kind: 'bigint'; value: bigint; byteLength?: number }
  /** A direct small integer (28-bit signed), not in the literal table. */
  | { kind: 'integer'; value: number }
  | { kind: 'simple'; value: SimpleValueName };

/** A nested-code slot: a later block (its index in Snapshot.blocks) or the function itself. */
export type CodeReference = { kind: 'code'; block: number } | { kind: 'self' };

export type LiteralSlot = SnapshotValue | CodeReference;

export interface FunctionBlock {
  kind: 'function';
  /** Reference count field; the saver writes 1 and the loader relies on it. */
  refs: number;
  statusFlags: number;
  stackLimit: number;
  argumentEnd: number;
  registerEnd: number;
  identEnd: number;
  constLiteralEnd: number;
  literalEnd: number;
  /** The unused u16 of cbc_uint16_arguments_t (0 when written by the engine). */
  headerPadding: number;
  /** literalEnd - registerEnd slots: identifiers, constants (last: resource name), nested code. */
  literals: LiteralSlot[];
  /** The CBC byte code, without the zero padding up to the tail. */
  code: Uint8Array;
  /** Tail, present iff CODE_FLAG_HAS_TAGGED_LITERALS: a heap pointer (never valid in a snapshot). */
  taggedLiterals?: number;
  /** Tail, present iff CODE_FLAG_HAS_EXTENDED_INFO: the function's declared length. */
  extendedInfo?: number;
  /** Tail, present iff the function type is not constructor: the function name ("" when anonymous). */
  name?: SnapshotValue;
  /** Tail, present iff CODE_FLAG_MAPPED_ARGUMENTS_NEEDED: argumentEnd argument names. */
  argumentNames?: SnapshotValue[];
}

export interface RegExpBlock {
  kind: 'regexp';
  /** RE_FLAG_* bits (g 0x2, i 0x4, m 0x8, y 0x10, u 0x20, s 0x40); type bits are 0. */
  flags: number;
  pattern: string;
}

export type CodeBlock = FunctionBlock | RegExpBlock;

export interface Snapshot {
  version: number;
  globalFlags: number;
  /** Block index of each primary function (header func_offsets). */
  primaries: number[];
  /** Code blocks in file order. */
  blocks: CodeBlock[];
}

/** Where things were found when reading (for messages and the inspector). */
export interface SnapshotLayout {
  size: number;
  blockOffsets: number[];
  blockSizes: number[];
  /** File offset of each function's byte code (and of each RegExp's pattern). */
  codeOffsets: number[];
  literalTableOffset: number;
  literalTable: LiteralTableEntry[];
}

export interface LiteralTableEntry {
  /** Offset relative to the literal table. */
  offset: number;
  /** Bytes the entry occupies, padding included. */
  size: number;
  value: SnapshotValue;
}
