import type { Metafile } from 'esbuild';
import { relative, resolve } from 'node:path';

export type ModuleGroup = 'user' | 'runtime' | 'driver' | 'npm';

export interface ModuleSize {
  path: string;
  group: ModuleGroup;
  /** Bytes of this module in the output, minified as the build minifies it (esbuild's count). */
  bytes: number;
}

function groupOf(path: string, runtimeDir: string): ModuleGroup {
  if (path.startsWith(runtimeDir + '/drivers/')) return 'driver';
  if (path.startsWith(runtimeDir + '/')) return 'runtime';
  if (path.includes('node_modules/')) return 'npm';
  return 'user';
}

/** Per input module, largest first; virtual modules (entry, bootstrap, facades) are left out. */
export function moduleSizes(metafile: Metafile, cwd: string, runtimeDir: string): ModuleSize[] {
  const out = Object.values(metafile.outputs).find((o) => o.entryPoint !== undefined) ?? Object.values(metafile.outputs)[0];
  const rows: ModuleSize[] = [];
  for (const [p, info] of Object.entries(out.inputs)) {
    if (p.includes(':') && !p.startsWith('/')) continue;
    if (info.bytesInOutput === 0) continue;
    const abs = resolve(cwd, p);
    const group = groupOf(abs, runtimeDir);
    const shown = group === 'runtime' || group === 'driver' ? relative(resolve(runtimeDir, '..'), abs) : p;
    rows.push({ path: shown, group, bytes: info.bytesInOutput });
  }
  return rows.sort((a, b) => b.bytes - a.bytes || a.path.localeCompare(b.path));
}

/** The report's rows: the modules and one row for the rest of the output file (the stamp, the
 *  wrapper, the bootstrap, esbuild's glue between modules), so
 *  they add up to the total. */
export function sizeRows(total: number, modules: ModuleSize[]): { bytes: number; group: string; path: string }[] {
  const rest = total - modules.reduce((n, m) => n + m.bytes, 0);
  const rows: { bytes: number; group: string; path: string }[] = [...modules];
  if (rest !== 0) rows.push({ bytes: rest, group: 'other', path: '(the rest: stamp, wrapper, bootstrap, glue between modules)' });
  return rows.sort((a, b) => b.bytes - a.bytes || a.path.localeCompare(b.path));
}

export function formatSizeReport(total: number, modules: ModuleSize[], regionSize?: number): string {
  const lines = [`  total ${total} bytes` + (regionSize ? ` (${((100 * total) / regionSize).toFixed(1)}% of the ${regionSize}-byte program region)` : '')];
  const rows = sizeRows(total, modules);
  const width = Math.max(...rows.map((m) => String(m.bytes).length), 1);
  for (const m of rows) lines.push(`  ${String(m.bytes).padStart(width)}  ${m.group.padEnd(7)} ${m.path}`);
  return lines.join('\n');
}
