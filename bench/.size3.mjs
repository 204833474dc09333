import { build } from 'esbuild';
import { minify } from 'terser';
const root = '/work/main/runtime/';
async function sz(src) {
  const r = await build({ stdin: { contents: src, resolveDir: '/tmp', loader: 'js' }, bundle: true, write: false, format: 'iife', target: 'es2019', treeShaking: true, minify: true, platform: 'neutral', resolveExtensions: ['.ts', '.js'], alias: { net: root + 'net.ts', events: root + 'events.ts', stream: root + 'stream.ts', netdev: root + 'netdev.ts' } });
  const m = await minify(r.outputFiles[0].text, { ecma: 2019, compress: { passes: 2, ecma: 2019 }, mangle: true, format: { ascii_only: true, ecma: 2019 } });
  return m.code.length;
}
const e = await sz(`import {EventEmitter} from 'events'; print(new EventEmitter())`);
const s = await sz(`import {Duplex} from 'stream'; print(new Duplex())`);
const n = await sz(`import {call, open, netError} from 'netdev'; print(call, open, netError)`);
const c = await sz(`import {createConnection} from 'net'; print(createConnection)`);
const b = await sz(`import {createConnection, createServer} from 'net'; print(createConnection, createServer)`);
console.log({ events: e, stream: s - e, netdev: n, socket: c - s - n, server: b - c });
