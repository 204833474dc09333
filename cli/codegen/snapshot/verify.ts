// Checks a snapshot for what Kaluma's loader does not: its loader looks at the magic, version, global
// flags and lit_table_offset only, then trusts every other byte (a bad literal index or stack limit is
// memory corruption on the board, not an exception).

import { decodeCode, type Instruction } from './bytecode';
import { SnapshotFormatError } from './errors';
import {
  CODE_FLAG_DEBUGGER_IGNORE,
  CODE_FLAG_FULL_LITERAL_ENCODING,
  CODE_FLAG_HAS_TAGGED_LITERALS,
  CODE_FLAG_RESERVED,
  CODE_FLAG_STATIC_FUNCTION,
  CODE_FLAG_UINT16_ARGUMENTS,
  FUNCTION_TYPES,
  FUNCTION_TYPE_SHIFT,
  GLOBAL_FLAG_CLASS_LITERAL,
  GLOBAL_FLAG_FOUR_BYTE_CPOINTER,
  GLOBAL_FLAG_REALM_VALUE,
  GLOBAL_FLAG_REGEX_LITERAL,
  MAXIMUM_BYTE_VALUE,
  MAXIMUM_SMALL_LITERAL_VALUE,
  REGEXP_FLAGS,
  TYPE_CONSTRUCTOR,
  TYPE_SCRIPT,
} from './format';
import type { FunctionBlock, Snapshot, SnapshotLayout, SnapshotValue } from './model';
import { FORBIDDEN_OPCODES } from './opcodes';
import { parseSnapshot } from './read';
import { analyzeStack, endsFlow } from './stack-depth';
import { valueText } from './values';
import { writeSnapshot } from './write';

export interface VerifyOptions {
  /** The resource name the generator was given; every function's last constant must be this string. */
  resourceName?: string;
}

export interface VerifyResult {
  ok: boolean;
  /** Problems that make the snapshot unsafe or unloadable on Kaluma 1.2 (each one line). */
  errors: string[];
  /** Oddities the engine tolerates (non-canonical layout, line info, ...). */
  warnings: string[];
}

const describeValue = (v: SnapshotValue) => (v.kind === 'string' ? valueText(v) : `${v.kind} ${valueText(v)}`);
const KNOWN_GLOBAL_FLAGS = GLOBAL_FLAG_REGEX_LITERAL | GLOBAL_FLAG_REALM_VALUE | GLOBAL_FLAG_CLASS_LITERAL | GLOBAL_FLAG_FOUR_BYTE_CPOINTER;
/** Byte-code errors listed per function; the rest are counted. */
const MAX_CODE_ERRORS = 10;
const REGEXP_FLAG_MASK = REGEXP_FLAGS.reduce((m, [bit]) => m | bit, 0);

export function verifySnapshot(bytes: Uint8Array, options: VerifyOptions = {}): VerifyResult {
  const errors: string[] = [];
  const warnings: string[] = [];
  try {
    const { snapshot, layout } = parseSnapshot(bytes);
    new Verifier(snapshot, layout, options, errors, warnings).run();
    if (!errors.length) checkCanonical(bytes, snapshot, warnings);
  } catch (e) {
    if (e instanceof SnapshotFormatError) errors.push(e.message);
    else errors.push(`verifier could not analyse the snapshot: ${(e as Error).message}`);
  }
  return { ok: errors.length === 0, errors, warnings };
}

/** Throws a SnapshotFormatError listing the errors when the snapshot does not verify. */
export function assertValidSnapshot(bytes: Uint8Array, options: VerifyOptions = {}): VerifyResult {
  const result = verifySnapshot(bytes, options);
  if (!result.ok) {
    const shown = result.errors.slice(0, 5).join('; ');
    const more = result.errors.length > 5 ? `; and ${result.errors.length - 5} more` : '';
    throw new SnapshotFormatError(`invalid snapshot: ${shown}${more}`);
  }
  return result;
}

function checkCanonical(bytes: Uint8Array, snapshot: Snapshot, warnings: string[]): void {
  const again = writeSnapshot(snapshot);
  let i = 0;
  while (i < bytes.length && i < again.length && bytes[i] === again[i]) i++;
  if (i < bytes.length || i < again.length) {
    warnings.push(`layout is not the one the engine's generator writes (re-encoding differs from byte ${i}): padding, literal-table order or duplicate entries`);
  }
}

class Verifier {
  private lineInfoFunctions = 0;

  constructor(
    private readonly s: Snapshot,
    private readonly layout: SnapshotLayout,
    private readonly options: VerifyOptions,
    private readonly errors: string[],
    private readonly warnings: string[],
  ) {}

  private label(index: number): string {
    const b = this.s.blocks[index];
    if (b.kind === 'regexp') return `block #${index} (RegExp /${b.pattern}/)`;
    const type = FUNCTION_TYPES[b.statusFlags >> FUNCTION_TYPE_SHIFT] ?? 'invalid type';
    const name = b.name?.kind === 'string' && b.name.value ? ` ${JSON.stringify(b.name.value)}` : '';
    return `block #${index} (${type}${name})`;
  }

  run(): void {
    this.checkGlobal();
    this.checkTree();
    let resourceName: string | undefined;
    this.s.blocks.forEach((b, i) => {
      if (b.kind === 'regexp') {
        this.checkRegExp(i, b.flags);
        return;
      }
      const name = this.checkFunction(i, b);
      if (name === undefined) return;
      const expected = this.options.resourceName ?? resourceName;
      if (expected !== undefined && name !== expected) {
        this.errors.push(`${this.label(i)}: resource name (last constant) is ${JSON.stringify(name)}, expected ${JSON.stringify(expected)}`);
      }
      resourceName ??= name;
    });
    if (this.lineInfoFunctions) {
      this.warnings.push(
        `${this.lineInfoFunctions} function(s) have line info (CBC_EXT_LINE): only an engine built with line info can run them (Kaluma 1.2.1 is; a host jerry without it aborts)`,
      );
    }
    this.checkLiteralTable();
  }

  private checkGlobal(): void {
    const flags = this.s.globalFlags;
    if (flags & ~KNOWN_GLOBAL_FLAGS) this.errors.push(`header: unknown global_flags bits 0x${(flags & ~KNOWN_GLOBAL_FLAGS).toString(16)}`);
    if (flags & GLOBAL_FLAG_REALM_VALUE) {
      this.errors.push('header: realm flag set: the generator was built with realms (upstream JerryScript 2.4.0); Kaluma\'s engine has no realms and rejects it');
    }
    if (flags & GLOBAL_FLAG_FOUR_BYTE_CPOINTER) this.errors.push('header: four_byte_cpointer flag set; no 2.4 engine accepts it');
    const hasRegExp = this.s.blocks.some((b) => b.kind === 'regexp');
    const hasClass = this.s.blocks.some((b) => b.kind === 'function' && b.statusFlags >> FUNCTION_TYPE_SHIFT === TYPE_CONSTRUCTOR);
    if (!!(flags & GLOBAL_FLAG_REGEX_LITERAL) !== hasRegExp) {
      this.errors.push(`header: regex_literal flag is ${flags & GLOBAL_FLAG_REGEX_LITERAL ? 'set' : 'clear'} but the snapshot has ${hasRegExp ? 'a' : 'no'} RegExp literal`);
    }
    if (!!(flags & GLOBAL_FLAG_CLASS_LITERAL) !== hasClass) {
      this.errors.push(`header: class_literal flag is ${flags & GLOBAL_FLAG_CLASS_LITERAL ? 'set' : 'clear'} but the snapshot has ${hasClass ? 'a' : 'no'} class constructor`);
    }
    if (this.s.primaries.length > 1) {
      this.warnings.push(`header: ${this.s.primaries.length} primary functions (a merged snapshot); Kaluma's loader would run function 0 only`);
    }
    this.s.primaries.forEach((p, i) => {
      const b = this.s.blocks[p];
      if (b.kind !== 'function' || b.statusFlags >> FUNCTION_TYPE_SHIFT !== TYPE_SCRIPT) {
        this.errors.push(`header: func_offsets[${i}] points to ${this.label(p)}, not to a script function`);
      }
    });
  }

  /** Every non-primary block is nested in exactly one function; primaries in none. */
  private checkTree(): void {
    const referencedBy = new Map<number, number[]>();
    this.s.blocks.forEach((b, i) => {
      if (b.kind !== 'function') return;
      for (const slot of b.literals) {
        if (slot.kind === 'code') referencedBy.set(slot.block, [...(referencedBy.get(slot.block) ?? []), i]);
      }
    });
    const primaries = new Set(this.s.primaries);
    this.s.blocks.forEach((_, i) => {
      const refs = referencedBy.get(i) ?? [];
      if (primaries.has(i)) {
        if (refs.length) this.errors.push(`${this.label(i)}: primary function is also nested in block #${refs[0]}`);
      } else if (refs.length === 0) {
        this.errors.push(`${this.label(i)}: not referenced by any function (dead bytes at ${this.layout.blockOffsets[i]})`);
      } else if (refs.length > 1) {
        this.errors.push(`${this.label(i)}: nested in ${refs.length} places (blocks #${refs.join(', #')}); the loader would load it more than once`);
      }
    });
  }

  private checkRegExp(index: number, flags: number): void {
    if (flags & ~REGEXP_FLAG_MASK) this.errors.push(`${this.label(index)}: unknown RegExp flag bits 0x${(flags & ~REGEXP_FLAG_MASK).toString(16)}`);
  }

  /** Returns the resource name (last constant) when it is a string. */
  private checkFunction(index: number, fn: FunctionBlock): string | undefined {
    const label = this.label(index);
    const err = (msg: string) => this.errors.push(`${label}: ${msg}`);
    const type = fn.statusFlags >> FUNCTION_TYPE_SHIFT;
    if (fn.refs !== 1) err(`refs is ${fn.refs}; the loader requires 1 (it becomes the function's reference count)`);
    if (type >= FUNCTION_TYPES.length) err(`function type ${type} does not exist in JerryScript 2.4`);
    if (type === TYPE_SCRIPT && !this.s.primaries.includes(index)) err('a nested function has the script type');
    if (fn.statusFlags & CODE_FLAG_RESERVED) err(`reserved status flag bits 0x${(fn.statusFlags & CODE_FLAG_RESERVED).toString(16)} set`);
    if (fn.statusFlags & CODE_FLAG_HAS_TAGGED_LITERALS) err('has a tagged template literal list (a heap pointer that cannot be saved in a snapshot)');
    if (fn.statusFlags & CODE_FLAG_STATIC_FUNCTION) err('is a static-snapshot function; Kaluma executes snapshots without JERRY_SNAPSHOT_EXEC_ALLOW_STATIC');
    if (fn.statusFlags & CODE_FLAG_DEBUGGER_IGNORE) this.warnings.push(`${label}: debugger_ignore flag set (only an engine with the debugger sets it)`);

    const wide = (fn.statusFlags & CODE_FLAG_UINT16_ARGUMENTS) !== 0;
    const needsWide = Math.max(fn.stackLimit, fn.registerEnd, fn.literalEnd) > MAXIMUM_BYTE_VALUE;
    if (wide && !needsWide) this.warnings.push(`${label}: 16-bit argument header although all values fit in 8 bits`);
    if (wide && fn.headerPadding !== 0) this.warnings.push(`${label}: header padding field is ${fn.headerPadding}, not 0`);
    const full = (fn.statusFlags & CODE_FLAG_FULL_LITERAL_ENCODING) !== 0;
    if (full !== fn.literalEnd > MAXIMUM_SMALL_LITERAL_VALUE) {
      err(`full_literal_encoding flag is ${full ? 'set' : 'clear'} with literal_end ${fn.literalEnd} (the engine uses it exactly when literal_end > ${MAXIMUM_SMALL_LITERAL_VALUE})`);
    }
    if (fn.argumentEnd > fn.registerEnd) err(`argument_end ${fn.argumentEnd} exceeds register_end ${fn.registerEnd}: the VM copies arguments into registers`);

    const identCount = fn.identEnd - fn.registerEnd;
    const constEnd = fn.constLiteralEnd - fn.registerEnd;
    fn.literals.forEach((slot, i) => {
      if (i < identCount && slot.kind !== 'string') err(`literal ${fn.registerEnd + i} is an identifier slot but holds ${slot.kind === 'code' || slot.kind === 'self' ? 'nested code' : describeValue(slot)}`);
    });
    if (fn.name && fn.name.kind !== 'string') err(`function name is ${describeValue(fn.name)}, not a string`);
    fn.argumentNames?.forEach((n, i) => {
      if (n.kind !== 'string' && !(n.kind === 'simple' && n.value === 'empty')) err(`argument name ${i} is ${describeValue(n)}`);
    });
    if (fn.extendedInfo !== undefined && fn.extendedInfo > 0xffff) err(`extended info (declared length) ${fn.extendedInfo} is larger than 65535`);

    this.checkCode(index, fn, label);

    if (constEnd - identCount < 1) {
      err('has no constant slot for the resource name (Kaluma reads the last constant as the resource name)');
      return undefined;
    }
    const last = fn.literals[constEnd - 1];
    if (last.kind !== 'string') {
      err(`last constant (literal ${fn.constLiteralEnd - 1}) is ${last.kind === 'code' || last.kind === 'self' ? 'nested code' : describeValue(last)}, but Kaluma reads it as the resource name, which must be a string`);
      return undefined;
    }
    return last.value;
  }

  private checkCode(index: number, fn: FunctionBlock, label: string): void {
    let reported = 0;
    const err = (msg: string) => {
      reported++;
      if (reported <= MAX_CODE_ERRORS) this.errors.push(`${label}: ${msg}`);
    };
    this.checkInstructions(index, fn, label, err);
    if (reported > MAX_CODE_ERRORS) this.errors.push(`${label}: and ${reported - MAX_CODE_ERRORS} more byte-code errors`);
  }

  private checkInstructions(index: number, fn: FunctionBlock, label: string, err: (msg: string) => void): void {
    const base = this.layout.codeOffsets[index];
    let instructions: Instruction[];
    try {
      instructions = decodeCode(fn.code, (fn.statusFlags & CODE_FLAG_FULL_LITERAL_ENCODING) !== 0, { base, label });
    } catch (e) {
      if (!(e instanceof SnapshotFormatError)) throw e;
      err(e.message.slice(label.length + 2));
      return;
    }
    if (!instructions.length) {
      err('has no byte code');
      return;
    }
    const starts = new Set(instructions.map((i) => i.offset));
    let targetsOk = true;
    let lineInfo = false;
    for (const ins of instructions) {
      const at = `${ins.opcode.name} at code offset ${ins.offset} (byte ${base + ins.offset})`;
      if (FORBIDDEN_OPCODES.has(ins.opcode.name)) err(`${at}: opcode is not allowed in a snapshot (the 2.4 VM has no handler for it or only the loader may insert it)`);
      if (ins.line !== undefined) lineInfo = true;
      for (const lit of ins.literals) {
        if (lit >= fn.literalEnd) err(`${at}: literal index ${lit} is out of range (literal_end ${fn.literalEnd})`);
      }
      if (ins.branch && !starts.has(ins.branch.target)) {
        targetsOk = false;
        err(`${at}: branch target ${ins.branch.target} is not the start of an instruction (byte code is ${fn.code.length} bytes)`);
      }
    }
    if (lineInfo) this.lineInfoFunctions++;
    const last = instructions[instructions.length - 1];
    if (!endsFlow(last.opcode.name)) err(`byte code ends with ${last.opcode.name}, which falls through past the end of the function`);
    if (!targetsOk) return;

    const stack = analyzeStack(instructions);
    for (const p of stack.problems.slice(0, 5)) err(`stack at code offset ${p.offset} (byte ${base + p.offset}): ${p.message}`);
    if (stack.maxDepth > fn.stackLimit) {
      err(`needs ${stack.maxDepth} stack slots but declares stack_limit ${fn.stackLimit}: the VM would write past its frame`);
    }
  }


  private checkLiteralTable(): void {
    const { literalTable, literalTableOffset, size } = this.layout;
    const used = literalTable.reduce((n, e) => n + e.size, 0);
    const tableSize = size - literalTableOffset;
    if (used < tableSize) this.warnings.push(`literal table: ${tableSize - used} of its ${tableSize} bytes are not referenced by any literal`);
    const seen = new Map<string, number>();
    for (const e of literalTable) {
      const key = `${e.value.kind}:${String(e.value.value)}:${e.value.kind === 'bigint' ? (e.value.byteLength ?? 0) : ''}`;
      if (seen.has(key)) this.warnings.push(`literal table: ${describeValue(e.value)} is stored twice (offsets ${seen.get(key)} and ${e.offset})`);
      else seen.set(key, e.offset);
    }
  }
}
