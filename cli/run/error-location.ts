import type { TraceMap } from '@jridgewell/trace-mapping';
import { relative, resolve } from 'node:path';
import { traceMapping } from '../util/deps';

/** Maps `file:line:col` frames of an error from the sandboxed bundle back to the user's sources. */
export class ErrorLocator {
  private tracer: TraceMap | undefined;
  constructor(
    private readonly bundleName: string,
    map: string | undefined,
    private readonly cwd: string,
  ) {
    this.tracer = map ? new (traceMapping().TraceMap)(map) : undefined;
  }

  /** Lines `at file:line:col` (user sources first), best effort. */
  frames(stack: string): string[] {
    const out: string[] = [];
    const re = new RegExp(`${escape(this.bundleName)}:(\\d+):(\\d+)`, 'g');
    for (const m of stack.matchAll(re)) {
      const line = Number(m[1]);
      const column = Number(m[2]) - 1;
      const o = this.tracer ? traceMapping().originalPositionFor(this.tracer, { line, column }) : undefined;
      if (o?.source) out.push(`${relative(this.cwd, resolve(this.cwd, o.source)) || o.source}:${o.line}:${o.column + 1}`);
      else out.push(`${this.bundleName}:${line}:${column + 1}`);
    }
    return [...new Set(out)];
  }

  describe(e: unknown): string {
    if (e && typeof e === 'object' && 'message' in e) {
      const err = e as { name?: string; message: string; stack?: string; errno?: number; code?: string };
      const head = `${err.name ?? 'Error'}: ${err.message}${err.code ? ` (${err.code})` : err.errno !== undefined ? ` (errno ${err.errno})` : ''}`;
      const frames = this.frames(err.stack ?? '');
      const user = frames.filter((f) => !/(^|\/)(runtime|node_modules)\//.test(f) && !f.startsWith(`${this.bundleName}:`) && !f.startsWith('kaluma-net:'));
      return [head, ...(user.length ? user : frames).slice(0, 5).map((f) => `    at ${f}`)].join('\n');
    }
    return `${typeof e === 'string' ? e : JSON.stringify(e)}`;
  }
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
