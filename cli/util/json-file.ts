import { readFileSync } from 'node:fs';
import { UserError } from './errors';
import { fsReason } from './out-dir';

/** The JSON object in `file` (a UTF-8 BOM is allowed); anything else is a UserError naming the
 *  file, and for a syntax error its line:col. */
export function readJsonObject(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new UserError(`${file}: cannot read the file (${fsReason(e)})`);
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    const { line, col } = lineCol(text, jsonErrorOffset(text));
    const reason = (e as Error).message.replace(/,? ".*" is not valid JSON$/s, '').replace(/ in JSON at position \d+.*$/s, '');
    throw new UserError(`${file}:${line}:${col}: invalid JSON: ${reason}`);
  }
  if (!json || typeof json !== 'object' || Array.isArray(json)) throw new UserError(`${file}: must hold a JSON object`);
  return json as Record<string, unknown>;
}

function lineCol(text: string, offset: number): { line: number; col: number } {
  const before = text.slice(0, offset).split('\n');
  return { line: before.length, col: before[before.length - 1].length + 1 };
}

/** Where a JSON text stops being valid JSON (V8's messages do not always say): the first error
 *  jsonc-parser finds in strict JSON mode, loaded only when there is an error to place. */
export function jsonErrorOffset(text: string): number {
  const { parse } = require('jsonc-parser') as typeof import('jsonc-parser');
  const errors: import('jsonc-parser').ParseError[] = [];
  parse(text, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
  return errors.length ? Math.min(...errors.map((e) => e.offset)) : text.length;
}
