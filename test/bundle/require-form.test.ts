// require() of a runtime module costs what the import form costs: the runtime stays ES modules
// (no lazy-init wrappers, no export getters), and the value is Node's module.exports
// (require('events') is EventEmitter itself).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cli, project } from '../helpers/cli';
import { bundle } from '../../cli/bundle/bundle';
import { loadTarget } from '../../cli/targets/load';
import { join } from 'node:path';

async function code(source: string): Promise<string> {
  const dir = project({ 'app.js': source });
  return (await bundle({ entry: join(dir, 'app.js'), target: loadTarget('sim'), cwd: dir, sourcemap: false, minify: false })).code;
}

test('require() of net or util wraps no runtime module, and carries only what is used', async () => {
  for (const src of [`const net = require('net');\nnet.createConnection(80);\n`, `const { inherits } = require('util');\ninherits(function A() {}, Object);\n`]) {
    const out = await code(src);
    assert.not.match(out, /__esm|__toCommonJS|__export\b|__copyProps/, src);
  }
  const util = await code(`const util = require('util');\nutil.inherits(function A() {}, Object);\n`);
  assert.not.match(util, /function (format|promisify|inspect)\b/);
});

test('imports alone pay nothing for the require form', async () => {
  const out = await code(`import { createConnection } from 'net';\ncreateConnection(80);\n`);
  assert.not.match(out, /__kn_required_|__commonJS/);
});

test("require('events') is EventEmitter, also as .EventEmitter; require('net') works in a CommonJS module of the program", () => {
  const dir = project({
    'app.js': `const EventEmitter = require('events');
const lib = require('./lib');
const e = new EventEmitter();
e.on('x', (v) => print('got ' + v + ' ' + (require('events').EventEmitter === EventEmitter) + ' ' + lib.kind));
e.emit('x', 1);
`,
    'lib.js': `const net = require('net');\nmodule.exports = { kind: typeof net.createConnection };\n`,
  });
  const r = cli(['run', 'app.js', '--target', 'sim'], dir);
  assert.is(r.stdout, 'got 1 true function', r.stderr);
  assert.is(r.status, 0);
});

test.run();
