import type { Node } from 'acorn';
import { acorn, acornWalk } from '../util/deps';
import { RUNTIME_MODULES, type RuntimeModule } from './module-kinds';

/** Which exports of each runtime module a program uses: a set of names, or 'all' when the module
 *  object escapes (passed around, computed access), which disables shaking for that module. */
export type RuntimeUsage = Map<RuntimeModule, Set<string> | 'all'>;

export const USAGE_PREFIX = 'kaluma-net-usage:';

type AnyNode = Node & Record<string, any>;

function note(usage: RuntimeUsage, mod: RuntimeModule, names: Iterable<string> | 'all'): void {
  const cur = usage.get(mod) ?? new Set<string>();
  if (cur === 'all' || names === 'all') {
    usage.set(mod, 'all');
    return;
  }
  for (const n of names) cur.add(n);
  usage.set(mod, cur);
}

function runtimeModuleOf(source: unknown): RuntimeModule | undefined {
  if (typeof source !== 'string' || !source.startsWith(USAGE_PREFIX)) return undefined;
  const name = source.slice(USAGE_PREFIX.length);
  return (RUNTIME_MODULES as readonly string[]).includes(name) ? (name as RuntimeModule) : undefined;
}

/**
 * Analyses the ESM output of a first bundling pass in which the runtime modules were external
 * under USAGE_PREFIX. esbuild gives every top-level binding a unique name there, so following an
 * identifier's member accesses is enough; anything else counts as an escape.
 */
export function analyseRuntimeUsage(esmCode: string): RuntimeUsage {
  const usage: RuntimeUsage = new Map();
  const { ancestor } = acornWalk();
  const ast = acorn().parse(esmCode, { ecmaVersion: 'latest', sourceType: 'module' }) as AnyNode;
  const tracked = new Map<string, { mod: RuntimeModule }>();

  for (const stmt of ast.body as AnyNode[]) {
    if (stmt.type !== 'ImportDeclaration') continue;
    const mod = runtimeModuleOf(stmt.source.value);
    if (!mod) continue;
    if (stmt.specifiers.length === 0) note(usage, mod, []);
    for (const s of stmt.specifiers as AnyNode[]) {
      if (s.type === 'ImportSpecifier') note(usage, mod, [s.imported.name ?? s.imported.value]);
      else tracked.set(s.local.name, { mod });
    }
  }

  const isRuntimeRequire = (n: AnyNode): RuntimeModule | undefined => {
    if (n.type !== 'CallExpression' || n.arguments.length !== 1) return undefined;
    const callee = n.callee as AnyNode;
    if (callee.type !== 'Identifier' || !/^(__require|require)$/.test(callee.name)) return undefined;
    return runtimeModuleOf((n.arguments[0] as AnyNode).value);
  };
  const unwrapToEsm = (n: AnyNode): AnyNode =>
    n.type === 'CallExpression' && n.callee.type === 'Identifier' && n.callee.name === '__toESM' ? n.arguments[0] : n;

  ancestor(ast, {
    CallExpression(node: AnyNode, _state: unknown, ancestors: AnyNode[]) {
      const mod = isRuntimeRequire(node);
      if (!mod) return;
      let i = ancestors.length - 2;
      let viaDefault = false;
      if (i >= 0 && unwrapToEsm(ancestors[i]) === node) {
        viaDefault = true;
        i--;
      }
      const parent = ancestors[i];
      if (parent?.type === 'VariableDeclarator' && parent.id.type === 'Identifier') {
        tracked.set(parent.id.name, { mod });
      } else if (parent?.type === 'VariableDeclarator' && parent.id.type === 'ObjectPattern') {
        const names: string[] = [];
        for (const p of parent.id.properties as AnyNode[]) {
          if (p.type !== 'Property' || p.computed) return note(usage, mod, 'all');
          names.push(p.key.name ?? p.key.value);
        }
        note(usage, mod, names);
      } else if (parent?.type === 'MemberExpression' && !parent.computed && parent.object === (viaDefault ? ancestors[i + 1] : node)) {
        note(usage, mod, [parent.property.name]);
      } else {
        note(usage, mod, 'all');
      }
    },
  });

  if (tracked.size) {
    ancestor(ast, {
      Identifier(node: AnyNode, _state: unknown, ancestors: AnyNode[]) {
        const t = tracked.get(node.name);
        if (!t) return;
        const parent = ancestors[ancestors.length - 2];
        if (parent.type === 'VariableDeclarator' && parent.id === node) return;
        if (parent.type === 'ImportDefaultSpecifier' || parent.type === 'ImportNamespaceSpecifier') return;
        if (parent.type === 'MemberExpression' && parent.object === node && !parent.computed) {
          let name = parent.property.name as string;
          if (name === 'default') {
            const grand = ancestors[ancestors.length - 3];
            if (grand?.type === 'MemberExpression' && grand.object === parent && !grand.computed) name = grand.property.name;
            else return note(usage, t.mod, 'all');
          }
          return note(usage, t.mod, [name]);
        }
        note(usage, t.mod, 'all');
      },
    });
  }
  return usage;
}
