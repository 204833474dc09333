// One rule for `-D KEY=VALUE` and `"define": {"KEY": VALUE}` in kaluma-net.json (README, "Defines").
// A define replaces a global name with a constant: the VALUE text is
//   - a number in any JavaScript spelling (16, -1.5, 0x10, 0o17, 0b101, 1e3, 1_000; not 007): that number;
//   - true, false, null or undefined: that constant;
//   - a quoted string ("..." as in JSON, or '...'): the string between the quotes;
//   - anything else, identifiers included (-D MODE=debug): the text itself, as a string.
// In kaluma-net.json a JSON number, boolean or null stands for itself.

import { UserError } from '../util/errors';

const KEY = /^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)*$/;
const NUMBER = /^[+-]?(0[xX][0-9a-fA-F](_?[0-9a-fA-F])*|0[oO][0-7](_?[0-7])*|0[bB][01](_?[01])*|(\d(_?\d)*)?\.?\d(_?\d)*([eE][+-]?\d(_?\d)*)?)$/;

/** The esbuild `define` expression for one VALUE; `where` names it in errors (e.g. `--define X`). */
export function defineExpression(value: unknown, where: string): string {
  if (value === null || typeof value === 'boolean') return String(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new UserError(`${where}: ${value} is not a finite number`);
    return JSON.stringify(value);
  }
  if (typeof value !== 'string') throw new UserError(`${where}: must be a string, number, boolean or null`);
  const v = value.trim();
  if (v === 'true' || v === 'false' || v === 'null' || v === 'undefined') return v;
  // Leading zeros (007, a ZIP code) keep the text: JavaScript would read them as octal or reject them.
  if (NUMBER.test(v) && /\d/.test(v) && !/^[+-]?0\d/.test(v)) {
    const sign = v[0] === '-' ? -1 : 1;
    const n = sign * Number(v.replace(/^[+-]/, '').replace(/_/g, ''));
    if (!Number.isFinite(n)) throw new UserError(`${where}: ${v} is not a finite number`);
    return JSON.stringify(n);
  }
  const q = v[0];
  if (q === '"' || q === "'") {
    if (v.length < 2 || v[v.length - 1] !== q) throw new UserError(`${where}: ${value}: unbalanced ${q} quote (quote the whole value, or none of it)`);
    const inner = v.slice(1, -1);
    let text: string;
    try {
      text = JSON.parse(q === '"' ? v : `"${inner.replace(/\\'/g, "'").replace(/"/g, '\\"')}"`);
    } catch {
      throw new UserError(`${where}: ${value}: not a valid quoted string (escapes as in JSON)`);
    }
    return JSON.stringify(text);
  }
  return JSON.stringify(value);
}

const RESERVED = new Set(
  ('break case catch class const continue debugger default delete do else enum export extends false finally for function if import in ' +
    'instanceof let new null return static super switch throw true try typeof var void while with yield await implements interface package private protected public').split(' '),
);

/** Checks a define KEY: a global name or a dotted path such as process.env.MODE. */
export function checkDefineKey(key: string, where: string): void {
  if (!KEY.test(key)) throw new UserError(`${where}: "${key}" is not a name to replace (expected an identifier or a dotted path like process.env.MODE)`);
  const first = key.split('.')[0];
  if (RESERVED.has(first)) throw new UserError(`${where}: "${first}" is a reserved word, not a name to replace`);
}

/** `-D KEY=VALUE` texts (from the command line) as KEY -> VALUE text; the values keep the rule above. */
export function parseDefineArgs(list: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const d of list) {
    const eq = d.indexOf('=');
    if (eq < 0) throw new UserError(`--define ${d}: expected KEY=VALUE`);
    const key = d.slice(0, eq).trim();
    checkDefineKey(key, `--define ${d}`);
    out[key] = d.slice(eq + 1);
  }
  return out;
}

/** The esbuild `define` map for the project's defines and the command line's (which win). */
export function resolveDefines(config: Record<string, unknown> | undefined, configFile: string, cli: Record<string, unknown> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(config ?? {})) {
    checkDefineKey(key, `${configFile}: define`);
    out[key] = defineExpression(value, `${configFile}: define "${key}"`);
  }
  for (const [key, value] of Object.entries(cli ?? {})) {
    checkDefineKey(key, `--define ${key}`);
    out[key] = defineExpression(value, `--define ${key}=${String(value)}`);
  }
  return out;
}
