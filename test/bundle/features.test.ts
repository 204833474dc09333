// Compile-time feature switches (cli/bundle/features.ts): what the program uses and its target's
// driver options turn code behind `globalThis.KN_*` on or off, and code that is off is not bundled.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundle } from '../../cli/bundle/bundle';
import { programFeatures } from '../../cli/bundle/features';
import { loadTarget } from '../../cli/targets/load';
import type { Target } from '../../cli/targets/target';
import { UserError } from '../../cli/util/errors';

const dir = mkdtempSync(join(tmpdir(), 'kaluma-net-features-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

const PROBE = `
if (globalThis.KN_SERVER !== false) print('has-server');
if (globalThis.KN_CLIENT !== false) print('has-client');
if (globalThis.KN_DHCP !== false) print('has-dhcp');
if (globalThis.KN_DNS !== false) print('has-dns');
`;

async function build(name: string, source: string, target: Target) {
  const entry = join(dir, name + '.js');
  writeFileSync(entry, source + PROBE);
  return bundle({ entry, target, cwd: dir, sourcemap: false, minify: true });
}

test('a client-only program gets no server code, a server-only one no client code', async () => {
  const sim = loadTarget('sim');
  const client = await build('client', `import { createConnection } from 'net'; createConnection(80);`, sim);
  assert.equal(client.features, { CLIENT: true, SERVER: false, DNS: false, DHCP: false, ERRMSG: false, CHECKED: false });
  assert.ok(client.code.includes('has-client'));
  assert.not.ok(client.code.includes('has-server'));
  const server = await build('server', `const net = require('net'); net.createServer().listen(80);`, sim);
  assert.equal(server.features, { CLIENT: false, SERVER: true, DNS: false, DHCP: false, ERRMSG: false, CHECKED: false });
  assert.ok(server.code.includes('has-server'));
  assert.not.ok(server.code.includes('has-client'));
});

test('a module object that escapes keeps everything', async () => {
  const all = await build('all', `import * as net from 'net'; print(Object.keys(net).length);`, loadTarget('sim'));
  assert.equal(all.features, { CLIENT: true, SERVER: true, DNS: false, DHCP: false, ERRMSG: false, CHECKED: false });
  assert.ok(all.code.includes('has-server') && all.code.includes('has-client'));
});

test('dns.lookup turns the drivers\' resolvers on; without it no driver carries one', async () => {
  const src = `import { lookup } from 'dns'; import { connect } from 'net'; lookup('a', () => connect(80));`;
  const plain = `import { connect } from 'net'; connect(80);`;
  for (const target of ['sim', 'w5500-evb-pico', 'pico-w', 'pico-esp01']) {
    const t = loadTarget(target);
    const withDns = await build(target + '-dns', src, t);
    assert.is(withDns.features.DNS, true);
    assert.ok(withDns.code.includes('has-dns'));
    assert.match(withDns.code, /\.lookup=/, target);
    const without = await build(target + '-plain', plain, t);
    assert.is(without.features.DNS, false);
    assert.not.ok(without.code.includes('has-dns'));
    assert.not.match(without.code, /\.lookup=/, target);
  }
  const required = await build('dns-require', `require('dns').lookup('a', () => {});`, loadTarget('sim'));
  assert.is(required.features.DNS, true);
});

test('members the runtime never calls come only with a program that names them (a string will do)', async () => {
  const sim = loadTarget('sim');
  const plain = await build('members-plain', `import { createConnection } from 'net'; createConnection(80).on('data', () => {});`, sim);
  const named = await build('members-named', `import { createConnection } from 'net';\nprint('uses pipe, then setNoDelay');\nconst s = createConnection(80); s['listener' + 'Count']('data');`, sim);
  for (const [name, code] of [['pipe', /\.pipe=/], ['setNoDelay', /\.setNoDelay=/], ['readyState', /"readyState"/], ['listenerCount', /\.listenerCount=/]] as const) {
    assert.not.match(plain.code, code, name + ' left out');
  }
  assert.match(named.code, /\.pipe=/);
  assert.match(named.code, /\.setNoDelay=/);
  // readyState reads readable and writable, so naming it brings them.
  const state = await build('members-state', `import { createConnection } from 'net'; print(createConnection(80).readyState);`, sim);
  assert.match(state.code, /"readable"/);
  assert.match(state.code, /"writable"/);
  assert.not.match(plain.code, /"readable"/);
  // Paused-mode reading (read() and 'readable') and the localAddress check come with their names.
  assert.not.match(plain.code, /\.read=/);
  assert.not.match(plain.code, /Invalid IP address/);
  const paused = await build('members-read', `import { createConnection } from 'net'; const s = createConnection({ port: 80, localAddress: '127.0.0.1' }); s.on('readable', () => print(s.read()));`, sim);
  assert.match(paused.code, /\.read=/);
  assert.match(paused.code, /"readable"/);
  assert.match(paused.code, /Invalid IP address/);
  // Installing a member keeps its class: a program that uses no socket gets none for a name.
  const ipOnly = await build('members-ip', `import { isIP } from 'net'; print(isIP('1.2.3.4'), 'pipe address pending');`, sim);
  assert.not.match(ipOnly.code, /prototype/);
});

test('the target decides DHCP: the W5500 default, not a static address', async () => {
  const w = loadTarget('w5500-evb-pico');
  const src = `import { connect } from 'net'; connect(80);`;
  assert.ok((await build('dhcp', src, w)).code.includes('has-dhcp'));
  const fixed = { ...w, netdev: { ...w.netdev!, ip: { ip: '192.168.1.9' } } };
  const b = await build('static', src, fixed);
  assert.is(b.features.DHCP, false);
  assert.not.ok(b.code.includes('has-dhcp'));
});

test('drivers: the errmsg sentences net never shows are left out, what they log stays', async () => {
  const w = await build('w5500', `import { connect } from 'net'; connect(80);`, loadTarget('w5500-evb-pico'));
  assert.not.ok(w.code.includes('cannot connect now'));
  assert.ok(w.code.includes('W5500 not found on '));
  const c = await build('cyw43', `import { connect } from 'net'; connect(80);`, loadTarget('pico-w'));
  assert.not.ok(c.code.includes('bad file descriptor'));
  assert.ok(c.code.includes('Wi-Fi is not connected'));
});

test('the build checks W5500 options (the board bundle then leaves the checks out)', async () => {
  const w = loadTarget('w5500-evb-pico');
  const src = `import { connect } from 'net'; connect(80);`;
  const ok = await build('checked', src, w);
  assert.is(ok.features.CHECKED, true);
  assert.not.ok(ok.code.includes('must be an integer'));
  const bad = { ...w, netdev: { ...w.netdev!, mac: '01:00:5e:00:00:01' } };
  try {
    await build('bad', src, bad);
    assert.unreachable('a multicast MAC was accepted');
  } catch (e) {
    assert.instance(e, UserError);
    assert.match((e as Error).message, /netdev options of target w5500-evb-pico .*: w5500: config mac 01:00:5e:00:00:01 is a multicast address/);
  }
});

test('no net, no switch on', () => {
  assert.equal(programFeatures(new Map(), loadTarget('pico-w').netdev), { CLIENT: false, SERVER: false, DNS: false, DHCP: false, ERRMSG: false, CHECKED: false });
});

test.run();
