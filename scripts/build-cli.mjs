// Bundles the PC-side code into lib/: the CLI (cli/index.ts -> kaluma-net.cjs) and the programmatic
// API (cli/api.ts -> api.cjs, the package's main); dependencies but commander stay external.
// Run by `prepack` (the published package ships lib/ and needs no install script), by `npm test`, and
// by bin/lib.cjs on the first use of a checkout. Files are replaced by rename, so a CLI starting
// meanwhile never reads half a file.
import { build } from 'esbuild';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const r = await build({
  absWorkingDir: root,
  entryPoints: { 'kaluma-net': 'cli/index.ts', api: 'cli/api.ts' },
  outdir: 'lib',
  outExtension: { '.js': '.cjs' },
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: 'linked',
  // commander is bundled: every command loads it, and one file starts faster than its six.
  external: Object.keys(pkg.dependencies ?? {}).filter((d) => d !== 'commander'),
  logLevel: 'warning',
  write: false,
});
mkdirSync(join(root, 'lib'), { recursive: true });
for (const f of r.outputFiles) {
  const tmp = `${f.path}.${process.pid}.tmp`;
  writeFileSync(tmp, f.contents);
  renameSync(tmp, f.path);
}
