// The 100-module app of bench/build.mjs, written into a directory: an entry (a TCP command server),
// 9 feature modules and 90 leaf modules of ordinary code (classes, closures, strings, a table),
// every one used, so tree shaking keeps them all. Deterministic: the same files every time.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const FEATURES = 9;
const LEAVES_PER_FEATURE = 10;

function leaf(f, l) {
  const n = f * LEAVES_PER_FEATURE + l;
  return `// leaf ${n}: a small stateful helper of feature ${f}
const NAMES = ['alpha', 'beta', 'gamma', 'delta', 'epsilon'].map((s) => s + '-${n}');

export class Counter${n} {
  constructor(limit = ${10 + n}) {
    this.limit = limit;
    this.seen = new Map();
  }
  add(key) {
    const v = (this.seen.get(key) || 0) + 1;
    this.seen.set(key, v);
    return v > this.limit ? 'limit ' + key + ' > ' + this.limit : null;
  }
  report() {
    const rows = [];
    this.seen.forEach((v, k) => rows.push(k + '=' + v));
    return 'counter ${n}: ' + rows.join(', ');
  }
}

export function transform${n}(text) {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    out += c >= 97 && c <= 122 ? String.fromCharCode(((c - 97 + ${n % 26}) % 26) + 97) : text[i];
  }
  return NAMES[text.length % NAMES.length] + ':' + out;
}
`;
}

function feature(f) {
  const ids = Array.from({ length: LEAVES_PER_FEATURE }, (_, l) => f * LEAVES_PER_FEATURE + l);
  return `// feature ${f}: commands F${f}.<n> built from its leaves
${ids.map((n) => `import { Counter${n}, transform${n} } from '../leaves/leaf${n}';`).join('\n')}

export function register${f}(commands) {
${ids.map((n) => `  const c${n} = new Counter${n}();\n  commands['F${f}.${n}'] = (arg) => c${n}.add(arg) || transform${n}(arg) + ' ' + c${n}.report();`).join('\n')}
}
`;
}

function entry() {
  const fs = Array.from({ length: FEATURES }, (_, f) => f);
  return `import { createServer } from 'net';
${fs.map((f) => `import { register${f} } from './features/feature${f}';`).join('\n')}

const commands = {};
${fs.map((f) => `register${f}(commands);`).join('\n')}

createServer((socket) => {
  socket.setEncoding('utf8');
  socket.on('data', (line) => {
    const [name, arg = ''] = line.trim().split(' ');
    const run = commands[name];
    socket.write((run ? run(arg) : 'unknown ' + name) + '\\n');
  });
  socket.on('error', () => undefined);
}).listen(7000);
`;
}

export function writeHundredModuleApp(dir) {
  mkdirSync(join(dir, 'src/features'), { recursive: true });
  mkdirSync(join(dir, 'src/leaves'), { recursive: true });
  writeFileSync(join(dir, 'src/index.js'), entry());
  for (let f = 0; f < FEATURES; f++) {
    writeFileSync(join(dir, `src/features/feature${f}.js`), feature(f));
    for (let l = 0; l < LEAVES_PER_FEATURE; l++) writeFileSync(join(dir, `src/leaves/leaf${f * LEAVES_PER_FEATURE + l}.js`), leaf(f, l));
  }
  return 1 + FEATURES + FEATURES * LEAVES_PER_FEATURE;
}
