import { builtinModules } from 'node:module';
import type { Target } from '../targets/target';

/** Modules our board-side runtime provides instead of the firmware's copies (and Node's). */
export const RUNTIME_MODULES = ['net', 'events', 'stream', 'dns', 'util'] as const;
export type RuntimeModule = (typeof RUNTIME_MODULES)[number];

export type ModuleKind =
  | { kind: 'runtime'; name: RuntimeModule }
  | { kind: 'builtin'; name: string }
  | { kind: 'node'; name: string }
  | { kind: 'package' };

const NODE_BUILTINS = new Set(builtinModules.filter((m) => !m.startsWith('_')));

/** How a bare import specifier is satisfied for `target`. */
export function classifyImport(spec: string, target: Target): ModuleKind {
  const bare = spec.startsWith('node:') ? spec.slice(5) : spec;
  if ((RUNTIME_MODULES as readonly string[]).includes(bare)) return { kind: 'runtime', name: bare as RuntimeModule };
  if (!spec.startsWith('node:') && target.builtinModules.includes(spec)) return { kind: 'builtin', name: spec };
  if (spec.startsWith('node:') || NODE_BUILTINS.has(bare.split('/')[0])) return { kind: 'node', name: bare };
  return { kind: 'package' };
}
