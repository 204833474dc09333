// JerryScript 2.4 snapshots (format 63) for Kaluma 1.2: read, write, verify, inspect, generate, contain.

export type { CodeBlock, CodeReference, FunctionBlock, LiteralSlot, LiteralTableEntry, RegExpBlock, Snapshot, SnapshotLayout, SnapshotValue } from './model';
export { SnapshotFormatError } from './errors';
export { parseSnapshot, readSnapshot, type ParsedSnapshot } from './read';
export { writeSnapshot } from './write';
export { decodeCode, decodeInstruction, type Instruction } from './bytecode';
export { analyzeStack, type StackAnalysis } from './stack-depth';
export { assertValidSnapshot, verifySnapshot, type VerifyOptions, type VerifyResult } from './verify';
export { formatSnapshot, inspectSnapshot, type InspectedFunction, type InspectedInstruction, type InspectedRegExp, type SnapshotInspection } from './inspect';
export { findSnapshotHazards, type SourceHazard } from './source-hazards';
export { MISSING_TOOL_MESSAGE, SNAPSHOT_TOOL_ENV, generateSnapshot, type GenerateSnapshotOptions } from './generate';
export {
  CONTAINER_HEADER_SIZE,
  CONTAINER_MAGIC,
  crc32,
  isSnapshotContainer,
  readSnapshotContainer,
  snapshotContainer,
  type SnapshotContainer,
} from './container';
