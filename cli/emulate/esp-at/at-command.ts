// Parsing of one AT command line (without its CR LF) into name, form and parameters.

/** exec `AT+X`, query `AT+X?`, test `AT+X=?`, set `AT+X=<p>,…`. `AT` itself is named '' and `ATE0` 'E0'. */
export type AtForm = 'exec' | 'query' | 'test' | 'set';

export type AtParam = { kind: 'str'; value: string } | { kind: 'int'; value: number } | { kind: 'none' };

export interface AtCommand {
  name: string;
  form: AtForm;
  params: AtParam[];
  /** The line as received (latin-1), for the echo. */
  text: string;
}

/** null when the line is not a well-formed command. */
export function parseAtLine(text: string): AtCommand | null {
  if (!text.startsWith('AT')) return null;
  const rest = text.slice(2);
  if (rest === '') return { name: '', form: 'exec', params: [], text };
  if (rest === 'E0' || rest === 'E1') return { name: rest, form: 'exec', params: [], text };
  const m = /^\+([A-Z][A-Z0-9_]*)(.*)$/s.exec(rest);
  if (!m) return null;
  const [, name, tail] = m;
  if (tail === '') return { name, form: 'exec', params: [], text };
  if (tail === '?') return { name, form: 'query', params: [], text };
  if (tail === '=?') return { name, form: 'test', params: [], text };
  if (!tail.startsWith('=')) return null;
  const params = parseParams(tail.slice(1));
  return params ? { name, form: 'set', params, text } : null;
}

/** Comma-separated: "strings" with \, \" \\ escapes, decimal integers, or nothing (omitted). */
function parseParams(s: string): AtParam[] | null {
  const params: AtParam[] = [];
  let i = 0;
  for (;;) {
    if (s[i] === '"') {
      let value = '';
      i++;
      for (;;) {
        if (i >= s.length) return null;
        const ch = s[i];
        if (ch === '"') break;
        if (ch === '\\') {
          if (i + 1 >= s.length) return null;
          value += s[i + 1];
          i += 2;
        } else {
          value += ch;
          i++;
        }
      }
      i++;
      params.push({ kind: 'str', value });
    } else {
      let end = s.indexOf(',', i);
      if (end < 0) end = s.length;
      const raw = s.slice(i, end);
      if (raw === '') params.push({ kind: 'none' });
      else if (/^-?\d{1,10}$/.test(raw)) params.push({ kind: 'int', value: Number(raw) });
      else return null;
      i = end;
    }
    if (i === s.length) return params;
    if (s[i] !== ',') return null;
    i++;
  }
}

/** Unicode text (configuration) as it appears on the wire: UTF-8 bytes read as latin-1, the way
 *  command lines are decoded. */
export function wireText(text: string): string {
  return Buffer.from(text, 'utf8').toString('latin1');
}

/** The integer parameter at `index` within [min, max], or undefined. */
export function intParam(cmd: AtCommand, index: number, min: number, max: number): number | undefined {
  const p = cmd.params[index];
  if (!p || p.kind !== 'int' || p.value < min || p.value > max) return undefined;
  return p.value;
}

/** The string parameter at `index` of at most `maxBytes` bytes, or undefined. */
export function strParam(cmd: AtCommand, index: number, maxBytes = 256): string | undefined {
  const p = cmd.params[index];
  if (!p || p.kind !== 'str' || p.value.length > maxBytes) return undefined;
  return p.value;
}
