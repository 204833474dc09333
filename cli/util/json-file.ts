import { readFileSync } from 'node:fs';
import { UserError } from './errors';

/** The JSON object in `file`; anything else is a UserError naming the file. */
export function readJsonObject(file: string): Record<string, unknown> {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new UserError(`${file}: invalid JSON: ${(e as Error).message}`);
  }
  if (!json || typeof json !== 'object' || Array.isArray(json)) throw new UserError(`${file}: must hold a JSON object`);
  return json as Record<string, unknown>;
}
