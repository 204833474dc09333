// Node's semantics that Node's own net tests (test/node-conformance) found missing, each checked here
// on the sim driver: argument forms, constructors without `new`, Node's error codes and messages,
// socket properties, reuse after 'close', event order, and the idle timer that fires.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { install } from '../../runtime/drivers/sim';
import * as net from '../../runtime/net';

const g = globalThis as any;
test.before.each(() => {
  install({});
});
test.after.each(() => {
  delete g.__netdev;
});

const once = <T = unknown>(e: { once(t: string, f: (v: T) => void): unknown }, type: string) => new Promise<T>((r) => e.once(type, r));
const tick = (ms = 5) => new Promise((r) => setTimeout(r, ms));

/** The error fn() throws. */
function thrown(fn: () => unknown): any {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('nothing thrown');
}

async function listening(server: net.Server): Promise<number> {
  if (!server.listening) await once(server, 'listening');
  return server.address()!.port;
}

async function closed(...servers: net.Server[]): Promise<void> {
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
}

test('listen(): every argument form Node accepts binds an arbitrary port', async () => {
  const forms: ((s: net.Server, cb: () => void) => unknown)[] = [
    (s, cb) => s.listen().on('listening', cb),
    (s, cb) => s.listen(cb),
    (s, cb) => s.listen(0).on('listening', cb),
    (s, cb) => s.listen('0', cb),
    (s, cb) => s.listen(null as any, cb),
    (s, cb) => s.listen(undefined, cb),
    (s, cb) => s.listen({ port: 0 }, cb),
    (s, cb) => s.listen({ port: 0, host: '127.0.0.1' }, cb),
    (s, cb) => s.listen(0, 5, cb),
    (s, cb) => s.listen(0, '127.0.0.1', 5, cb),
  ];
  const servers = forms.map(() => net.createServer());
  await Promise.all(forms.map((f, i) => new Promise<void>((r) => f(servers[i], r))));
  const ports = servers.map((s) => s.address()!.port);
  assert.ok(ports.every((p) => p > 0), ports.join());
  assert.is(new Set(ports).size, ports.length);
  await closed(...servers);
});

test("listen(): Node's errors for bad ports and options, and for a second listen()", async () => {
  for (const port of [-1, 65536, 1.5, NaN, Infinity, '', ' ', 'x']) {
    const e = thrown(() => net.createServer().listen(port as any));
    assert.is(e.code, 'ERR_SOCKET_BAD_PORT', String(port));
    assert.instance(e, RangeError);
  }
  assert.match(thrown(() => net.createServer().listen(-1)).message, 'options.port should be >= 0 and < 65536. Received type number (-1).');
  for (const o of [true, { port: true }, { path: -1 }]) {
    const e = thrown(() => net.createServer().listen(o as any));
    assert.is(e.code, 'ERR_INVALID_ARG_VALUE');
    assert.instance(e, TypeError);
    assert.match(e.message, /^The argument 'options' is invalid\. Received /);
  }
  assert.match(thrown(() => net.createServer().listen({ host: 'localhost' })).message, /^The argument 'options' must have the property "port" or "path"\. Received /);
  const s = net.createServer().listen(0);
  const e = thrown(() => s.listen(0));
  assert.is(e.code, 'ERR_SERVER_ALREADY_LISTEN');
  await listening(s);
  await closed(s);
});

test('createServer(options): options that are not an object are ERR_INVALID_ARG_TYPE', () => {
  for (const o of ['path', 0, true]) assert.is(thrown(() => net.createServer(o as any)).code, 'ERR_INVALID_ARG_TYPE', String(o));
});

test('Server() and Socket() work without new; net.Stream is Socket; subclasses keep their prototype', async () => {
  const s = (net.Server as any)();
  assert.instance(s, net.Server);
  const k = (net.Socket as any)();
  assert.instance(k, net.Socket);
  assert.is(net.Stream, net.Socket);
  class Mine extends net.Socket {
    mine() {
      return 42;
    }
  }
  const m = new Mine();
  assert.instance(m, net.Socket);
  assert.is(m.mine(), 42);
});

test('address() right after listen(0) is known (the port once the driver bound it); close() right after listen() means no listening', async () => {
  const s = net.createServer();
  s.listen(0);
  const a = s.address();
  assert.ok(a, 'address() is not null while the driver binds');
  assert.is(a!.family, 'IPv4');
  s.on('listening', () => assert.unreachable('listening after close()'));
  let closedEvent = false;
  s.close(() => (closedEvent = true));
  assert.is(s.address(), null);
  await tick(20);
  assert.ok(closedEvent);
});

test('close(notAFunction) is ignored; close(cb) on a server that is not running gives ERR_SERVER_NOT_RUNNING', async () => {
  const s = net.createServer().listen(0);
  s.close('bad argument' as any);
  await once(s, 'close');
  const e = await new Promise<any>((r) => net.createServer().close(r));
  assert.is(e.code, 'ERR_SERVER_NOT_RUNNING');
});

test('connect(): ERR_MISSING_ARGS, ERR_INVALID_ARG_TYPE, ERR_SOCKET_BAD_PORT and bad hints, as Node throws them', () => {
  for (const args of [[], [{}], [undefined]]) {
    const e = thrown(() => net.connect(...(args as [any])));
    assert.is(e.code, 'ERR_MISSING_ARGS');
    assert.is(e.message, 'The "options" or "port" or "path" argument must be specified');
  }
  for (const port of [true, false, null, [], {}]) assert.is(thrown(() => new net.Socket().connect({ port } as any)).code, 'ERR_INVALID_ARG_TYPE', String(port));
  for (const port of [-1, 65536, NaN, '', '0x', '-0x1']) {
    const e = thrown(() => net.createConnection(port as any));
    assert.is(e.code, 'ERR_SOCKET_BAD_PORT', String(port));
    assert.instance(e, RangeError);
  }
  const e = thrown(() => net.connect({ port: 42, hints: 42 + 1024 }));
  assert.is(e.code, 'ERR_INVALID_ARG_VALUE');
  assert.is(e.message, "The argument 'hints' is invalid. Received 1066");
});

test('connect(): localAddress and localPort checked as Node does (ERR_INVALID_IP_ADDRESS, ERR_INVALID_ARG_TYPE)', async () => {
  const e = thrown(() => net.connect({ host: 'localhost', port: 0, localAddress: 'foobar' }));
  assert.is(e.code, 'ERR_INVALID_IP_ADDRESS');
  assert.instance(e, TypeError);
  assert.is(e.message, 'Invalid IP address: foobar');
  const p = thrown(() => net.connect({ host: 'localhost', port: 0, localPort: 'foobar' as any }));
  assert.is(p.code, 'ERR_INVALID_ARG_TYPE');
  assert.is(p.message, `The "options.localPort" argument must be of type number. Received type string ('foobar')`);
  const server = net.createServer((c) => c.end());
  const port = await listening(server.listen(0));
  const s = net.connect({ port, host: '127.0.0.1', localAddress: '127.0.0.1', localPort: 0 });
  s.resume();
  await once(s, 'close');
  await closed(server);
});

test("paused mode: 'readable' then read()/read(n); 'end' only once everything was read, then 'close'", async () => {
  const server = net.createServer((c) => c.end('hello world'));
  const port = await listening(server.listen(0));
  const s = net.connect(port, '127.0.0.1');
  const events: string[] = [];
  s.on('end', () => events.push('end'));
  s.on('close', () => events.push('close'));
  let readables = 0;
  s.on('readable', () => readables++);
  await tick(30);
  assert.is(readables, 1, "one 'readable' for the data not read yet");
  assert.equal(events, [], "no 'end' while data is unread");
  const text = (b: unknown) => new TextDecoder().decode(b as Uint8Array);
  assert.is(s.read(0), null);
  assert.is(text(s.read(5)), 'hello');
  assert.is(text(s.read(100)), ' world', 'at the end, read(n) gives what is left');
  assert.is(s.read(), null);
  await once(s, 'close');
  assert.equal(events, ['end', 'close']);
  await closed(server);
});

test('write(): ERR_STREAM_NULL_VALUES and ERR_INVALID_ARG_TYPE with Node messages; a destroyed socket: ERR_STREAM_DESTROYED to the callback only', async () => {
  const s = new net.Socket();
  let e = thrown(() => s.write(null as any));
  assert.is(e.code, 'ERR_STREAM_NULL_VALUES');
  assert.is(e.message, 'May not write null values to stream');
  e = thrown(() => s.write(true as any));
  assert.is(e.code, 'ERR_INVALID_ARG_TYPE');
  assert.is(e.message, 'The "chunk" argument must be of type string or an instance of Buffer, TypedArray, or DataView. Received type boolean (true)');
  assert.ok(thrown(() => s.write([] as any)).message.endsWith('DataView. Received an instance of Array'));
  s.on('error', () => assert.unreachable('error event'));
  s.destroy();
  const got = await new Promise<any>((r) => s.write('x', r));
  assert.is(got.code, 'ERR_STREAM_DESTROYED');
  assert.is(got.message, 'Cannot call write after a stream was destroyed');
});

test('a write waiting for the connection fails with ERR_SOCKET_CLOSED_BEFORE_CONNECTION when the socket is destroyed', async () => {
  const server = net.createServer().listen(0);
  const port = await listening(server);
  const s = net.connect(port, '127.0.0.1');
  assert.ok(s.connecting);
  const got = new Promise<any>((r) => s.write('early', r));
  s.destroy();
  const e = await got;
  assert.is(e.code, 'ERR_SOCKET_CLOSED_BEFORE_CONNECTION');
  assert.is(e.message, 'Socket closed before the connection was established');
  await closed(server);
});

test('write after the peer ended (allowHalfOpen false): EPIPE "This socket has been ended by the other party", error event a tick later', async () => {
  const server = net.createServer((c) => c.end());
  const port = await listening(server.listen(0));
  const s = net.connect(port, '127.0.0.1');
  await once(s, 'connect');
  s.end();
  await once(s, 'end');
  let errorEvent: any;
  s.on('error', (e) => (errorEvent = e));
  const cbError = new Promise<any>((r) => assert.is(s.write('late', r), false));
  assert.is(errorEvent, undefined);
  const e = await cbError;
  assert.is(e.code, 'EPIPE');
  assert.is(e.message, 'This socket has been ended by the other party');
  await tick();
  assert.is(errorEvent, e);
  await closed(server);
});

test('setTimeout(): ERR_INVALID_ARG_TYPE / ERR_OUT_OF_RANGE for bad delays and callbacks; ignored once destroyed', () => {
  const s = new net.Socket();
  for (const ms of ['100', true, undefined, null, {}]) assert.is(thrown(() => s.setTimeout(ms as any)).code, 'ERR_INVALID_ARG_TYPE');
  for (const ms of [-1, Infinity, NaN]) {
    const e = thrown(() => s.setTimeout(ms));
    assert.is(e.code, 'ERR_OUT_OF_RANGE');
    assert.instance(e, RangeError);
  }
  assert.is(thrown(() => s.setTimeout(1, 1 as any)).code, 'ERR_INVALID_ARG_TYPE');
  s.destroy();
  assert.is(s.setTimeout(1, () => assert.unreachable('timeout after destroy')), s);
});

test('properties: connecting, pending, readyState, remoteFamily/localFamily, bytesWritten; lookup for a name', async () => {
  const server = net.createServer((c) => c.resume());
  const port = await listening(server.listen(0));
  const s = new net.Socket();
  assert.is(s.pending, true);
  assert.is(s.readyState, 'open', "Node's readyState of a new socket");
  const lookups: unknown[] = [];
  s.on('lookup', (...a) => lookups.push(a));
  s.connect(port, 'localhost');
  assert.is(s.connecting, true);
  assert.is(s.readyState, 'opening');
  await once(s, 'connect');
  assert.equal(lookups, [[null, '127.0.0.1', 4, 'localhost']]);
  assert.is(s.connecting, false);
  assert.is(s.pending, false);
  assert.is(s.readyState, 'open');
  assert.is(s.remoteFamily, 'IPv4');
  assert.is(s.localFamily, 'IPv4');
  assert.is(s.address().family, 'IPv4');
  s.write('abc');
  assert.is(s.bytesWritten, 3);
  s.destroy();
  await once(s, 'close');
  assert.is(s.pending, true);
  assert.is(s.readyState, 'closed');
  await closed(server);
});

test("a Socket connects again after 'close', data included", async () => {
  const server = net.createServer((c) => {
    c.setEncoding('utf8');
    c.on('data', (d) => c.end('echo ' + d));
  });
  const port = await listening(server.listen(0));
  const s = new net.Socket();
  s.setEncoding('utf8');
  const got: string[] = [];
  s.on('data', (d) => got.push(d));
  for (const word of ['one', 'two', 'three']) {
    s.connect(port, '127.0.0.1');
    s.write(word);
    const [hadError] = await new Promise<boolean[]>((r) => s.once('close', (...a) => r(a)));
    assert.is(hadError, false);
  }
  assert.equal(got, ['echo one', 'echo two', 'echo three']);
  await closed(server);
});

test("maxConnections: connections beyond it are closed at once", async () => {
  const server = net.createServer((c) => c.resume());
  server.maxConnections = 1;
  const port = await listening(server.listen(0));
  const a = net.connect(port, '127.0.0.1');
  await once(a, 'connect');
  const b = net.connect(port, '127.0.0.1');
  b.resume();
  await once(b, 'close');
  assert.ok(!a.destroyed);
  a.destroy();
  await closed(server);
});

test('the idle timer that fires is never cleared: a timeout listener may destroy() or setTimeout(0)', async () => {
  const server = net.createServer((c) => c.resume());
  const port = await listening(server.listen(0));
  const realClear = g.clearTimeout;
  const fired = new Set<unknown>();
  const realSet = g.setTimeout;
  const cleared: unknown[] = [];
  g.setTimeout = (fn: () => void, ms: number) => {
    const id = realSet(() => {
      fired.add(id);
      fn();
    }, ms);
    return id;
  };
  g.clearTimeout = (id: unknown) => {
    if (fired.has(id)) cleared.push(id);
    realClear(id);
  };
  try {
    for (const onTimeout of [(s: net.Socket) => s.setTimeout(0), (s: net.Socket) => s.destroy()]) {
      const s = net.connect(port, '127.0.0.1');
      await once(s, 'connect');
      s.setTimeout(5);
      await new Promise<void>((r) =>
        s.once('timeout', () => {
          onTimeout(s);
          r();
        }),
      );
      s.destroy();
    }
  } finally {
    g.setTimeout = realSet;
    g.clearTimeout = realClear;
  }
  assert.equal(cleared, [], 'a fired timer was cleared');
  await closed(server);
});

test.run();
