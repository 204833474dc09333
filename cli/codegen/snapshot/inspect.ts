// `kaluma-net inspect x.snapshot`: a plain, JSON-serialisable description of a snapshot (header, every
// code block with flags, literals and a disassembly, the literal table, the verifier's findings) and its
// text rendering.

import { decodeCode, type Instruction } from './bytecode';
import { CONTAINER_HEADER_SIZE, isSnapshotContainer, readSnapshotContainer } from './container';
import {
  CODE_FLAG_FULL_LITERAL_ENCODING,
  CODE_FLAG_NAMES,
  FUNCTION_TYPES,
  FUNCTION_TYPE_SHIFT,
  GLOBAL_FLAG_NAMES,
  REGEXP_FLAGS,
  flagNames,
} from './format';
import type { FunctionBlock, LiteralSlot } from './model';
import { parseSnapshot } from './read';
import { analyzeStack } from './stack-depth';
import { valueText } from './values';
import { findSnapshotWifi } from './wifi';
import { verifySnapshot, type VerifyOptions, type VerifyResult } from './verify';

export interface InspectedLiteral {
  /** Literal index as instructions use it. */
  index: number;
  group: 'identifier' | 'constant' | 'code';
  value: string;
}

export interface InspectedInstruction {
  offset: number;
  /** Stack depth when the instruction starts (contexts included), when the analysis could run. */
  depth?: number;
  /** Encoded bytes, hex. */
  bytes: string;
  text: string;
}

/** The header fields of a function block, as read. */
type HeaderFields = 'refs' | 'statusFlags' | 'stackLimit' | 'argumentEnd' | 'registerEnd' | 'identEnd' | 'constLiteralEnd' | 'literalEnd';
const HEADER_FIELDS: HeaderFields[] = ['refs', 'statusFlags', 'stackLimit', 'argumentEnd', 'registerEnd', 'identEnd', 'constLiteralEnd', 'literalEnd'];

export interface InspectedFunction extends Pick<FunctionBlock, HeaderFields> {
  kind: 'function';
  index: number;
  offset: number;
  size: number;
  type: string;
  flags: string[];
  name: string | null;
  resourceName: string | null;
  /** Declared length (functions with default or rest parameters). */
  declaredLength: number | null;
  argumentNames: string[] | null;
  literals: InspectedLiteral[];
  codeOffset: number;
  codeSize: number;
  instructions: InspectedInstruction[];
  /** Set when the byte code could not be decoded. */
  codeError?: string;
}

export interface InspectedRegExp {
  kind: 'regexp';
  index: number;
  offset: number;
  size: number;
  pattern: string;
  flags: string;
}

export interface SnapshotInspection {
  /** Present when the input was a program-region container (CONTAINER.md); offsets below are within the snapshot. */
  container?: { version: number; snapshotOffset: number; length: number; crc: number; trailingBytes: number };
  size: number;
  version: number;
  globalFlags: number;
  globalFlagNames: string[];
  literalTableOffset: number;
  functionOffsets: number[];
  blocks: (InspectedFunction | InspectedRegExp)[];
  literalTable: { offset: number; size: number; kind: string; value: string }[];
  verification: VerifyResult;
  /** Wi-Fi credentials set in the byte code; the password itself is shown nowhere in this result. */
  wifi: { ssid: string; password: 'present' | 'absent' } | null;
}

const REDACTED = '"<Wi-Fi password>"';

const slotText = (slot: LiteralSlot) => (slot.kind === 'code' ? `block #${slot.block}` : slot.kind === 'self' ? 'self' : valueText(slot));
const toHex = (bytes: Uint8Array) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ');

function operand(fn: FunctionBlock, index: number): string {
  if (index < fn.argumentEnd) return `arg:${index}`;
  if (index < fn.registerEnd) return `reg:${index}`;
  const slot = fn.literals[index - fn.registerEnd];
  if (slot === undefined) return `lit:${index}(out of range)`;
  if (index < fn.identEnd) return `ident:${index} ${slotText(slot)}`;
  if (index < fn.constLiteralEnd) return `const:${index} ${slotText(slot)}`;
  return `code:${index} ${slotText(slot)}`;
}

export function instructionText(fn: FunctionBlock, ins: Instruction): string {
  const parts = [ins.opcode.name];
  if (ins.line !== undefined) parts.push(`line:${ins.line}`);
  for (const lit of ins.literals) parts.push(operand(fn, lit));
  if (ins.byte !== undefined) {
    if (/PUSH_NUMBER_POS_BYTE$/.test(ins.opcode.name)) parts.push(`number:${ins.byte + 1}`);
    else if (/PUSH_NUMBER_NEG_BYTE$/.test(ins.opcode.name)) parts.push(`number:${-(ins.byte + 1)}`);
    else parts.push(`byte:${ins.byte}`);
  }
  if (ins.branch) parts.push(`-> ${ins.branch.target}`);
  return parts.join(' ');
}

/** Inspects a snapshot, or the snapshot inside a program-region container (whose checks must pass). */
export function inspectSnapshot(input: Uint8Array, options: VerifyOptions = {}): SnapshotInspection {
  let bytes = input;
  let container: SnapshotInspection['container'];
  if (isSnapshotContainer(input)) {
    const c = readSnapshotContainer(input);
    bytes = c.snapshot;
    container = { version: c.version, snapshotOffset: CONTAINER_HEADER_SIZE, length: c.snapshot.length, crc: c.crc, trailingBytes: c.trailing };
  }
  const { snapshot, layout } = parseSnapshot(bytes);
  const blocks = snapshot.blocks.map((b, index): InspectedFunction | InspectedRegExp => {
    const offset = layout.blockOffsets[index];
    const size = layout.blockSizes[index];
    if (b.kind === 'regexp') {
      const flags = REGEXP_FLAGS.filter(([bit]) => b.flags & bit).map(([, f]) => f).join('');
      return { kind: 'regexp', index, offset, size, pattern: b.pattern, flags };
    }
    const constEnd = b.constLiteralEnd - b.registerEnd;
    const resource = constEnd > b.identEnd - b.registerEnd ? b.literals[constEnd - 1] : undefined;
    const fn: InspectedFunction = {
      kind: 'function',
      index,
      offset,
      size,
      type: FUNCTION_TYPES[b.statusFlags >> FUNCTION_TYPE_SHIFT] ?? `invalid(${b.statusFlags >> FUNCTION_TYPE_SHIFT})`,
      ...(Object.fromEntries(HEADER_FIELDS.map((k) => [k, b[k]])) as Pick<FunctionBlock, HeaderFields>),
      flags: flagNames(b.statusFlags, CODE_FLAG_NAMES),
      name: b.name?.kind === 'string' ? b.name.value : null,
      resourceName: resource?.kind === 'string' ? resource.value : null,
      declaredLength: b.extendedInfo ?? null,
      argumentNames: b.argumentNames ? b.argumentNames.map(valueText) : null,
      literals: b.literals.map((slot, i) => {
        const literalIndex = b.registerEnd + i;
        const group = literalIndex < b.identEnd ? 'identifier' : literalIndex < b.constLiteralEnd ? 'constant' : 'code';
        return { index: literalIndex, group, value: slotText(slot) };
      }),
      codeOffset: layout.codeOffsets[index],
      codeSize: b.code.length,
      instructions: [],
    };
    try {
      const instructions = decodeCode(b.code, (b.statusFlags & CODE_FLAG_FULL_LITERAL_ENCODING) !== 0, { base: fn.codeOffset, label: `block #${index}` });
      const { depthAt } = analyzeStack(instructions);
      fn.instructions = instructions.map((ins) => ({
        offset: ins.offset,
        depth: depthAt.get(ins.offset),
        bytes: toHex(b.code.subarray(ins.offset, ins.offset + ins.length)),
        text: instructionText(b, ins),
      }));
    } catch (e) {
      fn.codeError = (e as Error).message;
    }
    return fn;
  });
  const wifi = findSnapshotWifi(snapshot.blocks);
  const hidden = (wifi?.secrets ?? []).map((p) => JSON.stringify(p));
  const redact = (text: string) => hidden.reduce((t, secret) => t.split(secret).join(REDACTED), text);
  if (hidden.length) {
    for (const b of blocks) {
      if (b.kind !== 'function') continue;
      for (const l of b.literals) l.value = redact(l.value);
      for (const i of b.instructions) i.text = redact(i.text);
    }
  }
  return {
    ...(container ? { container } : {}),
    size: layout.size,
    version: snapshot.version,
    globalFlags: snapshot.globalFlags,
    globalFlagNames: flagNames(snapshot.globalFlags, GLOBAL_FLAG_NAMES),
    literalTableOffset: layout.literalTableOffset,
    functionOffsets: snapshot.primaries.map((p) => layout.blockOffsets[p]),
    blocks,
    literalTable: layout.literalTable.map((e) => ({ offset: e.offset, size: e.size, kind: e.value.kind, value: redact(valueText(e.value)) })),
    verification: verifySnapshot(bytes, options),
    wifi: wifi && { ssid: wifi.ssid, password: wifi.password },
  };
}

const at = (n: number) => `0x${n.toString(16)}`;

export function formatSnapshot(r: SnapshotInspection): string {
  const out: string[] = [];
  const functions = r.blocks.filter((b) => b.kind === 'function').length;
  if (r.container) {
    const c = r.container;
    out.push(`snapshot container version ${c.version}: snapshot at byte ${c.snapshotOffset}, ${c.length} bytes, CRC-32 ${at(c.crc)} ok, ${c.trailingBytes} bytes after it`);
  }
  out.push(`JerryScript snapshot, format version ${r.version}, ${r.size} bytes`);
  out.push(`global flags: ${r.globalFlagNames.join(', ') || 'none'} (${at(r.globalFlags)})`);
  out.push(`primary functions at ${r.functionOffsets.map(at).join(', ')}; ${functions} functions, ${r.blocks.length - functions} RegExps; literal table at ${at(r.literalTableOffset)} (${r.literalTable.length} entries, ${r.size - r.literalTableOffset} bytes)`);
  const v = r.verification;
  out.push(`verification: ${v.ok ? 'ok' : `${v.errors.length} error(s)`}${v.warnings.length ? `, ${v.warnings.length} warning(s)` : ''}`);
  for (const e of v.errors) out.push(`  error: ${e}`);
  for (const w of v.warnings) out.push(`  warning: ${w}`);
  out.push(r.wifi ? `Wi-Fi: SSID ${JSON.stringify(r.wifi.ssid)}, password ${r.wifi.password} (in the byte code): keep this file private` : 'Wi-Fi: no credentials');

  for (const b of r.blocks) {
    out.push('');
    if (b.kind === 'regexp') {
      out.push(`block #${b.index} at ${at(b.offset)} (${b.size} bytes): RegExp /${b.pattern}/${b.flags}`);
      continue;
    }
    const name = b.name ? ` ${JSON.stringify(b.name)}` : '';
    out.push(`block #${b.index} at ${at(b.offset)} (${b.size} bytes): ${b.type}${name}${b.flags.length ? ` [${b.flags.join(', ')}]` : ''}`);
    out.push(
      `  stack_limit ${b.stackLimit}, argument_end ${b.argumentEnd}, register_end ${b.registerEnd}, ident_end ${b.identEnd}, const_literal_end ${b.constLiteralEnd}, literal_end ${b.literalEnd}`,
    );
    const extras = [`resource ${b.resourceName === null ? '(none)' : JSON.stringify(b.resourceName)}`];
    if (b.declaredLength !== null) extras.push(`declared length ${b.declaredLength}`);
    if (b.argumentNames) extras.push(`mapped arguments ${b.argumentNames.join(', ')}`);
    if (b.refs !== 1) extras.push(`refs ${b.refs}`);
    out.push(`  ${extras.join('; ')}`);
    for (const l of b.literals) out.push(`  ${l.group.padEnd(10)} ${String(l.index).padStart(4)}  ${l.value}`);
    out.push(`  byte code: ${b.codeSize} bytes at ${at(b.codeOffset)}`);
    if (b.codeError) out.push(`  cannot decode: ${b.codeError}`);
    for (const ins of b.instructions) {
      const depth = ins.depth === undefined ? '   ' : `[${String(ins.depth).padStart(2)}]`;
      out.push(`  ${String(ins.offset).padStart(5)} ${depth} ${ins.text}`);
    }
  }
  out.push('');
  out.push(`literal table at ${at(r.literalTableOffset)}:`);
  for (const e of r.literalTable) out.push(`  +${String(e.offset).padEnd(6)} ${e.kind.padEnd(7)} ${e.value}`);
  return out.join('\n');
}
