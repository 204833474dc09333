// Decoding of CBC byte code: opcode (0x00 prefix = extended), then literal indices, a byte argument,
// a big-endian branch offset, or (CBC_EXT_LINE) a VLQ line number — in that order, per the opcode's flags.

import { SnapshotFormatError } from './errors';
import {
  FULL_LITERAL_ENCODING_DELTA,
  FULL_LITERAL_ENCODING_LIMIT,
  SMALL_LITERAL_ENCODING_DELTA,
  SMALL_LITERAL_ENCODING_LIMIT,
} from './format';
import { ARG_BRANCH, ARG_BYTE, ARG_FORWARD_OR_POP, CBC, CBC_EXT, literalArgumentCount, type Opcode } from './opcodes';

export interface Instruction {
  /** Offset from the start of the byte code (branch offsets are relative to this). */
  offset: number;
  length: number;
  opcode: Opcode;
  literals: number[];
  byte?: number;
  /** Branch offset as stored and the target it gives, relative to the start of the byte code. */
  branch?: { distance: number; target: number };
  /** CBC_EXT_LINE argument. */
  line?: number;
}

/** Where a code fragment sits in the file, for error messages. */
export interface CodeLocation {
  /** File offset of code[0]. */
  base: number;
  label: string;
}

const MAX_LINE_BYTES = 5;

function readLiteralIndex(code: Uint8Array, pos: number, full: boolean): [index: number, size: number] | null {
  if (pos >= code.length) return null;
  const first = code[pos];
  const limit = full ? FULL_LITERAL_ENCODING_LIMIT : SMALL_LITERAL_ENCODING_LIMIT;
  if (first < limit) return [first, 1];
  if (pos + 1 >= code.length) return null;
  const delta = full ? FULL_LITERAL_ENCODING_DELTA : SMALL_LITERAL_ENCODING_DELTA;
  return [((first << 8) | code[pos + 1]) - delta, 2];
}

function codeError(where: CodeLocation, offset: number, what: string): never {
  throw new SnapshotFormatError(`${where.label}: ${what} at code offset ${offset}`, where.base + offset);
}

export function decodeInstruction(code: Uint8Array, offset: number, full: boolean, where: CodeLocation): Instruction {
  let pos = offset;
  let opcode: Opcode | undefined;
  if (code[pos] === 0) {
    if (pos + 1 >= code.length) codeError(where, offset, 'extended opcode prefix without an opcode byte');
    opcode = CBC_EXT[code[pos + 1]];
    if (!opcode) codeError(where, offset, `unknown extended opcode ${code[pos + 1]} (the table ends at ${CBC_EXT.length - 1})`);
    pos += 2;
  } else {
    opcode = CBC[code[pos]];
    if (!opcode) codeError(where, offset, `unknown opcode ${code[pos]} (the table ends at ${CBC.length - 1})`);
    pos += 1;
  }
  const op = opcode as Opcode;
  const ins: Instruction = { offset, length: 0, opcode: op, literals: [] };

  if (op.name === 'CBC_EXT_LINE') {
    let line = 0;
    let count = 0;
    for (;;) {
      if (pos >= code.length) codeError(where, offset, `${op.name}: line number runs past the end of the byte code`);
      const b = code[pos++];
      line = line * 128 + (b & 0x7f);
      if (++count > MAX_LINE_BYTES) codeError(where, offset, `${op.name}: line number longer than ${MAX_LINE_BYTES} bytes`);
      if (!(b & 0x80)) break;
    }
    ins.line = line;
  }

  for (let i = literalArgumentCount(op.flags); i > 0; i--) {
    const lit = readLiteralIndex(code, pos, full);
    if (!lit) codeError(where, offset, `${op.name}: literal argument runs past the end of the byte code`);
    const [index, size] = lit as [number, number];
    ins.literals.push(index);
    pos += size;
  }
  if (op.flags & ARG_BYTE) {
    if (pos >= code.length) codeError(where, offset, `${op.name}: byte argument runs past the end of the byte code`);
    ins.byte = code[pos++];
  }
  if (op.flags & ARG_BRANCH) {
    const size = op.code & 3;
    if (size === 0) codeError(where, offset, `${op.name}: branch opcode without an offset length`);
    if (pos + size > code.length) codeError(where, offset, `${op.name}: branch offset runs past the end of the byte code`);
    let distance = 0;
    for (let i = 0; i < size; i++) distance = distance * 256 + code[pos++];
    const target = op.flags & ARG_FORWARD_OR_POP ? offset + distance : offset - distance;
    ins.branch = { distance, target };
  }
  ins.length = pos - offset;
  return ins;
}

/**
 * Decodes the byte code area of a function (byte code followed by zero padding up to the tail).
 * Decoding stops where only zero bytes remain: that is the padding (it would decode as CBC_EXT_NOP pairs).
 */
export function decodeCodeArea(area: Uint8Array, full: boolean, where: CodeLocation): { instructions: Instruction[]; codeLength: number } {
  let end = area.length;
  while (end > 0 && area[end - 1] === 0) end--;
  const instructions: Instruction[] = [];
  let pos = 0;
  while (pos < end) {
    const ins = decodeInstruction(area, pos, full, where);
    instructions.push(ins);
    pos += ins.length;
  }
  return { instructions, codeLength: pos };
}

/** Decodes complete byte code (as held in FunctionBlock.code). */
export function decodeCode(code: Uint8Array, full: boolean, where: CodeLocation): Instruction[] {
  const instructions: Instruction[] = [];
  for (let pos = 0; pos < code.length; ) {
    const ins = decodeInstruction(code, pos, full, where);
    instructions.push(ins);
    pos += ins.length;
  }
  return instructions;
}
