// The engine check of a bundle piece by piece (cli/check/bundle-check.ts): the same diagnostics and
// heap figures as a check of the whole program, each piece scanned once per process (the memory
// cache), a changed module alone scanned again.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { bundle } from '../../cli/bundle/bundle';
import { checkBundle, checkProgram } from '../../cli/check/bundle-check';
import { checkEngine } from '../../cli/check/engine-check';
import { scaffold } from '../../cli/init/scaffold';
import { loadTarget } from '../../cli/targets/load';
import { project } from '../helpers/cli';

const WARNINGS = {
  'src/index.js': "import { f } from './b.js';\nconst o = { a: 1 };\nif (Object.hasOwn(o, 'a')) console.log([1, 2].at(-1), f());\nnew WeakRef(o);\n",
  'src/b.js': 'export function f() { return Promise.allSettled([]).then((x) => `t${x}`); }\n',
};
// CommonJS modules (esbuild wraps them) and a template literal whose text looks like a module marker.
const AWKWARD = {
  'src/index.js': "const m = require('./m.js');\nrequire('net').createConnection(1);\nm.go();\n",
  'src/m.js': "// top comment\nexports.go = function () { return [].at(0); };\nexports.z = `multi\n  // not a marker\nline`;\n",
};

async function programFor(dir: string, targetId: string, minify = true) {
  const target = loadTarget(targetId);
  const b = await bundle({ entry: join(dir, 'src/index.js'), target, cwd: dir, minify, sourcemap: true, driver: { wifi: { ssid: 'net', password: 'secret' } } });
  return { target, b, view: await b.view() };
}

test('piece by piece: the diagnostics, string bytes and function count of a whole-program check', async () => {
  const dirs: [string, string][] = [];
  for (const t of ['tcp-echo-server', 'http-hello']) {
    for (const target of ['pico-w', 'pico-esp01', 'w5500-evb-pico']) {
      const dir = project({});
      await scaffold({ dir, template: t, target, typescript: false, force: true });
      dirs.push([dir, target]);
    }
  }
  dirs.push([project(WARNINGS), 'pico'], [project(AWKWARD), 'sim']);
  for (const [dir, targetId] of dirs) {
    for (const minify of [true, false]) {
      const { target, b, view } = await programFor(dir, targetId, minify);
      const whole = checkEngine({ code: b.code, map: b.map, cwd: dir, profile: target.engine });
      const pieces = checkBundle({ code: view.code, map: view.map, cwd: dir, profile: target.engine });
      assert.ok(pieces.pieces > 1, 'split into pieces');
      assert.equal(
        { d: pieces.diagnostics, s: pieces.stringBytes, f: pieces.functions },
        { d: whole.diagnostics, s: whole.stringBytes, f: whole.functions },
        `${dir} ${targetId} minify ${minify}`,
      );
    }
  }
  const { target, view } = await programFor(project(WARNINGS), 'pico');
  const found = checkBundle({ code: view.code, map: view.map, cwd: '/', profile: target.engine }).diagnostics.map((d) => d.message.split(' ')[0]);
  assert.equal(found, ['Promise.allSettled', 'Object.hasOwn', 'Array.prototype.at', 'WeakRef']);
});

test('each piece is scanned once; an edited module alone again; another engine profile scans anew', async () => {
  const dir = project({ 'src/index.js': "import { createConnection } from 'net';\ncreateConnection(80, 'a');\n" });
  const first = await programFor(dir, 'pico-w');
  // A profile of this test alone, so no earlier test has filled the cache for it.
  const profile = { ...first.target.engine, missingBuiltins: [...first.target.engine.missingBuiltins, 'OnlyInThisTest'] };
  const a = checkBundle({ code: first.view.code, cwd: dir, profile });
  assert.is(a.scanned, a.pieces, 'a new program: every piece scanned');
  assert.is(checkBundle({ code: first.view.code, cwd: dir, profile }).scanned, 0, 'the same program again: none');

  appendFileSync(join(dir, 'src/index.js'), "createConnection(81, 'b');\n");
  const edited = await programFor(dir, 'pico-w');
  const b = checkBundle({ code: edited.view.code, cwd: dir, profile });
  assert.is(b.scanned, 1, 'only the edited module');
  assert.is(b.pieces, a.pieces);

  const stricter = { ...profile, missingBuiltins: [...profile.missingBuiltins, 'Map'] };
  assert.is(checkBundle({ code: edited.view.code, cwd: dir, profile: stricter }).scanned, b.pieces, 'another profile: all again');
});

test('a program known clean needs no view; one with warnings is always checked in full', async () => {
  const clean = await programFor(project({ 'src/index.js': "print('clean');\n" }), 'pico');
  let views = 0;
  const view = () => {
    views++;
    return clean.b.view();
  };
  const input = { program: clean.b.code, view, cwd: '/', profile: clean.target.engine };
  const one = await checkProgram(input);
  const two = await checkProgram(input);
  assert.is(views, 1);
  assert.equal([two.stringBytes, two.functions, two.diagnostics], [one.stringBytes, one.functions, []]);

  const warned = await programFor(project(WARNINGS), 'pico');
  let warnedViews = 0;
  const warnedInput = { program: warned.b.code, view: () => (warnedViews++, warned.b.view()), cwd: '/', profile: warned.target.engine };
  await checkProgram(warnedInput);
  assert.is((await checkProgram(warnedInput)).diagnostics.length, 4);
  assert.is(warnedViews, 2);
});

test.run();
