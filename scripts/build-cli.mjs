// Bundles the PC-side code into lib/: the CLI (cli/index.ts -> kaluma-net.cjs) and the programmatic
// API (cli/api.ts -> api.cjs, the package's main); dependencies stay external.
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
await build({
  entryPoints: { 'kaluma-net': 'cli/index.ts', api: 'cli/api.ts' },
  outdir: 'lib',
  outExtension: { '.js': '.cjs' },
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: 'linked',
  external: Object.keys(pkg.dependencies ?? {}),
  logLevel: 'warning',
});
