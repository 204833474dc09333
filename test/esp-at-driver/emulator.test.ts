// The driver against the ESP-AT modem emulator (cli/emulate/esp-at) through a Kaluma-like UART:
// real host sockets on 127.0.0.1 behind CIPSTART and CIPSERVER, both firmware dialects.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import net from 'node:net';
import { EspAtModem, type EspAtModemOptions } from '../../cli/emulate/esp-at/modem';
import { createEspAtNetdev, type EspAtConfig, type EspAtDriver } from '../../runtime/drivers/esp-at';
import { ERRNO } from '../../runtime/netdev-contract';
import { KalumaUart } from './kaluma-uart';

interface Board {
  modem: EspAtModem;
  drv: EspAtDriver;
  logs: string[];
}

const boards: Board[] = [];
const servers: net.Server[] = [];
const clients: net.Socket[] = [];

async function until(what: string, done: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!done()) {
    if (Date.now() > end) throw new Error('timed out waiting for ' + what);
    await new Promise((r) => setTimeout(r, 2));
  }
}

async function board(opts: EspAtModemOptions = {}, config: EspAtConfig = {}): Promise<Board> {
  const modem = new EspAtModem({ hostPort: () => 0, ...opts });
  const logs: string[] = [];
  const drv = createEspAtNetdev(new KalumaUart(modem), {
    wifi: { ssid: 'lab', password: 'secret' },
    log: (m) => logs.push(m),
    ...config,
  });
  const b = { modem, drv, logs };
  boards.push(b);
  const err = await new Promise<number>((resolve) => drv.whenReady(resolve));
  assert.is(err, 0, 'driver ready: ' + logs.join(' / '));
  return b;
}

/** A board-side socket as `net` would drive it. */
class Sock {
  bytes: number[] = [];
  events: string[] = [];
  accepted: Sock[] = [];
  onAccept: ((s: Sock) => void) | null = null;
  constructor(readonly b: Board, readonly fd: number) {
    const s = b.drv.netdev.get(fd)!;
    s.read_cb = (u8) => this.bytes.push(...u8);
    s.shutdown_cb = () => this.events.push('shutdown_cb');
    s.close_cb = () => this.events.push('close_cb');
    s.error_cb = (e) => this.events.push('error_cb:' + e);
    s.accept_cb = (nfd) => {
      const c = new Sock(b, nfd);
      this.accepted.push(c);
      if (this.onAccept) this.onAccept(c);
    };
  }
  static create(b: Board): Sock {
    return new Sock(b, b.drv.netdev.socket('AF_INET', 'STREAM'));
  }
  get text(): string {
    return Buffer.from(this.bytes).toString('latin1');
  }
  op(fn: (cb: (err: number) => void) => void): Promise<number> {
    return new Promise((resolve) => fn(resolve));
  }
  connect(host: string, port: number): Promise<number> {
    return this.op((cb) => this.b.drv.netdev.connect(this.fd, host, port, cb));
  }
  write(data: Uint8Array | string): Promise<number> {
    return this.op((cb) => this.b.drv.netdev.write(this.fd, data, cb));
  }
  async listen(port: number): Promise<number> {
    const e = await this.op((cb) => this.b.drv.netdev.bind(this.fd, '0.0.0.0', port, cb));
    return e || this.op((cb) => this.b.drv.netdev.listen(this.fd, cb));
  }
  close(): Promise<number> {
    return this.op((cb) => this.b.drv.netdev.close(this.fd, cb));
  }
}

async function echoServer(): Promise<number> {
  const srv = net.createServer((s) => {
    s.on('error', () => undefined); // peers reset by dropLink/reset
    s.pipe(s);
  });
  servers.push(srv);
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  return (srv.address() as net.AddressInfo).port;
}

function hostClient(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const c = net.connect(port, '127.0.0.1', () => resolve(c));
    c.on('error', reject);
    clients.push(c);
  });
}

test.after.each(async () => {
  for (const c of clients.splice(0)) c.destroy();
  for (const b of boards.splice(0)) b.drv.close();
  for (const s of servers.splice(0)) await new Promise((r) => s.close(r));
});

for (const dialect of ['nonos', 'esp-at'] as const) {
  for (const chunking of ['none', 'byte', 'random'] as const) {
    test(`${dialect}, ${chunking} chunks: echo of 20 kB through a node:net server on 127.0.0.1`, async () => {
      const b = await board({ dialect, chunking, seed: 7 });
      assert.is(b.drv.dialect, dialect);
      assert.is(b.drv.netdev.ip, '127.0.0.1');
      const port = await echoServer();
      const s = Sock.create(b);
      assert.is(await s.connect('127.0.0.1', port), 0);
      const st = b.drv.netdev.get(s.fd)!;
      assert.equal([st.state, st.raddr, st.rport], [2, '127.0.0.1', port]);
      const data = new Uint8Array(20000).map((_, i) => (i * 31 + (i >> 8)) & 255);
      assert.is(await s.write(data), 0);
      await until('the echo', () => s.bytes.length >= data.length);
      assert.equal(Buffer.from(s.bytes), Buffer.from(data));
      assert.is(await s.close(), 0);
      assert.equal(s.events, []);
    });
  }
}

test('connect by name (localhost), refused port, unknown name', async () => {
  const b = await board();
  const port = await echoServer();
  const s = Sock.create(b);
  assert.is(await s.connect('localhost', port), 0);
  assert.is(b.drv.netdev.get(s.fd)!.raddr, '127.0.0.1');
  const free = await echoServer();
  await new Promise((r) => servers.pop()!.close(r));
  assert.is(await Sock.create(b).connect('127.0.0.1', free), ERRNO.ECONNREFUSED);
  assert.is(await Sock.create(b).connect('no.such.host', 80), ERRNO.ENOTFOUND);
  assert.is(await s.write('still fine'), 0);
});

for (const dialect of ['nonos', 'esp-at'] as const) {
  test(`${dialect}: server accept with two concurrent clients, each on its own link`, async () => {
    const b = await board({ dialect });
    const srv = Sock.create(b);
    srv.onAccept = (c) => {
      const s = b.drv.netdev.get(c.fd)!;
      const read = s.read_cb!;
      s.read_cb = (u8) => {
        read(u8);
        b.drv.netdev.write(c.fd, Buffer.from(u8).toString('latin1').toUpperCase(), () => undefined);
      };
    };
    assert.is(await srv.listen(8080), 0);
    assert.is(await Sock.create(b).listen(9090), ERRNO.EADDRINUSE);
    const addr = b.modem.serverAddress()!;
    const [x, y] = await Promise.all([hostClient(addr.port), hostClient(addr.port)]);
    const got = ['', ''];
    x.on('data', (d) => (got[0] += d));
    y.on('data', (d) => (got[1] += d));
    x.write('hello from x');
    y.write('and from y');
    await until('both replies', () => got[0] === 'HELLO FROM X' && got[1] === 'AND FROM Y');
    assert.is(srv.accepted.length, 2);
    const peers = srv.accepted.map((c) => b.drv.netdev.get(c.fd)!);
    assert.equal(peers.map((p) => p.raddr), ['127.0.0.1', '127.0.0.1']);
    assert.equal(peers.map((p) => p.rport).sort(), [x.localPort, y.localPort].sort());
    assert.equal(srv.accepted.map((c) => c.text).sort(), ['and from y', 'hello from x']);
    // one client leaves: only its socket ends
    x.end();
    const gone = srv.accepted.find((c) => c.text === 'hello from x')!;
    const stays = srv.accepted.find((c) => c !== gone)!;
    await until('end of x', () => gone.events.includes('close_cb'));
    assert.equal(gone.events, ['shutdown_cb', 'close_cb']);
    assert.equal(stays.events, []);
    y.write('again');
    await until('y again', () => got[1] === 'AND FROM YAGAIN');
  });
}

for (const dialect of ['nonos', 'esp-at'] as const) {
  test(`${dialect}: lookup through AT+CIPDOMAIN; an unknown name or one that cannot be sent is ENOTFOUND`, async () => {
    const b = await board({ dialect });
    const lookup = (host: string) => new Promise<unknown[]>((r) => b.drv.netdev.lookup!(host, (...a) => r(a)));
    assert.equal(await lookup('localhost'), [0, '127.0.0.1']);
    assert.equal(await lookup('nowhere.invalid'), [ERRNO.ENOTFOUND]);
    assert.equal(await lookup('two\r\nlines'), [ERRNO.ENOTFOUND]);
    assert.is(b.drv.netdev.errno, ERRNO.ENOTFOUND);
  });
}

test('end() on the board: data flushed, then the host sees FIN, the board socket ends', async () => {
  const b = await board();
  const srv = Sock.create(b);
  await srv.listen(8080);
  const c = await hostClient(b.modem.serverAddress()!.port);
  let got = '';
  let ended = false;
  c.on('data', (d) => (got += d.toString('latin1')));
  c.on('end', () => (ended = true));
  await until('accept', () => srv.accepted.length === 1);
  const a = srv.accepted[0];
  const big = 'y'.repeat(6000);
  b.drv.netdev.write(a.fd, big, () => undefined);
  const sd = await a.op((cb) => b.drv.netdev.shutdown(a.fd, 1, cb));
  assert.is(sd, 0);
  await until('FIN at the host', () => ended);
  assert.is(got, big);
  assert.equal(a.events, ['shutdown_cb', 'close_cb']);
});

test('modem reset: error_cb + close_cb, then re-init, re-listen and new connections work', async () => {
  const b = await board({ dialect: 'esp-at' });
  const srv = Sock.create(b);
  await srv.listen(8080);
  const port = await echoServer();
  const s = Sock.create(b);
  assert.is(await s.connect('127.0.0.1', port), 0);
  b.modem.inject.reset();
  await until('the reset noticed', () => s.events.includes('close_cb'));
  assert.equal(s.events, ['error_cb:' + ERRNO.ECONNRESET, 'close_cb']);
  await new Promise<number>((r) => setTimeout(() => b.drv.whenReady(r), 50));
  await until('re-listen', () => b.modem.serverAddress() !== null);
  assert.equal(srv.events, []);
  const c = await hostClient(b.modem.serverAddress()!.port);
  c.write('after the reset');
  await until('accept after the reset', () => srv.accepted.length === 1 && srv.accepted[0].text === 'after the reset');
  const t = Sock.create(b);
  assert.is(await t.connect('127.0.0.1', port), 0);
  assert.is(await t.write('ping'), 0);
  await until('echo after the reset', () => t.text === 'ping');
  assert.ok(b.logs.some((l) => /restarted/.test(l)), b.logs.join(' / '));
});

test('fault injection: busy, garbage, URCs inside a send, SEND FAIL, dropped link', async () => {
  const b = await board({ seed: 3 });
  const port = await echoServer();
  const s = Sock.create(b);
  assert.is(await s.connect('127.0.0.1', port), 0);
  b.modem.inject.busy(3);
  assert.is(await s.write('after busy'), 0);
  b.modem.inject.garbage(64);
  b.modem.inject.urc('WIFI GOT IP', 'before-prompt');
  b.modem.inject.garbage('\r\n+IPD,3,2:zz', 'after-prompt');
  b.modem.inject.urc('busy s...', 'after-recv');
  assert.is(await s.write(' and more'), 0);
  await until('echo', () => s.text === 'after busy and more');
  b.modem.inject.sendFail();
  assert.is(await s.write('lost'), ERRNO.ECONNRESET);
  await until('close after SEND FAIL', () => s.events.includes('close_cb'));
  const t = Sock.create(b);
  assert.is(await t.connect('127.0.0.1', port), 0);
  // t is the only open link now (4 may still be closing after the SEND FAIL, so maybe 3)
  assert.ok([4, 3].some((id) => b.modem.inject.dropLink(id)));
  await until('peer gone', () => t.events.includes('close_cb'));
  assert.equal(t.events, ['shutdown_cb', 'close_cb']);
  assert.is(await t.write('x'), ERRNO.EPIPE);
});

for (const dialect of ['nonos', 'esp-at'] as const) {
  test(`${dialect}: passive receive mode with pause()`, async () => {
    const b = await board({ dialect }, { passive: true });
    assert.ok(b.drv.passive, b.logs.join(' / '));
    const port = await echoServer();
    const s = Sock.create(b);
    assert.is(await s.connect('127.0.0.1', port), 0);
    const data = 'p'.repeat(9000);
    assert.is(await s.write(data), 0);
    await until('echo', () => s.bytes.length === data.length);
    b.drv.netdev.pause(s.fd, true);
    await s.write('held back');
    await new Promise((r) => setTimeout(r, 100));
    assert.is(s.bytes.length, data.length, 'nothing delivered while paused');
    b.drv.netdev.pause(s.fd, false);
    await until('resumed', () => s.text.endsWith('held back'));
  });
}

test('Wi-Fi: wrong password, join, get_connection, disconnect', async () => {
  const b = await board({ networks: [{ ssid: 'lab', password: 'secret' }] }, { wifi: null });
  const w = b.drv.wifi;
  const call = <T extends unknown[]>(op: (cb: (...a: T) => void) => void) => new Promise<T>((r) => op((...a) => r(a)));
  assert.equal(await call<[number, unknown]>((cb) => w.get_connection(cb)), [0, undefined]);
  assert.equal(await call<[number]>((cb) => w.connect({ ssid: 'lab', password: 'nope' }, cb)), [13]);
  const ev: string[] = [];
  w.connect_cb = () => ev.push('connected');
  w.disconnect_cb = () => ev.push('disconnected');
  assert.equal(await call<[number]>((cb) => w.connect({ ssid: 'lab', password: 'secret' }, cb)), [0]);
  assert.is(b.drv.netdev.ip, '127.0.0.1');
  const [err, info] = await call<[number, { ssid: string } | undefined]>((cb) => w.get_connection(cb));
  assert.equal([err, info && info.ssid], [0, 'lab']);
  assert.equal(await call<[number]>((cb) => w.disconnect(cb)), [0]);
  assert.equal(ev, ['connected', 'disconnected']);
  assert.is(await Sock.create(b).connect('127.0.0.1', 1), ERRNO.ENETUNREACH);
});

test('ENETUNREACH without credentials: the driver says once how to set them', async () => {
  const b = await board({ networks: [{ ssid: 'lab', password: 'secret' }] }, { wifi: null });
  assert.is(await Sock.create(b).connect('127.0.0.1', 1), ERRNO.ENETUNREACH);
  assert.is(await Sock.create(b).connect('127.0.0.1', 2), ERRNO.ENETUNREACH);
  assert.equal(b.logs, [b.drv.netdev.errmsg], 'logged once (net shows only the code)');
  assert.match(b.drv.netdev.errmsg, /^Wi-Fi is not connected and has no credentials: build with KALUMA_NET_WIFI_SSID and KALUMA_NET_WIFI_PASSWORD \(environment or \.env\), store WIFI_SSID and WIFI_PASSWORD with storage\.setItem\(\), or call require\('wifi'\)\.connect\(\)$/);
});

test.run();
