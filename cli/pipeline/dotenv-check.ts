// dotenv parses every .env line into something; for the values that end up on the board (the
// Wi-Fi credentials) a line that was most likely meant otherwise is an error instead. The value
// itself is never part of a message: it may be a password.

import { UserError } from '../util/errors';

/** Throws when the last line defining `key` in the .env `text` looks written wrong. */
export function checkDotEnvValue(text: string, key: string, parsed: string | undefined, file: string): void {
  if (parsed === undefined) return;
  const lines = text.split(/\r?\n/);
  const define = new RegExp(`^\\s*(?:export\\s+)?${key}\\s*=(.*)$`);
  let rest: string | undefined;
  let lineNo = 0;
  lines.forEach((line, i) => {
    const m = define.exec(line);
    if (m) [rest, lineNo] = [m[1].trim(), i + 1];
  });
  if (rest === undefined) return;
  const fail = (why: string): never => {
    throw new UserError(`${file}:${lineNo}: ${key}: ${why}`);
  };
  const q = rest[0];
  if (q === '"' || q === "'" || q === '`') {
    let end = 1;
    while (end < rest.length && !(rest[end] === q && (q !== '"' || rest[end - 1] !== '\\'))) end++;
    if (end >= rest.length) fail(`unbalanced ${q} quote: the value has no closing quote on its line`);
    const after = rest.slice(end + 1);
    if (after.trim() && !/^\s+#/.test(after)) fail(`text after the closing ${q} quote; put all of the value inside the quotes (a comment needs a space before its #)`);
  } else {
    const hash = rest.indexOf('#');
    if (hash > 0 && !/\s/.test(rest[hash - 1])) fail(`'#' starts a comment, cutting the value short; quote the value ("...") if the '#' belongs to it`);
    if (/["'`]/.test(rest.slice(0, hash < 0 ? undefined : hash))) fail('a quote inside an unquoted value (unbalanced quotes?); quote the whole value, or none of it');
  }
  if (/[\x00-\x1f\x7f]/.test(parsed)) fail('the value holds a line break or another control character');
}
