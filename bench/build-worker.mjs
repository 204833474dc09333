// One side of bench/build.mjs, in a process of its own: `node bench/build-worker.mjs <ours|webpack>
// <runs> <outdir>` builds bench/app once, then `runs` more times, and prints the timings of those as
// JSON. With runs = 0 it is one cold command: it builds once and exits.
// "ours" is the package's built API (lib/api.cjs, made by npm install): the code the CLI runs.
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';

const [tool, runsText, outdir] = process.argv.slice(2);
const runs = Number(runsText);
const root = resolve(import.meta.dirname, '..');
const app = join(root, 'bench/app');
const require = createRequire(import.meta.url);

async function oursBuilder() {
  const { build } = require(join(root, 'lib/api.cjs'));
  return () => build({ cwd: app, entry: 'src/index.js', target: 'pico-w', outdir });
}

async function webpackBuilder() {
  const { default: webpack } = await import('webpack');
  const { loadTarget } = require(join(root, 'lib/api.cjs'));
  const externals = Object.fromEntries(loadTarget('pico-w').builtinModules.map((m) => [m, `commonjs ${m}`]));
  return () =>
    new Promise((res, rej) => {
      const compiler = webpack({
        mode: 'production',
        entry: join(app, 'src/index.js'),
        output: { path: outdir, filename: 'index.js' },
        node: false,
        externals,
        cache: false,
      });
      compiler.run((err, stats) => {
        compiler.close(() => undefined);
        if (err || stats.hasErrors()) rej(err ?? new Error(stats.toString('errors-only')));
        else res({ modules: stats.compilation.modules.size });
      });
    });
}

const builder = tool === 'ours' ? await oursBuilder() : await webpackBuilder();
const first = await builder();
const times = [];
for (let i = 0; i < runs; i++) {
  const t = performance.now();
  await builder();
  times.push(performance.now() - t);
}
if (runs > 0) console.log(JSON.stringify({ times, size: first.size, modules: first.modules?.length ?? first.modules }));
