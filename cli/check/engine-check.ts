import { parse, type Node } from 'acorn';
import { ancestor } from 'acorn-walk';
import { originalPositionFor, TraceMap } from '@jridgewell/trace-mapping';
import { relative, resolve } from 'node:path';
import type { EngineProfile } from '../targets/target';

export interface Diagnostic {
  severity: 'error' | 'warning';
  /** `file:line:col` in the user's sources when the source map knows it, else in the bundle. */
  where: string;
  message: string;
}

type AnyNode = Node & Record<string, any>;

const SYNTAX_TEXT: Record<string, string> = {
  'optional-chaining': 'optional chaining (?.)',
  'logical-assignment': 'logical assignment (??=, ||=, &&=)',
  'private-members': 'private class members (#name)',
  'class-static-block': 'class static blocks',
  'module-syntax': 'ES module syntax (import/export)',
  'regexp-lookbehind': 'RegExp lookbehind (?<= / ?<!)',
  'regexp-named-groups': 'RegExp named groups (?<name>)',
  'regexp-unicode-property': 'RegExp Unicode property escapes (\\p{...})',
  'regexp-flag-d': 'RegExp flag d',
  'regexp-flag-v': 'RegExp flag v',
  'regexp-flag-s': 'RegExp flag s literal (the snapshot generator refuses it)',
};

function regexFeatures(pattern: string, flags: string): string[] {
  const found: string[] = [];
  if (/\(\?<[=!]/.test(pattern)) found.push('regexp-lookbehind');
  if (/\(\?<[A-Za-z_$]/.test(pattern) || /\\k</.test(pattern)) found.push('regexp-named-groups');
  if (/\\[pP]\{/.test(pattern) && /[uv]/.test(flags)) found.push('regexp-unicode-property');
  if (flags.includes('d')) found.push('regexp-flag-d');
  if (flags.includes('v')) found.push('regexp-flag-v');
  if (flags.includes('s')) found.push('regexp-flag-s');
  return found;
}

interface BuiltinRule {
  name: string;
  test(node: AnyNode, parent: AnyNode | undefined): boolean;
}

/** "X.prototype.m" → any call of a method m; "X.y" → the static member; "X" → the global name. */
function builtinRule(name: string): BuiltinRule {
  const parts = name.split('.');
  if (parts.length === 3 && parts[1] === 'prototype') {
    const method = parts[2];
    return {
      name,
      test: (n, parent) =>
        n.type === 'MemberExpression' && !n.computed && n.property.name === method && parent?.type === 'CallExpression' && parent.callee === n,
    };
  }
  if (parts.length === 2) {
    return {
      name,
      test: (n) => n.type === 'MemberExpression' && !n.computed && n.object.type === 'Identifier' && n.object.name === parts[0] && n.property.name === parts[1],
    };
  }
  return { name, test: (n, parent) => n.type === 'Identifier' && n.name === name && !(parent?.type === 'MemberExpression' && parent.property === n && !parent.computed) && parent?.type !== 'Property' };
}

export interface CheckInput {
  code: string;
  /** esbuild's source map of `code` (JSON). */
  map?: string;
  cwd: string;
  profile: EngineProfile;
  /** The snapshot generator additionally refuses RegExp literals with the s flag. */
  snapshot?: boolean;
}

export interface EngineCheck {
  diagnostics: Diagnostic[];
  /** What the engine's heap cost depends on (pipeline/heap-estimate.ts): bytes of string literals
   *  (quotes included) and template text, which it stores as they are, and the number of functions. */
  stringBytes: number;
  functions: number;
}

/** Finds what the target engine cannot parse (errors) or lacks at run time (warnings) in the bundle. */
export function checkEngine(input: CheckInput): EngineCheck {
  const { code, profile } = input;
  const tracer = input.map ? new TraceMap(input.map) : undefined;
  const lines = lineStarts(code);
  const where = (pos: number): string => {
    const line = lineOf(lines, pos);
    const col = pos - lines[line - 1];
    if (tracer) {
      const o = originalPositionFor(tracer, { line, column: col });
      if (o.source) return `${displayPath(o.source, input.cwd)}:${o.line}:${o.column + 1}`;
    }
    return `<bundle>:${line}:${col + 1}`;
  };

  let ast: AnyNode;
  try {
    ast = parse(code, { ecmaVersion: 'latest', sourceType: 'script', allowReturnOutsideFunction: false }) as AnyNode;
  } catch (e) {
    const err = e as SyntaxError & { pos?: number };
    return { diagnostics: [{ severity: 'error', where: where(err.pos ?? 0), message: `the bundle does not parse: ${err.message}` }], stringBytes: 0, functions: 0 };
  }

  const unsupported = new Set(profile.unsupportedSyntax);
  if (input.snapshot) unsupported.add('regexp-flag-s');
  const rules = profile.missingBuiltins.map(builtinRule);
  const out: Diagnostic[] = [];
  let stringBytes = 0;
  let functions = 0;
  const seen = new Set<string>();
  const add = (severity: Diagnostic['severity'], pos: number, message: string) => {
    const w = where(pos);
    const key = severity + w + message;
    if (seen.has(key)) return;
    seen.add(key);
    out.push({ severity, where: w, message });
  };
  const syntax = (feature: string, pos: number) => {
    if (unsupported.has(feature)) add('error', pos, `${SYNTAX_TEXT[feature] ?? feature} is not supported by ${profile.name}`);
  };

  ancestor(ast, {
    ChainExpression: (n: AnyNode) => syntax('optional-chaining', n.start),
    AssignmentExpression: (n: AnyNode) => {
      if (['??=', '||=', '&&='].includes(n.operator)) syntax('logical-assignment', n.start);
    },
    PrivateIdentifier: (n: AnyNode) => syntax('private-members', n.start),
    StaticBlock: (n: AnyNode) => syntax('class-static-block', n.start),
    ImportExpression: (n: AnyNode) => syntax('module-syntax', n.start),
    MetaProperty: (n: AnyNode) => {
      if (n.meta.name === 'import') syntax('module-syntax', n.start);
    },
    Literal: (n: AnyNode) => {
      if (typeof n.value === 'string') stringBytes += n.end - n.start;
      if (n.regex) for (const f of regexFeatures(n.regex.pattern, n.regex.flags)) syntax(f, n.start);
    },
    TemplateElement: (n: AnyNode) => {
      stringBytes += n.end - n.start;
    },
    Function: () => {
      functions++;
    },
    NewExpression: (n: AnyNode) => regExpConstructor(n, syntax),
    CallExpression: (n: AnyNode) => regExpConstructor(n, syntax),
    MemberExpression: (n: AnyNode, _s: unknown, anc: AnyNode[]) => {
      const parent = anc[anc.length - 2];
      for (const r of rules) {
        if (r.test(n, parent)) add('warning', r.name.includes('.prototype.') ? n.property.start : n.start, `${r.name} is not available on ${profile.name}`);
      }
    },
    Identifier: (n: AnyNode, _s: unknown, anc: AnyNode[]) => {
      const parent = anc[anc.length - 2];
      for (const r of rules) if (!r.name.includes('.') && r.test(n, parent)) add('warning', n.start, `${r.name} is not available on ${profile.name}`);
    },
  });
  return { diagnostics: out, stringBytes, functions };
}

function regExpConstructor(n: AnyNode, syntax: (feature: string, pos: number) => void): void {
  if (n.callee.type !== 'Identifier' || n.callee.name !== 'RegExp') return;
  const [p, f] = n.arguments as AnyNode[];
  if (p?.type !== 'Literal' || typeof p.value !== 'string') return;
  const flags = f?.type === 'Literal' && typeof f.value === 'string' ? f.value : '';
  for (const feature of regexFeatures(p.value, flags)) if (feature !== 'regexp-flag-s') syntax(feature, n.start);
}

function displayPath(source: string, cwd: string): string {
  const abs = resolve(cwd, source);
  return relative(cwd, abs) || abs;
}

function lineStarts(code: string): number[] {
  const starts = [0];
  for (let i = 0; i < code.length; i++) if (code.charCodeAt(i) === 10) starts.push(i + 1);
  return starts;
}

function lineOf(starts: number[], pos: number): number {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid] <= pos) lo = mid;
    else hi = mid - 1;
  }
  return lo + 1;
}
