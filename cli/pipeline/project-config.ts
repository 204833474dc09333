import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../util/errors';
import { readJsonObject } from '../util/json-file';

/** `kaluma-net.json` in a project: what `init` recorded so build/run/flash need no flags. */
export interface ProjectConfig {
  target?: string;
  entry?: string;
  outdir?: string;
  formats?: string[];
  port?: string;
  define?: Record<string, string>;
  /** Driver options merged over the target's `netdev` (e.g. timeouts), for this project only. */
  netdev?: Record<string, unknown>;
}

export const CONFIG_FILE = 'kaluma-net.json';

export function readProjectConfig(dir: string): ProjectConfig {
  const file = join(dir, CONFIG_FILE);
  if (!existsSync(file)) return {};
  const c = readJsonObject(file);
  for (const k of ['target', 'entry', 'outdir', 'port'] as const) {
    if (c[k] !== undefined && typeof c[k] !== 'string') throw new UserError(`${file}: field "${k}" must be a string`);
  }
  if (c.formats !== undefined && (!Array.isArray(c.formats) || c.formats.some((f) => typeof f !== 'string'))) {
    throw new UserError(`${file}: field "formats" must be an array of strings`);
  }
  if (c.define !== undefined && (typeof c.define !== 'object' || Array.isArray(c.define))) {
    throw new UserError(`${file}: field "define" must be an object of KEY: "expression"`);
  }
  if (c.netdev !== undefined && (typeof c.netdev !== 'object' || Array.isArray(c.netdev) || c.netdev === null)) {
    throw new UserError(`${file}: field "netdev" must be an object of driver options`);
  }
  if (c.netdev && 'driver' in (c.netdev as object)) throw new UserError(`${file}: field "netdev.driver" cannot be changed; pick another target`);
  return c as ProjectConfig;
}

/** KEY=VALUE lines of a `.env` file (no expansion); missing file → {}. */
export function readDotEnv(dir: string): Record<string, string> {
  const file = join(dir, '.env');
  if (!existsSync(file)) return {};
  const out: Record<string, string> = {};
  for (const raw of readFileSync(file, 'utf8').split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line);
    if (!m) continue;
    let v = m[2];
    if (/^(["']).*\1$/.test(v)) v = v.slice(1, -1);
    out[m[1]] = v;
  }
  return out;
}
