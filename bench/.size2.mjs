import { build } from 'esbuild';
const root = '/work/main/runtime/';
const client = `import { createConnection } from 'net'; const s = createConnection({ port: 80, host: 'x' }, () => s.end('hi')); s.on('data', (d) => print(d.length));`;
const r = await build({ stdin: { contents: client, resolveDir: '/tmp', loader: 'js' }, bundle: true, write: false, format: 'iife', target: 'es2019', treeShaking: true, minify: true, metafile: true, platform: 'neutral', resolveExtensions: ['.ts', '.js'], alias: { net: root + 'net.ts' } });
for (const [k, v] of Object.entries(r.metafile.outputs)) for (const [f, i] of Object.entries(v.inputs)) console.log(i.bytesInOutput, f);
