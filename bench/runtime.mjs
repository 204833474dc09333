// Benchmarks of the board-side `net` runtime:
//  1. echo throughput of runtime + host driver (real sockets) against Node's own net, same run
//     (goal: at least 0.5x);
//  2. minified size of the runtime in a client-only and a client+server program, built by the real
//     pipeline (`build()` for target host: esbuild with tree shaking and minification, stamp), less the same
//     program without `net` (goals 4.5 KB and 6.6 KB).
// Run: node bench/runtime.mjs [--mb N]
import { build as esbuild } from 'esbuild';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import * as nodeNet from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { register } from 'tsx/cjs/api';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
register();
const { build } = createRequire(import.meta.url)(join(ROOT, 'cli/pipeline/build.ts'));
const RUNTIME = join(ROOT, 'runtime');
const mbArg = process.argv.indexOf('--mb');
const TOTAL = (mbArg > 0 ? Number(process.argv[mbArg + 1]) : 32) * 1024 * 1024;
const CHUNK = 64 * 1024;

/** The runtime's net and the host driver, bundled from TypeScript and loaded into this process. */
async function loadRuntime() {
  const r = await esbuild({
    stdin: {
      contents: `export * as net from ${JSON.stringify(join(RUNTIME, 'net.ts'))};\nexport { createHostNetdev } from ${JSON.stringify(join(ROOT, 'cli/run/host-netdev.ts'))};\n`,
      resolveDir: ROOT,
      loader: 'js',
    },
    bundle: true,
    write: false,
    platform: 'node',
    format: 'esm',
    target: 'es2019',
    logLevel: 'silent',
  });
  const dir = await mkdtemp(join(tmpdir(), 'kaluma-net-bench-'));
  const file = join(dir, 'runtime.mjs');
  await writeFile(file, r.outputFiles[0].text);
  try {
    return await import(pathToFileURL(file).href);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Echo server (socket.pipe(socket)) and one client that streams TOTAL bytes through it with
 *  backpressure; resolves with MB/s of the round trip. */
function echoThroughput(net) {
  return new Promise((resolve, reject) => {
    const server = net.createServer((c) => c.pipe(c));
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = server.address().port;
      const chunk = new Uint8Array(CHUNK).fill(7);
      let sent = 0;
      let received = 0;
      const started = process.hrtime.bigint();
      const c = net.createConnection({ port, host: '127.0.0.1' }, () => {
        const more = () => {
          while (sent < TOTAL) {
            sent += CHUNK;
            if (!c.write(chunk)) return void c.once('drain', more);
          }
          c.end();
        };
        more();
      });
      c.on('error', reject);
      c.on('data', (d) => (received += d.length));
      c.on('end', () => {
        const seconds = Number(process.hrtime.bigint() - started) / 1e9;
        if (received !== TOTAL) return reject(new Error(`echoed ${received} of ${TOTAL} bytes`));
        server.close(() => resolve(TOTAL / 1024 / 1024 / seconds));
      });
    });
  });
}

/** Best MB/s of each contender over `runs` alternating rounds (this machine's noise hits both). */
async function bestOf(runs, contenders) {
  const top = contenders.map(() => 0);
  for (let i = 0; i < runs; i++) {
    for (let k = 0; k < contenders.length; k++) top[k] = Math.max(top[k], await contenders[k]());
  }
  return top;
}

/** The program `source` built as `kaluma-net build --target host` ships it (esbuild, then
 *  the stamp): the runtime without any driver (the host driver is PC-side). */
async function programSize(dir, source) {
  await writeFile(join(dir, 'app.js'), source);
  const r = await build({ cwd: dir, entry: 'app.js', target: 'host', formats: ['js'], write: false });
  return r.program.length;
}

const APPS = {
  'client-only': {
    goal: 4.5 * 1024,
    source: `import { createConnection } from 'net';
const s = createConnection({ host: '127.0.0.1', port: 80 }, () => s.write('GET / HTTP/1.0\\r\\n\\r\\n'));
s.on('data', (d) => print(d.length));
s.on('end', () => print('done'));`,
  },
  'client+server': {
    goal: 6.6 * 1024,
    source: `import { createConnection, createServer } from 'net';
createServer((c) => c.pipe(c)).listen(7, () => {
  const s = createConnection({ host: '127.0.0.1', port: 7 }, () => s.end('hi'));
  s.on('data', (d) => print(d.length));
});`,
  },
};

/** The same program with its `net` import replaced by stand-ins from globals: what the program itself
 *  (and the stamp) weighs. */
function withoutNet(source) {
  const own = source.replace(/^import \{ ([^}]+) \} from 'net';/, (_, names) => `const { ${names} } = global;`);
  if (own === source) throw new Error(`bench app does not start with "import { ... } from 'net';"`);
  return own;
}

async function main() {
  const { net, createHostNetdev } = await loadRuntime();
  // The board is this same realm here: received bytes need no copy (the sandbox's realm copies them).
  globalThis.__netdev = createHostNetdev({ bytes: (b) => (b instanceof Uint8Array ? b : Uint8Array.from(b)), callback: (fn) => fn() });
  console.log(`echo throughput, ${TOTAL / 1024 / 1024} MB round trip on 127.0.0.1 (best of 5 alternating runs):`);
  const [raw, ours] = await bestOf(5, [() => echoThroughput(nodeNet), () => echoThroughput(net)]);
  const ratio = ours / raw;
  console.log(`  Node net              ${raw.toFixed(1).padStart(8)} MB/s`);
  console.log(`  runtime + host driver ${ours.toFixed(1).padStart(8)} MB/s`);
  console.log(`  ratio                 ${ratio.toFixed(2).padStart(8)} x   (goal >= 0.50)  ${ratio >= 0.5 ? 'ok' : 'MISSED'}`);

  console.log('minified runtime size (kaluma-net build --target host: esbuild, stamp; the program itself subtracted):');
  const dir = await mkdtemp(join(tmpdir(), 'kaluma-net-bench-size-'));
  try {
    for (const [name, app] of Object.entries(APPS)) {
      const total = await programSize(dir, app.source);
      const own = await programSize(dir, withoutNet(app.source));
      const size = total - own;
      const verdict = size <= app.goal ? 'ok' : 'MISSED';
      console.log(`  ${name.padEnd(14)} ${String(size).padStart(6)} B   (goal <= ${app.goal.toFixed(0)} B)  ${verdict}   [bundle ${total} B]`);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
