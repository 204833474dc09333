import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { analyseRuntimeUsage } from '../../cli/bundle/usage';

const P = 'kaluma-net-usage:';
const names = (code: string) => {
  const u = analyseRuntimeUsage(code);
  return Object.fromEntries([...u].map(([k, v]) => [k, v === 'all' ? 'all' : [...v].sort()]));
};

test('named ESM imports', () => {
  assert.equal(names(`import { createConnection, Socket } from "${P}net"; createConnection(1);`), { net: ['Socket', 'createConnection'] });
});

test('default and namespace imports follow member accesses', () => {
  assert.equal(names(`import net from "${P}net"; net.createServer(); net.connect();`), { net: ['connect', 'createServer'] });
  assert.equal(names(`import * as net from "${P}net"; net.createConnection();`), { net: ['createConnection'] });
});

test('require() forms, incl. esbuild __toESM wrappers and destructuring', () => {
  assert.equal(names(`var net = __require("${P}net"); net.connect();`), { net: ['connect'] });
  assert.equal(names(`var { createServer: cs } = __require("${P}net"); cs();`), { net: ['createServer'] });
  assert.equal(names(`var import_net = __toESM(__require("${P}net")); import_net.default.createServer();`), { net: ['createServer'] });
  assert.equal(names(`__require("${P}events").EventEmitter;`), { events: ['EventEmitter'] });
});

test('an escaping module object keeps everything', () => {
  assert.equal(names(`var net = __require("${P}net"); use(net);`), { net: 'all' });
  assert.equal(names(`import * as net from "${P}net"; net[k]();`), { net: 'all' });
  assert.equal(names(`use(__require("${P}stream"));`), { stream: 'all' });
});

test('programs without net', () => {
  assert.equal(names(`import { x } from "./y"; console.log(1);`), {});
});

test.run();
