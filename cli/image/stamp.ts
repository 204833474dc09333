// The build stamp: one leading comment, `/*kaluma-net:{json}*/` and a newline, so the board's
// parser skips it while reading the program straight from flash (it costs no RAM). The hash
// covers the program text after the stamp's line, so edits made after the build are detected.
// No timestamps: the same build gives the same stamp.

import { createHash } from 'node:crypto';

export interface StampFields {
  /** kaluma-net version. */
  v: string;
  /** Target id, e.g. `pico-w`. */
  target: string;
  /** Engine profile id, e.g. `kaluma-1.2`. */
  engine: string;
}

export interface StampInfo extends StampFields {
  /** First 16 hex digits of the SHA-256 of the program text after the stamp. */
  sha256: string;
}

export interface StampReading {
  info: StampInfo;
  /** The hash of the text after the stamp as it is now. */
  actualSha256: string;
  hashMatches: boolean;
}

const PREFIX = '/*kaluma-net:';
const SUFFIX = '*/';
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

export function programHash(body: string): string {
  return createHash('sha256').update(body, 'utf8').digest('hex').slice(0, 16);
}

/** Splits off an existing stamp line; `stamp` is null when the text has none. */
function splitStamp(text: string): { stamp: string | null; body: string } {
  if (!text.startsWith(PREFIX)) return { stamp: null, body: text };
  const close = text.indexOf(SUFFIX, PREFIX.length);
  if (close < 0) throw new Error('kaluma-net stamp comment is not closed');
  let bodyStart = close + SUFFIX.length;
  if (text[bodyStart] === '\n') bodyStart++;
  return { stamp: text.slice(PREFIX.length, close), body: text.slice(bodyStart) };
}

/** The program with its stamp first (an existing stamp is replaced). */
export function stampProgram(text: string, fields: StampFields): string {
  for (const [name, value] of Object.entries({ v: fields.v, target: fields.target, engine: fields.engine })) {
    if (typeof value !== 'string' || !PRINTABLE_ASCII.test(value) || value.includes(SUFFIX)) {
      throw new Error(`stamp field ${name} must be printable ASCII without "*/": ${JSON.stringify(value)}`);
    }
  }
  const { body } = splitStamp(text);
  const info: StampInfo = { v: fields.v, target: fields.target, engine: fields.engine, sha256: programHash(body) };
  return `${PREFIX}${JSON.stringify(info)}${SUFFIX}\n${body}`;
}

/** The stamp of a program text, or null if it has none; throws on a malformed stamp. */
export function readStamp(text: string): StampReading | null {
  const { stamp, body } = splitStamp(text);
  if (stamp === null) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(stamp);
  } catch {
    throw new Error('kaluma-net stamp is not valid JSON');
  }
  const record = (typeof parsed === 'object' && parsed !== null ? parsed : {}) as Record<string, unknown>;
  for (const field of ['v', 'target', 'engine', 'sha256']) {
    if (typeof record[field] !== 'string') throw new Error(`kaluma-net stamp has no string field "${field}"`);
  }
  const info: StampInfo = {
    v: record.v as string,
    target: record.target as string,
    engine: record.engine as string,
    sha256: record.sha256 as string,
  };
  const actualSha256 = programHash(body);
  return { info, actualSha256, hashMatches: actualSha256 === info.sha256 };
}
