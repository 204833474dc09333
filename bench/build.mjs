// Build speed: our full pipeline (bundle + engine check + terser + stamp + UF2) against a webpack 5 +
// terser configuration equivalent to the official Kaluma CLI's (mode production, the firmware
// built-ins as commonjs externals, node: false), on the same multi-file app, in the same run.
//
// Each tool builds in a process of its own (bench/build-worker.mjs), so neither pays for the other's
// garbage collection, and the rounds alternate between them so machine noise hits both alike.
//  - warm: builds in a process that has built once already (as in --watch, or an editor integration);
//    this is the figure the goal (ours <= 0.35x of the baseline) is judged on;
//  - cold: one whole command per build, node startup included (`kaluma-net build` against a script
//    that runs the webpack configuration), printed for information.
// Run: node bench/build.mjs [--rounds N]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';

const root = resolve(import.meta.dirname, '..');
const worker = join(root, 'bench/build-worker.mjs');
const roundsArg = process.argv.indexOf('--rounds');
const ROUNDS = roundsArg > 0 ? Number(process.argv[roundsArg + 1]) : 4;
const WARM_RUNS = 10;
const out = mkdtempSync(join(tmpdir(), 'kn-bench-'));

/** Warm timings of `tool` from a fresh worker process: its build times after one warm-up build. */
function warm(tool) {
  const json = execFileSync(process.execPath, [worker, tool, String(WARM_RUNS), join(out, tool)], { encoding: 'utf8' });
  return JSON.parse(json);
}

/** Wall time of one whole command. */
function cold(tool) {
  const t = performance.now();
  execFileSync(process.execPath, [worker, tool, '0', join(out, tool)], { stdio: 'ignore' });
  return performance.now() - t;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const samples = { ours: { warm: [], cold: [] }, webpack: { warm: [], cold: [] } };
let info;
for (let i = 0; i < ROUNDS; i++) {
  for (const tool of i % 2 ? ['webpack', 'ours'] : ['ours', 'webpack']) {
    const r = warm(tool);
    samples[tool].warm.push(...r.times);
    samples[tool].cold.push(cold(tool));
    if (tool === 'ours') info = r;
  }
}
rmSync(out, { recursive: true, force: true });

const ratio = (kind) => median(samples.ours[kind]) / median(samples.webpack[kind]);
const ms = (xs) => `${median(xs).toFixed(1)} ms`;
console.log(`app: bench/app (${info.modules} modules), target pico-w, ${ROUNDS} rounds alternating, each tool in its own processes`);
console.log(`warm build (${samples.ours.warm.length} builds each): kaluma-net ${ms(samples.ours.warm)} (js+uf2, runtime + cyw43 driver, ${info.size} bytes) vs webpack 5 + terser ${ms(samples.webpack.warm)}`);
console.log(`  ratio ${ratio('warm').toFixed(3)}x (goal <= 0.35x) -> ${ratio('warm') <= 0.35 ? 'met' : 'NOT met'}`);
console.log(`cold command (${samples.ours.cold.length} each, node startup included): kaluma-net ${ms(samples.ours.cold)} vs webpack ${ms(samples.webpack.cold)}, ratio ${ratio('cold').toFixed(3)}x`);
