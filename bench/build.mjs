// Build speed as a user sees it: whole commands in fresh processes, kaluma-net against the official
// Kaluma CLI's webpack bundle step (bench/webpack-bundle.mjs), for three apps:
//   sample   bench/app/sample, a 3-file TCP service
//   10       bench/app/ten, a 10-module HTTP-ish server
//   100      bench/app/hundred.mjs, 100 modules, written to a temporary directory
// all for pico-w (js + uf2, the runtime and the CYW43 driver included). Also `kaluma-net --version`
// against `node -e 0`, and the rebuild latency of `kaluma-net build --watch` after an edit.
//
// Every round runs each command once, in an order that alternates between rounds, so load from other
// work on the machine hits both sides alike; figures are medians.
//  - "build": kaluma-net with its cache as it is after any earlier build of the same sources (the
//    usual case: builds repeat with most code unchanged);
//  - "first build": kaluma-net with an empty cache (a fresh checkout or a changed runtime), printed
//    for information;
//  - watch: the build time kaluma-net reports for each rebuild after an edit of the entry file that
//    changes the program (a string), and the time from the edit to the rebuild's line.
// Run: node bench/build.mjs [--rounds N]
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { writeHundredModuleApp } from './app/hundred.mjs';

const root = resolve(import.meta.dirname, '..');
const BIN = join(root, 'bin/kaluma-net.cjs');
const WEBPACK = join(root, 'bench/webpack-bundle.mjs');
const roundsArg = process.argv.indexOf('--rounds');
const ROUNDS = roundsArg > 0 ? Number(process.argv[roundsArg + 1]) : 7;
const WATCH_EDITS = 15;
const STARTUP_PAIRS = 5;

const tmp = mkdtempSync(join(tmpdir(), 'kn-bench-'));
const hundred = join(tmp, 'hundred');
const apps = [
  { name: 'sample', dir: join(root, 'bench/app/sample'), modules: 3 },
  { name: '10-module', dir: join(root, 'bench/app/ten'), modules: 10 },
  { name: '100-module', dir: hundred, modules: writeHundredModuleApp(hundred) },
];
const cache = join(tmp, 'cache');

/** Wall time of one command, in ms; a failure ends the bench. */
function time(args, cwd, env = {}) {
  const t = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { cwd, env: { ...process.env, ...env }, encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  if (r.status !== 0) throw new Error(`${args.join(' ')} failed in ${cwd}:\n${r.stderr}`);
  return ms;
}

const ours = (app, env) => time([BIN, 'build', 'src/index.js', '-t', 'pico-w', '-o', join(tmp, 'out', app.name)], app.dir, env);
const webpack = (app) => time([WEBPACK, 'src/index.js', join(tmp, 'webpack', app.name)], app.dir);
let fresh = 0;
const oursFirst = (app) => ours(app, { KALUMA_NET_CACHE_DIR: join(tmp, `empty-${fresh++}`) });

const runs = {
  node: [],
  version: [],
  ...Object.fromEntries(apps.flatMap((a) => [[`${a.name}:ours`, []], [`${a.name}:first`, []], [`${a.name}:webpack`, []]])),
};
for (const app of apps) ours(app, { KALUMA_NET_CACHE_DIR: cache }); // the earlier build of these sources

for (let i = 0; i < ROUNDS; i++) {
  const steps = [
    // Startup is short and noisy: several pairs a round.
    ...Array.from({ length: STARTUP_PAIRS }, (_, j) => () => {
      const pair = [() => runs.node.push(time(['-e', '0'], tmp)), () => runs.version.push(time([BIN, '--version'], tmp))];
      for (const run of j % 2 ? pair.reverse() : pair) run();
    }),
    ...apps.flatMap((app) => [
      () => runs[`${app.name}:ours`].push(ours(app, { KALUMA_NET_CACHE_DIR: cache })),
      () => runs[`${app.name}:webpack`].push(webpack(app)),
      () => runs[`${app.name}:first`].push(oursFirst(app)),
    ]),
  ];
  for (const step of i % 2 ? steps.reverse() : steps) step();
}

/** Rebuild times `build --watch` reports after each edit of the entry, and edit-to-output latency. */
async function watchRebuilds(app) {
  const dir = join(tmp, 'watched');
  cpSync(app.dir, dir, { recursive: true });
  const entry = join(dir, 'src/index.js');
  const original = readFileSync(entry, 'utf8');
  const child = spawn(process.execPath, [BIN, 'build', 'src/index.js', '-t', 'pico-w', '--watch'], {
    cwd: dir,
    env: { ...process.env, KALUMA_NET_CACHE_DIR: cache },
  });
  let out = '';
  const lines = [];
  child.stdout.on('data', (d) => {
    out += d;
    for (let nl = out.indexOf('\n'); nl >= 0; nl = out.indexOf('\n')) {
      lines.push({ text: out.slice(0, nl), at: performance.now() });
      out = out.slice(nl + 1);
    }
  });
  const built = (n) =>
    new Promise((res, rej) => {
      const t = setTimeout(() => rej(new Error(`watch: no rebuild line; output:\n${lines.map((l) => l.text).join('\n')}`)), 20000);
      const poll = setInterval(() => {
        const hits = lines.filter((l) => /\bbuilt\b.*\(\d+ bytes, \d+(\.\d+)? ms\)/.test(l.text));
        if (hits.length >= n) {
          clearTimeout(t);
          clearInterval(poll);
          res(hits[n - 1]);
        }
      }, 2);
    });
  const own = [];
  const latency = [];
  try {
    await built(1);
    for (let i = 1; i <= WATCH_EDITS; i++) {
      await new Promise((r) => setTimeout(r, 150));
      const t = performance.now();
      writeFileSync(entry, original.replace("'listening on '", `'listening (edit ${i}) on '`));
      const line = await built(i + 1);
      own.push(Number(/, (\d+(?:\.\d+)?) ms\)/.exec(line.text)[1]));
      latency.push(line.at - t);
    }
  } finally {
    child.kill('SIGINT');
  }
  return { own, latency };
}
const watch = await watchRebuilds(apps[0]);
rmSync(tmp, { recursive: true, force: true });

const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const ms = (xs) => `${median(xs).toFixed(0)} ms`;
const verdict = (ok) => (ok ? 'met' : 'NOT met');
console.log(`kaluma-net build vs the official Kaluma CLI's webpack bundle step: pico-w, js+uf2, ${ROUNDS} rounds alternating, medians of whole commands`);
const goals = { sample: 0.35, '10-module': undefined, '100-module': 0.3 };
for (const app of apps) {
  const r = median(runs[`${app.name}:ours`]) / median(runs[`${app.name}:webpack`]);
  const first = median(runs[`${app.name}:first`]) / median(runs[`${app.name}:webpack`]);
  const goal = goals[app.name];
  console.log(
    `  ${app.name.padEnd(10)} (${String(app.modules).padStart(3)} modules): kaluma-net ${ms(runs[`${app.name}:ours`])} vs webpack ${ms(runs[`${app.name}:webpack`])}: ${r.toFixed(2)}x` +
      (goal ? ` (goal <= ${goal}x: ${verdict(r <= goal)})` : '') +
      `; first build (empty cache) ${ms(runs[`${app.name}:first`])}: ${first.toFixed(2)}x`,
  );
}
const v = median(runs.version) / median(runs.node);
console.log(`  kaluma-net --version ${ms(runs.version)} vs node -e 0 ${ms(runs.node)}: ${v.toFixed(2)}x (goal <= 1.3x: ${verdict(v <= 1.3)})`);
console.log(
  `  build --watch, sample, ${WATCH_EDITS} edits: rebuild ${median(watch.own).toFixed(1)} ms as reported (goal < 50 ms: ${verdict(median(watch.own) < 50)}); edit to output written ${ms(watch.latency)} (file watch and debounce included)`,
);
