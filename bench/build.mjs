// Build speed: our full pipeline (bundle + engine check + terser + stamp + UF2) against a webpack 5 +
// terser configuration equivalent to the official Kaluma CLI's (mode production, the firmware
// built-ins as commonjs externals, node: false), on the same multi-file app, in the same run.
// Prints both medians and the ratio (goal: ours <= 0.35x of the baseline).
import { register } from 'tsx/cjs/api';
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import webpack from 'webpack';

register();
const require = createRequire(import.meta.url);
const root = resolve(import.meta.dirname, '..');
const app = join(root, 'bench/app');
const { build } = require(join(root, 'cli/pipeline/build.ts'));
const { loadTarget } = require(join(root, 'cli/targets/load.ts'));
const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const out = mkdtempSync(join(tmpdir(), 'kn-bench-'));

const externals = Object.fromEntries(loadTarget('pico-w').builtinModules.map((m) => [m, `commonjs ${m}`]));
function webpackBuild() {
  return new Promise((res, rej) => {
    const compiler = webpack({
      mode: 'production',
      entry: join(app, 'src/index.js'),
      output: { path: join(out, 'webpack'), filename: 'index.js' },
      node: false,
      externals,
      cache: false,
    });
    compiler.run((err, stats) => {
      compiler.close(() => undefined);
      if (err || stats.hasErrors()) rej(err ?? new Error(stats.toString('errors-only')));
      else res(stats);
    });
  });
}
const ours = () => build({ cwd: app, entry: 'src/index.js', target: 'pico-w', outdir: join(out, 'ours') });

async function time(fn) {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

// Warm both (module loading, JIT), then alternate so machine noise hits both alike.
await ours();
await webpackBuild();
const a = [];
const b = [];
for (let i = 0; i < RUNS; i++) {
  a.push(await time(ours));
  b.push(await time(webpackBuild));
}
const r = await ours();
const ma = median(a);
const mb = median(b);
console.log(`app: bench/app (${r.modules.length} modules), target pico-w, ${RUNS} runs each`);
console.log(`kaluma-net build (js+uf2, incl. runtime + cyw43 driver): median ${ma.toFixed(1)} ms, output ${r.size} bytes`);
console.log(`webpack 5 + terser (official CLI config, runtime external): median ${mb.toFixed(1)} ms`);
console.log(`ratio: ${(ma / mb).toFixed(3)}x of the baseline (goal <= 0.35x) -> ${ma / mb <= 0.35 ? 'met' : 'NOT met'}`);
rmSync(out, { recursive: true, force: true });
