import { build } from 'esbuild';
import { minify } from 'terser';
const root = '/work/main/runtime/';
const r = await build({ stdin: { contents: process.argv[2], resolveDir: '/tmp', loader: 'js' }, bundle: true, write: false, format: 'iife', target: 'es2019', treeShaking: true, minify: true, platform: 'neutral', resolveExtensions: ['.ts', '.js'], alias: { net: root + 'net.ts', events: root + 'events.ts', stream: root + 'stream.ts', netdev: root + 'netdev.ts' } });
const m = await minify(r.outputFiles[0].text, { ecma: 2019, compress: { passes: 2, ecma: 2019 }, mangle: true, format: { ascii_only: true, ecma: 2019 } });
console.log(m.code);
