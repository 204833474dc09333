// What terser would save over esbuild's minifier, which is all the build runs: for each template and
// network target, the program as `kaluma-net build` writes it (esbuild: syntax, identifiers,
// whitespace) against terser over it, mangle only (what the build ran until it was measured to save
// nothing) and with its compressor (2 passes). Figures: bytes, the parse heap the board pays (the
// build's own estimate, cli/pipeline/heap-estimate.ts) and terser's time per build in this process.
// Run: node bench/minify.mjs
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/cjs/api';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
register();
const require = createRequire(import.meta.url);
const { build } = require(join(ROOT, 'cli/pipeline/build.ts'));
const { checkEngine } = require(join(ROOT, 'cli/check/engine-check.ts'));
const { estimateParseHeap } = require(join(ROOT, 'cli/pipeline/heap-estimate.ts'));
const { scaffold } = require(join(ROOT, 'cli/init/scaffold.ts'));
const { loadTarget } = require(join(ROOT, 'cli/targets/load.ts'));
const { minify } = require('terser');

const TEMPLATES = ['http-hello', 'tcp-client', 'tcp-echo-server'];
const TARGETS = ['pico-w', 'pico-esp01', 'w5500-evb-pico'];
const VARIANTS = {
  mangle: { compress: false, mangle: true },
  compress: { compress: { passes: 2 }, mangle: true },
};

const tmp = mkdtempSync(join(tmpdir(), 'kn-minify-'));
const heapOf = (code, target) => {
  const c = checkEngine({ code, cwd: tmp, profile: target.engine });
  return estimateParseHeap({ bytes: code.length, stringBytes: c.stringBytes, functions: c.functions }, target.heapSize).parse;
};
const pct = (a, b) => `${(((b - a) / a) * 100).toFixed(2).padStart(6)}%`;

const total = { esbuild: { bytes: 0, heap: 0 }, mangle: { bytes: 0, heap: 0, ms: [] }, compress: { bytes: 0, heap: 0, ms: [] } };
console.log('template/target: esbuild bytes, heap | terser mangle: bytes, heap | terser compress+mangle: bytes, heap');
for (const template of TEMPLATES) {
  for (const id of TARGETS) {
    const dir = join(tmp, `${template}-${id}`);
    await scaffold({ dir, template, target: id, typescript: false, force: true });
    const target = loadTarget(id);
    const r = await build({ cwd: dir, target: id, formats: ['js'], write: false });
    const program = r.program.slice(r.program.indexOf('\n') + 1); // without the stamp comment
    const row = { esbuild: { bytes: program.length, heap: heapOf(program, target) } };
    for (const [name, options] of Object.entries(VARIANTS)) {
      const t = performance.now();
      const out = (await minify(program, { ecma: 2019, module: false, ...options, format: { ascii_only: true, ecma: 2019 } })).code;
      total[name].ms.push(performance.now() - t);
      row[name] = { bytes: out.length, heap: heapOf(out, target) };
    }
    for (const k of Object.keys(row)) {
      total[k].bytes += row[k].bytes;
      total[k].heap += row[k].heap;
    }
    const cell = (k) => `${row[k].bytes} (${pct(row.esbuild.bytes, row[k].bytes)}), ${row[k].heap} (${pct(row.esbuild.heap, row[k].heap)})`;
    console.log(`  ${`${template}/${id}`.padEnd(30)} ${row.esbuild.bytes}, ${row.esbuild.heap} | ${cell('mangle')} | ${cell('compress')}`);
  }
}
rmSync(tmp, { recursive: true, force: true });

const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
for (const name of Object.keys(VARIANTS)) {
  const t = total[name];
  console.log(
    `terser ${name}: bytes ${pct(total.esbuild.bytes, t.bytes)}, parse heap ${pct(total.esbuild.heap, t.heap)} over esbuild alone; ` +
      `${median(t.ms).toFixed(0)} ms per program (median, warm process; the first call ${t.ms[0].toFixed(0)} ms)`,
  );
}
