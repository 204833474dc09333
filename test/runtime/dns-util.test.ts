// The `dns` and `util` runtime modules: dns.lookup through the driver's resolver (and a clear error
// without one), util's inherits/format/promisify/inspect, and both dropped from bundles that do not
// use them.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from '../../cli/pipeline/build';
import * as dns from '../../runtime/dns';
import { install } from '../../runtime/drivers/sim';
import { EventEmitter } from '../../runtime/events';
import * as util from '../../runtime/util';

const g = globalThis as any;
const dir = mkdtempSync(join(tmpdir(), 'kaluma-net-dns-util-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

const lookup = (host: string, opts?: any) =>
  new Promise<unknown[]>((r) => {
    let sync = true;
    dns.lookup(host, opts ?? {}, (...a: unknown[]) => {
      assert.not.ok(sync, 'the callback is asynchronous');
      r(a);
    });
    sync = false;
  });

test('dns.lookup: an IP address is answered as it is, also with {all: true}', async () => {
  install({});
  try {
    assert.equal(await lookup('10.1.2.3'), [null, '10.1.2.3', 4]);
    assert.equal(await lookup('::1'), [null, '::1', 6]);
    assert.equal(await lookup('10.1.2.3', { all: true }), [null, [{ address: '10.1.2.3', family: 4 }]]);
  } finally {
    delete g.__netdev;
  }
});

test("dns.lookup: a name goes to the driver's resolver; its failure is getaddrinfo ENOTFOUND", async () => {
  const d: any = install({});
  d.lookup = (host: string, cb: (err: number, a?: string) => void) => (host === 'board.local' ? cb(0, '192.168.4.7') : setTimeout(() => cb(3008), 1));
  try {
    assert.equal(await lookup('board.local'), [null, '192.168.4.7', 4]);
    const [e] = (await lookup('nowhere.invalid')) as any[];
    assert.is(e.code, 'ENOTFOUND');
    assert.is(e.syscall, 'getaddrinfo');
    assert.is(e.hostname, 'nowhere.invalid');
    assert.is(e.message, 'getaddrinfo ENOTFOUND nowhere.invalid');
  } finally {
    delete g.__netdev;
  }
});

test('dns.lookup: a driver without a resolver gives a clear ENOSYS error for a name; bad arguments throw as in Node', async () => {
  delete (install({}) as any).lookup;
  try {
    const [e] = (await lookup('example.com')) as any[];
    assert.is(e.code, 'ENOSYS');
    assert.match(e.message, 'getaddrinfo ENOSYS example.com: no resolver on this target');
    assert.throws(() => dns.lookup(42 as any, () => {}), (x: any) => x.code === 'ERR_INVALID_ARG_TYPE');
    assert.throws(() => dns.lookup('x', {} as any), (x: any) => x.code === 'ERR_INVALID_ARG_TYPE');
  } finally {
    delete g.__netdev;
  }
});

test('util.inherits with EventEmitter.call(this), the pre-class pattern', () => {
  function Thing(this: any) {
    EventEmitter.call(this);
    this.n = 1;
  }
  util.inherits(Thing, EventEmitter);
  const t = new (Thing as any)();
  let got = 0;
  t.on('x', (v: number) => (got = v + t.n));
  t.emit('x', 41);
  assert.is(got, 42);
  assert.instance(t, EventEmitter);
  assert.is((Thing as any).super_, EventEmitter);
});

test('util.format as Node formats', () => {
  assert.is(util.format('%s:%d:%i:%f:%j %%', 'a', '42', 3.9, '1.5', { a: 1 }), 'a:42:3:1.5:{"a":1} %');
  assert.is(util.format('%s', 'x', 'extra', 3), 'x extra 3');
  assert.is(util.format('%d'), '%d');
  assert.is(util.format(1, 'a', { b: [1, 'c'] }), "1 a { b: [ 1, 'c' ] }");
});

test('util.promisify resolves with the value and rejects with the error', async () => {
  const f = util.promisify((a: number, cb: (e: Error | null, v?: number) => void) => setTimeout(() => (a < 0 ? cb(new Error('neg')) : cb(null, a * 2)), 1));
  assert.is(await f(21), 42);
  await f(-1).then(
    () => assert.unreachable(),
    (e: Error) => assert.is(e.message, 'neg'),
  );
});

test('util.inspect basics', () => {
  const o: any = { a: 1, s: 'x', n: null, u: undefined, f: function named() {}, arr: [1, [2, [3, [4]]]], 'k-y': -0 };
  o.self = o;
  assert.is(util.inspect('str'), "'str'");
  // As Node's (depth 2), except that Node numbers circular references (<ref *1>, [Circular *1]).
  assert.is(util.inspect(o), "{ a: 1, s: 'x', n: null, u: undefined, f: [Function: named], arr: [ 1, [ 2, [Array] ] ], 'k-y': -0, self: [Circular] }");
  assert.is(util.inspect(new Uint8Array([1, 2])), 'Uint8Array(2) [ 1, 2 ]');
  class P {
    x = 1;
  }
  assert.is(util.inspect(new P()), 'P { x: 1 }');
  assert.is(util.inspect([]), '[]');
  assert.is(util.inspect({}), '{}');
});

async function modulesOf(source: string): Promise<{ mods: string[]; code: string }> {
  writeFileSync(join(dir, 'app.js'), source);
  const r = await build({ cwd: dir, entry: 'app.js', target: 'host', formats: ['js'], write: false, minify: false });
  return { mods: r.modules.map((m) => m.path).sort(), code: r.program };
}

test('dns and util resolve to the runtime, and are tree-shaken to what is used', async () => {
  const none = await modulesOf(`import { createConnection } from 'net';\ncreateConnection(80, 'localhost');\n`);
  assert.not.ok(none.mods.some((m) => /runtime\/(dns|util)\.ts/.test(m)), none.mods.join());
  const inherits = await modulesOf(`const util = require('util');\nfunction A() {}\nutil.inherits(A, Object);\n`);
  assert.ok(inherits.mods.includes('runtime/util.ts'), inherits.mods.join());
  assert.not.ok(/Circular|promisify/.test(inherits.code), 'inherits alone carries no inspect or promisify');
  const lookupOnly = await modulesOf(`import dns from 'node:dns';\ndns.lookup('10.0.0.1', () => {});\n`);
  assert.ok(lookupOnly.mods.includes('runtime/dns.ts'), lookupOnly.mods.join());
  assert.not.ok(lookupOnly.mods.includes('runtime/net/socket.ts'), 'dns carries no socket');
});

test.run();
