import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { didYouMean } from '../util/did-you-mean';
import { UserError } from '../util/errors';
import { readJsonObject } from '../util/json-file';
import { fsReason } from '../util/out-dir';
import { checkDotEnvValue } from './dotenv-check';

/** `kaluma-net.json` in a project: what `init` recorded so build/run/flash need no flags. */
export interface ProjectConfig {
  /** The file it was read from (absent when the project has none). */
  file?: string;
  target?: string;
  entry?: string;
  outdir?: string;
  formats?: string[];
  port?: string;
  /** KEY -> VALUE by the define rule (cli/pipeline/defines.ts). */
  define?: Record<string, unknown>;
  /** Driver options merged over the target's `netdev` (e.g. timeouts), for this project only. */
  netdev?: Record<string, unknown>;
}

export const CONFIG_FILE = 'kaluma-net.json';

const FIELDS = ['target', 'entry', 'outdir', 'formats', 'port', 'define', 'netdev'];

export function readProjectConfig(dir: string): ProjectConfig {
  const file = join(dir, CONFIG_FILE);
  if (!existsSync(file)) return {};
  const c = readJsonObject(file);
  for (const k of Object.keys(c)) {
    if (!FIELDS.includes(k)) throw new UserError(`${file}: unknown field "${k}"${didYouMean(k, FIELDS)}; fields: ${FIELDS.join(', ')}`);
  }
  for (const k of ['target', 'entry', 'outdir', 'port'] as const) {
    if (c[k] !== undefined && typeof c[k] !== 'string') throw new UserError(`${file}: field "${k}" must be a string`);
  }
  if (c.formats !== undefined && (!Array.isArray(c.formats) || c.formats.some((f) => typeof f !== 'string'))) {
    throw new UserError(`${file}: field "formats" must be an array of strings`);
  }
  if (c.define !== undefined && (typeof c.define !== 'object' || Array.isArray(c.define) || c.define === null)) {
    throw new UserError(`${file}: field "define" must be an object of KEY: VALUE`);
  }
  if (c.netdev !== undefined && (typeof c.netdev !== 'object' || Array.isArray(c.netdev) || c.netdev === null)) {
    throw new UserError(`${file}: field "netdev" must be an object of driver options`);
  }
  return { ...(c as ProjectConfig), file };
}

/** The variables of the project's `.env`, parsed as dotenv does; missing file -> {}. A value of one
 *  of `keys` that was most likely written wrong (unbalanced quote, a '#' glued to it) is an error
 *  naming the file and the key, not a silently wrong password on the board. */
export function readDotEnv(dir: string, keys: readonly string[] = []): Record<string, string> {
  const file = join(dir, '.env');
  if (!existsSync(file)) return {};
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new UserError(`${file}: cannot read the file (${fsReason(e)})`);
  }
  const { parse } = require('dotenv') as typeof import('dotenv');
  const values = parse(text);
  for (const key of keys) checkDotEnvValue(text, key, values[key], file);
  return values;
}
