// Constants of the JerryScript 2.4 snapshot format (version 63) as the Kaluma fork builds it.
// See /work/shared/docs/jerryscript-snapshot.md (§3) for the byte-level description.

export const SNAPSHOT_MAGIC = 0x5952524a; // "JRRY"
export const SNAPSHOT_VERSION = 63;
/** Snapshot header without func_offsets: magic, version, global_flags, lit_table_offset, number_of_funcs. */
export const HEADER_FIXED_SIZE = 20;
/** JMEM_ALIGNMENT: every code block starts and ends on it, and so does the literal table. */
export const BLOCK_ALIGNMENT = 8;
/** Literal table entries are padded to this. */
export const LITERAL_ALIGNMENT = 2;

export const GLOBAL_FLAG_REGEX_LITERAL = 0x1;
export const GLOBAL_FLAG_REALM_VALUE = 0x2;
export const GLOBAL_FLAG_CLASS_LITERAL = 0x4;
export const GLOBAL_FLAG_FOUR_BYTE_CPOINTER = 0x100;
export const GLOBAL_FLAG_NAMES: Record<number, string> = {
  [GLOBAL_FLAG_REGEX_LITERAL]: 'regex_literal',
  [GLOBAL_FLAG_REALM_VALUE]: 'realm_value',
  [GLOBAL_FLAG_CLASS_LITERAL]: 'class_literal',
  [GLOBAL_FLAG_FOUR_BYTE_CPOINTER]: 'four_byte_cpointer',
};

/** ecma_compiled_code_t: u16 size (in 8-byte units), u16 refs, u16 status_flags. */
export const COMPILED_CODE_HEADER_SIZE = 6;
/** cbc_uint8_arguments_t (realms off). */
export const UINT8_ARGUMENTS_SIZE = 12;
/** cbc_uint16_arguments_t (realms off). */
export const UINT16_ARGUMENTS_SIZE = 20;

export const CODE_FLAG_FULL_LITERAL_ENCODING = 0x1;
export const CODE_FLAG_UINT16_ARGUMENTS = 0x2;
export const CODE_FLAG_STRICT_MODE = 0x4;
export const CODE_FLAG_MAPPED_ARGUMENTS_NEEDED = 0x8;
export const CODE_FLAG_LEXICAL_ENV_NOT_NEEDED = 0x10;
export const CODE_FLAG_HAS_EXTENDED_INFO = 0x20;
export const CODE_FLAG_HAS_TAGGED_LITERALS = 0x40;
export const CODE_FLAG_STATIC_FUNCTION = 0x80;
export const CODE_FLAG_DEBUGGER_IGNORE = 0x100;
export const CODE_FLAG_LEXICAL_BLOCK_NEEDED = 0x200;
/** Bits 10 and 11 are unused by 2.4. */
export const CODE_FLAG_RESERVED = 0xc00;
export const CODE_FLAG_NAMES: Record<number, string> = {
  [CODE_FLAG_FULL_LITERAL_ENCODING]: 'full_literal_encoding',
  [CODE_FLAG_UINT16_ARGUMENTS]: 'uint16_arguments',
  [CODE_FLAG_STRICT_MODE]: 'strict_mode',
  [CODE_FLAG_MAPPED_ARGUMENTS_NEEDED]: 'mapped_arguments_needed',
  [CODE_FLAG_LEXICAL_ENV_NOT_NEEDED]: 'lexical_env_not_needed',
  [CODE_FLAG_HAS_EXTENDED_INFO]: 'has_extended_info',
  [CODE_FLAG_HAS_TAGGED_LITERALS]: 'has_tagged_literals',
  [CODE_FLAG_STATIC_FUNCTION]: 'static_function',
  [CODE_FLAG_DEBUGGER_IGNORE]: 'debugger_ignore',
  [CODE_FLAG_LEXICAL_BLOCK_NEEDED]: 'lexical_block_needed',
};
export const FUNCTION_TYPE_SHIFT = 12;

export const FUNCTION_TYPES = [
  'regular_expression',
  'normal',
  'constructor',
  'script',
  'generator',
  'async',
  'async_generator',
  'accessor',
  'method',
  'arrow',
  'async_arrow',
] as const;
export const TYPE_REGULAR_EXPRESSION = 0;
export const TYPE_CONSTRUCTOR = 2;
export const TYPE_SCRIPT = 3;

/** RegExp flags kept in the status_flags of a RegExp block (RE_FLAG_*). */
export const REGEXP_FLAGS: readonly [number, string][] = [
  [0x02, 'g'],
  [0x04, 'i'],
  [0x08, 'm'],
  [0x10, 'y'],
  [0x20, 'u'],
  [0x40, 's'],
];

/** Parser limits that decide the header form and the literal encoding. */
export const MAXIMUM_BYTE_VALUE = 255;
export const MAXIMUM_SMALL_LITERAL_VALUE = 510;
export const SMALL_LITERAL_ENCODING_LIMIT = 255;
export const SMALL_LITERAL_ENCODING_DELTA = 0xfe01;
export const FULL_LITERAL_ENCODING_LIMIT = 128;
export const FULL_LITERAL_ENCODING_DELTA = 0x8000;

/** ecma_value_t encodings that can appear in literal slots and tails. */
export const VALUE_TYPE_MASK = 0x7;
export const VALUE_TYPE_DIRECT = 0;
export const VALUE_TYPE_SNAPSHOT_OFFSET = 7;
export const DIRECT_SIMPLE_BIT = 0x8;
export const DIRECT_SHIFT = 4;
/** Float64 build: direct integers are 28-bit signed. */
export const INTEGER_MIN = -0x8000000;
export const INTEGER_MAX = 0x7ffffff;
export const LITERAL_OFFSET_SHIFT = 5;
export const LITERAL_KIND_NUMBER = 0x08;
export const LITERAL_KIND_BIGINT = 0x10;
export const SIMPLE_VALUES = ['empty', 'error', 'false', 'true', 'undefined', 'null'] as const;
export type SimpleValueName = 'empty' | 'false' | 'true' | 'undefined' | 'null';
/** Longest string the literal table can hold (u16 length). */
export const MAXIMUM_STRING_BYTES = 0xffff;

export const alignUp = (n: number, alignment: number): number => Math.ceil(n / alignment) * alignment;

export function flagNames(flags: number, names: Record<number, string>): string[] {
  const out: string[] = [];
  for (const [bit, name] of Object.entries(names)) if (flags & Number(bit)) out.push(name);
  return out;
}
