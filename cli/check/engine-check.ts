import type { Node } from 'acorn';
import { relative, resolve } from 'node:path';
import type { EngineProfile } from '../targets/target';
import { acorn, acornWalk, traceMapping } from '../util/deps';

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

export interface HeapShape {
  /** What the engine's heap cost depends on (pipeline/heap-estimate.ts): bytes of string literals
   *  (quotes included) and template text, which it stores as they are, and the number of functions. */
  stringBytes: number;
  functions: number;
}

export interface EngineCheck extends HeapShape {
  diagnostics: Diagnostic[];
}

/** A finding at an offset of the scanned code, before it is placed in a file. */
export interface Finding {
  severity: Diagnostic['severity'];
  pos: number;
  message: string;
}

/** What one piece of code holds for the engine: plain data, so it can be cached (check/bundle-check.ts). */
export interface Scan extends HeapShape {
  findings: Finding[];
  /** Set when acorn cannot parse the code: its message (the finding at pos is the same error). */
  parseError?: string;
}

/** Finds what the target engine cannot parse (errors) or lacks at run time (warnings) in the bundle. */
export function checkEngine(input: CheckInput): EngineCheck {
  const scan = scanProgram(input.code, input.profile, !!input.snapshot);
  const where = locator(input.code, input.map, input.cwd);
  return { diagnostics: placeFindings(scan.findings, where), stringBytes: scan.stringBytes, functions: scan.functions };
}

/** Findings as diagnostics, one per place and message. */
export function placeFindings(findings: Finding[], where: (pos: number) => string): Diagnostic[] {
  const seen = new Set<string>();
  const out: Diagnostic[] = [];
  for (const f of findings) {
    const w = where(f.pos);
    const key = f.severity + w + f.message;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ severity: f.severity, where: w, message: f.message });
  }
  return out;
}

/** `file:line:col` of an offset of `code`: in the user's sources when `map` knows it. */
export function locator(code: string, map: string | undefined, cwd: string): (pos: number) => string {
  let tracer: import('@jridgewell/trace-mapping').TraceMap | undefined;
  let lines: number[] | undefined;
  return (pos) => {
    lines ??= lineStarts(code);
    const line = lineOf(lines, pos);
    const col = pos - lines[line - 1];
    if (map) {
      const tm = traceMapping();
      tracer ??= new tm.TraceMap(map);
      const o = tm.originalPositionFor(tracer, { line, column: col });
      if (o.source) return `${displayPath(o.source, cwd)}:${o.line}:${o.column + 1}`;
    }
    return `<bundle>:${line}:${col + 1}`;
  };
}

/** Parses `code` as the engine would (a strict script when it says so) and walks it once. */
export function scanProgram(code: string, profile: EngineProfile, snapshot: boolean): Scan {
  let ast: AnyNode;
  try {
    ast = acorn().parse(code, { ecmaVersion: 'latest', sourceType: 'script', allowReturnOutsideFunction: false }) as AnyNode;
  } catch (e) {
    const err = e as SyntaxError & { pos?: number };
    const message = `the bundle does not parse: ${err.message}`;
    return { findings: [{ severity: 'error', pos: err.pos ?? 0, message }], parseError: err.message, stringBytes: 0, functions: 0 };
  }

  const unsupported = new Set(profile.unsupportedSyntax);
  if (snapshot) unsupported.add('regexp-flag-s');
  const rules = profile.missingBuiltins.map(builtinRule);
  const findings: Finding[] = [];
  let stringBytes = 0;
  let functions = 0;
  const add = (severity: Finding['severity'], pos: number, message: string) => findings.push({ severity, pos, message });
  const syntax = (feature: string, pos: number) => {
    if (unsupported.has(feature)) add('error', pos, `${SYNTAX_TEXT[feature] ?? feature} is not supported by ${profile.name}`);
  };

  acornWalk().ancestor(ast, {
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
  return { findings, stringBytes, functions };
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
