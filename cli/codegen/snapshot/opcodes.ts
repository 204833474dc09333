// The CBC opcode table of JerryScript 2.4 (snapshot format 63), from the shared project data file
// jerry-opcodes-v63.json: per opcode its name, argument kinds (cbc_flags bits) and stack change.

import table from './jerry-opcodes-v63.json';

export const ARG_LITERAL = 0x01;
export const ARG_LITERAL2 = 0x02;
export const ARG_BYTE = 0x04;
export const ARG_BRANCH = 0x08;
/** With ARG_BRANCH: the branch goes forward. With ARG_BYTE: the byte argument is also popped off the stack. */
export const ARG_FORWARD_OR_POP = 0x10;

export interface Opcode {
  /** Opcode byte (for extended opcodes the byte after the 0x00 prefix). */
  code: number;
  ext: boolean;
  name: string;
  flags: number;
  /** Stack change per the table (for ARG_BYTE|ARG_FORWARD_OR_POP opcodes the byte argument is popped too). */
  stack: number;
}

interface TableEntry {
  op: number;
  name: string;
  flags: number;
  stack: number;
}

function load(entries: TableEntry[], end: number, ext: boolean): readonly Opcode[] {
  if (entries.length !== end) throw new Error(`jerry-opcodes-v63.json: ${ext ? 'ext' : 'cbc'} table has ${entries.length} entries, expected ${end}`);
  return entries.map((e, i) => {
    if (e.op !== i) throw new Error(`jerry-opcodes-v63.json: ${ext ? 'ext' : 'cbc'} entry ${i} has op ${e.op}`);
    return { code: e.op, ext, name: e.name, flags: e.flags, stack: e.stack };
  });
}

/** Opcodes 0..CBC_END-1 (238 in format 63). */
export const CBC: readonly Opcode[] = load(table.cbc, table.CBC_END, false);
/** Extended opcodes 0..CBC_EXT_END-1 (148 in format 63). */
export const CBC_EXT: readonly Opcode[] = load(table.ext, table.CBC_EXT_END, true);

const byName = new Map<string, Opcode>([...CBC, ...CBC_EXT].map((o) => [o.name, o]));

export function opcodeByName(name: string): Opcode {
  const op = byName.get(name);
  if (!op) throw new Error(`unknown CBC opcode name ${name}`);
  return op;
}

/** Number of literal-index arguments: ARG_LITERAL → 1, both → 2, ARG_LITERAL2 alone → 3 (CBC_PUSH_THREE_LITERALS). */
export function literalArgumentCount(flags: number): number {
  const lit1 = (flags & ARG_LITERAL) !== 0;
  const lit2 = (flags & ARG_LITERAL2) !== 0;
  if (lit1 && lit2) return 2;
  if (lit2) return 3;
  return lit1 ? 1 : 0;
}

/** Opcodes that have no handler in the 2.4 VM (it aborts with jerry_fatal) or that only the loader itself may
 *  inject: none of them may appear in the byte code of a snapshot. */
export const FORBIDDEN_OPCODES: ReadonlySet<string> = new Set([
  'CBC_SET_BYTECODE_PTR',
  'CBC_BREAKPOINT_ENABLED',
  'CBC_BREAKPOINT_DISABLED',
  'CBC_EXT_NOP',
  'CBC_EXT_PUSH_SUPER',
  'CBC_EXT_GET_TAGGED_TEMPLATE_LITERAL',
]);
