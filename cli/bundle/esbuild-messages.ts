import { relative } from 'node:path';
import type { Message } from 'esbuild';

/** One line per esbuild message: `file:line:col: text`, paths relative to the project. */
export function formatMessage(m: Message, cwd: string): string {
  const loc = m.location;
  if (!loc || !loc.file) return m.text;
  const file = loc.file.startsWith('/') ? relative(cwd, loc.file) : loc.file;
  return `${file}:${loc.line}:${loc.column + 1}: ${m.text}`;
}
