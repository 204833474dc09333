import { build } from 'esbuild';
import { minify } from 'terser';
const root = '/work/main/runtime/';
async function size(src) {
  const r = await build({ stdin: { contents: src, resolveDir: '/tmp/sz', loader: 'js' }, bundle: true, write: false, format: 'iife', target: 'es2019', treeShaking: true, minify: true, platform: 'neutral', resolveExtensions: ['.ts', '.js'],
    alias: { net: root + 'net.ts', events: root + 'events.ts', stream: root + 'stream.ts' } });
  const code = r.outputFiles[0].text;
  const m = await minify(code, { ecma: 2019, compress: { passes: 2, ecma: 2019 }, mangle: true, format: { ascii_only: true, ecma: 2019 } });
  return [code.length, m.code.length, m.code];
}
const client = `import { createConnection } from 'net'; const s = createConnection({ port: 80, host: 'x' }, () => s.end('hi')); s.on('data', (d) => print(d.length));`;
const both = `import { createConnection, createServer } from 'net'; createServer((c) => c.pipe(c)).listen(80, () => { const s = createConnection(80, '127.0.0.1'); s.on('data', (d) => print(d.length)); });`;
const empty = `print(1)`;
for (const [n, s] of [['client', client], ['both', both], ['empty', empty]]) { const [a, b, c] = await size(s); console.log(n, a, b); if (process.argv[2] === n) console.log(c); }
