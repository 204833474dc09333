import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createSimNetdev, install } from '../../runtime/drivers/sim';
import { ERRNO, type Netdev, type NetdevSocket } from '../../runtime/netdev-contract';
import * as net from '../../runtime/net';

const g = globalThis as any;
const tick = (ms = 5) => new Promise((r) => setTimeout(r, ms));

/** Runs a driver call and resolves with its callback's err, checking it never comes synchronously. */
function req(run: (cb: (err: number) => void) => void): Promise<number> {
  return new Promise((ok, fail) => {
    let returned = false;
    run((err) => (returned ? ok(err) : fail(new Error('synchronous callback'))));
    returned = true;
  });
}

interface Peer {
  fd: number;
  s: NetdevSocket;
  events: unknown[];
}

function watch(d: Netdev, fd: number): Peer {
  const s = d.get(fd)!;
  const events: unknown[] = [];
  s.read_cb = (data) => events.push(['data', new TextDecoder().decode(data)]);
  s.shutdown_cb = () => events.push('shutdown');
  s.close_cb = () => events.push('close');
  s.error_cb = (n) => events.push(['error', n]);
  return { fd, s, events };
}

/** A listening socket on `port` and a client connected to it: [client, accepted]. */
async function pair(d: Netdev, port = 80): Promise<[Peer, Peer]> {
  const l = d.socket('INET', 'STREAM');
  assert.is(await req((cb) => d.bind(l, '0.0.0.0', port, cb)), 0);
  assert.is(await req((cb) => d.listen(l, cb)), 0);
  let accepted = -1;
  d.get(l)!.accept_cb = (fd) => (accepted = fd);
  const c = d.socket('INET', 'STREAM');
  assert.is(await req((cb) => d.connect(c, '127.0.0.1', port, cb)), 0);
  assert.ok(accepted >= 0 && accepted !== l && accepted !== c, 'the accepted connection has its own fd');
  return [watch(d, c), watch(d, accepted)];
}

const text = (s: string) => new TextEncoder().encode(s);

test('install() registers the driver, ignoring target keys it does not know', () => {
  const d = install({ bufferSize: 100, wifi: false } as any);
  assert.is(g.__netdev, d);
  delete g.__netdev;
});

test('refusal, unknown names and hosts, EADDRINUSE, port 0', async () => {
  const d = createSimNetdev();
  const c = d.socket('INET', 'STREAM');
  assert.is(await req((cb) => d.connect(c, '127.0.0.1', 9, cb)), ERRNO.ECONNREFUSED);
  assert.is(d.errno, ERRNO.ECONNREFUSED);
  assert.is(await req((cb) => d.connect(c, 'example.invalid', 9, cb)), ERRNO.ENOTFOUND);
  assert.is(await req((cb) => d.connect(c, '10.1.2.3', 9, cb)), ERRNO.EHOSTUNREACH);
  const a = d.socket('INET', 'STREAM');
  const b = d.socket('INET', 'STREAM');
  assert.is(await req((cb) => d.bind(a, '127.0.0.1', 7000, cb)), 0);
  assert.is(await req((cb) => d.bind(b, '127.0.0.1', 7000, cb)), ERRNO.EADDRINUSE);
  const z = d.socket('INET', 'STREAM');
  assert.is(await req((cb) => d.bind(z, '0.0.0.0', 0, cb)), 0);
  assert.ok(d.get(z)!.lport > 0);
  assert.is(d.socket('INET', 'DGRAM'), -1);
});

test('connected sockets: addresses, data both ways on their own slots, in order', async () => {
  const d = createSimNetdev();
  const [c, a] = await pair(d, 81);
  assert.is(c.s.state, 2);
  assert.is(c.s.raddr, '127.0.0.1');
  assert.is(c.s.rport, 81);
  assert.is(a.s.lport, 81);
  assert.is(a.s.rport, c.s.lport);
  assert.is(await req((cb) => d.write(c.fd, text('ab'), cb)), 0);
  assert.is(await req((cb) => d.write(c.fd, 'cd', cb)), 0);
  await req((cb) => d.write(a.fd, text('back'), cb));
  await tick();
  assert.equal(a.events.map((e: any) => e[1]).join(''), 'abcd');
  assert.equal(c.events, [['data', 'back']]);
});

test('backpressure: a paused receiver stalls write acknowledgements beyond the buffer', async () => {
  const d = createSimNetdev({ bufferSize: 8 });
  const [c, a] = await pair(d);
  d.pause!(a.fd, true);
  let acked = 0;
  d.write(c.fd, text('0123456789abcdef'), () => acked++);
  await tick(20);
  assert.is(acked, 0, 'more than the 8 bytes in flight');
  assert.equal(a.events, []);
  d.pause!(a.fd, false);
  await tick(20);
  assert.is(acked, 1);
  assert.is(a.events.map((e: any) => e[1]).join(''), '0123456789abcdef');
});

test('half-close: FIN after pending data, the other way keeps working, close_cb once both finished', async () => {
  const d = createSimNetdev();
  const [c, a] = await pair(d);
  d.write(c.fd, text('last'), () => {});
  assert.is(await req((cb) => d.shutdown(c.fd, 1, cb)), 0);
  await tick();
  assert.equal(a.events, [['data', 'last'], 'shutdown']);
  assert.is(await req((cb) => d.write(c.fd, text('x'), cb)), ERRNO.EPIPE, 'no writing after shutdown');
  await req((cb) => d.write(a.fd, text('reply'), cb));
  await req((cb) => d.shutdown(a.fd, 1, cb));
  await tick();
  assert.equal(c.events, [['data', 'reply'], 'shutdown', 'close']);
  assert.equal(a.events, [['data', 'last'], 'shutdown', 'close']);
  assert.is(await req((cb) => d.close(c.fd, cb)), 0);
  assert.is(await req((cb) => d.close(a.fd, cb)), 0);
  await tick();
  assert.is(c.events.length + a.events.length, 6, 'no close_cb for our own close()');
});

test('close: the peer reads the rest and a clean end; its later writes are reset', async () => {
  const d = createSimNetdev();
  const [c, a] = await pair(d);
  await req((cb) => d.write(c.fd, text('bye'), cb));
  await req((cb) => d.close(c.fd, cb));
  await tick();
  assert.equal(a.events, [['data', 'bye'], 'shutdown']);
  const err = await req((cb) => d.write(a.fd, text('anyone?'), cb));
  await tick();
  assert.is(err, ERRNO.ECONNRESET);
  assert.equal(a.events.slice(2), [['error', ERRNO.ECONNRESET], 'close']);
  assert.is(d.get(c.fd), null, 'the fd is free');
});

test('close with unread data resets the peer', async () => {
  const d = createSimNetdev();
  const [c, a] = await pair(d);
  d.pause!(a.fd, true);
  await req((cb) => d.write(c.fd, text('unread'), cb));
  await req((cb) => d.close(a.fd, cb));
  await tick();
  assert.equal(c.events, [['error', ERRNO.ECONNRESET], 'close']);
});

test('net on sim: a write callback waits until the driver took the data', async () => {
  install({ bufferSize: 64 });
  const done: string[] = [];
  const server = net.createServer((s) => {
    s.pause();
    setTimeout(() => {
      done.push('resume');
      s.resume();
    }, 40);
    s.on('data', () => {});
    s.on('end', () => s.end());
  });
  await new Promise<void>((r) => server.listen(5000, r));
  const c = net.createConnection(5000, '127.0.0.1');
  const big = new Uint8Array(3000);
  const ok = c.write(big, () => done.push('written'));
  assert.is(ok, false, '3000 bytes are above the 2048-byte default mark');
  await new Promise((r) => c.once('drain', r));
  assert.equal(done, ['resume', 'written']);
  c.end();
  await new Promise((r) => c.on('close', r));
  await new Promise((r) => server.close(r));
  delete g.__netdev;
});

test.run();
