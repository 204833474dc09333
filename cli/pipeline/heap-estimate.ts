/**
 * The JerryScript heap a board needs to parse a program: the engine compiles the whole source to
 * byte code in its heap before the first statement runs, so this is the least a program costs.
 *
 * A linear model fitted to JerryScript 2.4 built with Kaluma 1.2.1's flags (`jerry --mem-stats
 * --parse-only`) on 60 minified programs from 72 B to 82 KB: the templates and the bench app for
 * every network target, the behaviour scripts, the snapshot golden inputs, and synthetic extremes
 * (thousands of tiny functions, loop-heavy functions, one 80 KB string). Per byte of code 1.3 bytes,
 * per byte of string literal 1 (stored as it is), per function 45 (its byte-code header and literal
 * table), over a 1.4 KB engine baseline. Within 5% for real programs of 10 KB and more, within 12% for
 * the synthetic ones; test/engine/heap-estimate.test.ts re-checks that where the engine is available.
 */
const BASELINE = 1400;
const PER_CODE_BYTE = 1.3;
const PER_STRING_BYTE = 1;
const PER_FUNCTION = 45;

export interface ProgramShape {
  /** The minified program's length. */
  bytes: number;
  /** Bytes of its string and template literals. */
  stringBytes: number;
  functions: number;
}

export interface HeapEstimate {
  /** Peak heap bytes while the board parses the (minified) program (estimate). */
  parse: number;
  /** The target's JerryScript heap. */
  heapSize: number;
}

export function estimateParseHeap(p: ProgramShape, heapSize: number): HeapEstimate {
  const strings = Math.min(p.stringBytes, p.bytes);
  return { parse: Math.round(BASELINE + PER_CODE_BYTE * (p.bytes - strings) + PER_STRING_BYTE * strings + PER_FUNCTION * p.functions), heapSize };
}

/** Past this share of the heap, parsing leaves too little for the program to run comfortably. */
const CROWDED = 0.6;

export function heapWarning(e: HeapEstimate, targetId: string): string | undefined {
  const kb = (n: number) => Math.round(n / 1024);
  if (e.parse > e.heapSize) {
    return `${targetId}: parsing this program needs about ${kb(e.parse)} KB, more than the board's ${kb(e.heapSize)} KB JerryScript heap: it will very likely fail to load (out of memory)`;
  }
  if (e.parse <= CROWDED * e.heapSize) return undefined;
  return `${targetId}: parsing this program needs about ${kb(e.parse)} KB of the board's ${kb(e.heapSize)} KB JerryScript heap, leaving about ${kb(e.heapSize - e.parse)} KB for it to run`;
}

export function formatHeapLine(e: HeapEstimate): string {
  const kb = (n: number) => (n / 1024).toFixed(1);
  return `  heap: parsing needs about ${kb(e.parse)} KB of the ${kb(e.heapSize)} KB JerryScript heap (${((100 * e.parse) / e.heapSize).toFixed(0)}%; estimate)`;
}
