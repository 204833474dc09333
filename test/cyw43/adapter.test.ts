// runtime/drivers/cyw43/ over the pico_cyw43 emulator, in Node: the contract behaviour the
// adapter promises on top of the firmware's quirks.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Cyw43AirOptions } from '../../cli/emulate/cyw43';
import { install, type Cyw43Config, type Cyw43Handle, type Cyw43Netdev } from '../../runtime/drivers/cyw43';
import { ERRNO } from '../../runtime/netdev-contract';
import { AP, emulatedBoard, freePort, hostClient, hostServer, joinWifi, sleep, waitFor, type EmulatedBoard } from './harness';

const g = globalThis as Record<string, unknown>;
let board: EmulatedBoard;
let handle: Cyw43Handle;
let nd: Cyw43Netdev;

function setup(air: Cyw43AirOptions = {}, config: Cyw43Config = {}, before?: (b: EmulatedBoard) => void): void {
  board = emulatedBoard(air);
  before?.(board);
  g.__netdev = board.netdev;
  g.__ieee80211dev = board.wifi;
  handle = install({
    wifi: AP,
    connectTimeout: 300,
    writeTimeout: 1000,
    linkTimeout: 1000,
    retryDelay: 20,
    retryMaxDelay: 100,
    ...config,
  });
  nd = handle.netdev;
}

test.after.each(() => {
  handle.stop();
  board.air.close();
  delete g.__netdev;
  delete g.__ieee80211dev;
  delete g.storage;
});

const op = (run: (cb: (err: number) => void) => void) => new Promise<number>((resolve) => run(resolve));

interface Client {
  fd: number;
  data: () => Buffer;
  events: string[];
}

/** A contract socket with its slots recording what arrives. */
function watch(fd: number): Client {
  const chunks: Uint8Array[] = [];
  const events: string[] = [];
  const s = nd.get(fd)!;
  s.read_cb = (d) => {
    chunks.push(d);
    events.push('data');
  };
  s.connect_cb = () => events.push('connect');
  s.shutdown_cb = () => events.push('end');
  s.close_cb = () => events.push('close');
  s.error_cb = (e) => events.push(`error:${e}`);
  return { fd, data: () => Buffer.concat(chunks), events };
}

async function connectClient(port: number, host = '127.0.0.1'): Promise<Client> {
  const fd = nd.socket('PF_INET', 'STREAM');
  const c = watch(fd);
  const err = await op((cb) => nd.connect(fd, host, port, cb));
  assert.is(err, 0, `connect: ${nd.errmsg}`);
  return c;
}

test('echo: binary bytes round-trip, callbacks and connect_cb', async () => {
  setup();
  const server = await hostServer();
  const c = await connectClient(server.port);
  assert.ok(c.events.includes('connect'));
  assert.is(nd.get(c.fd)!.state, 2);
  assert.is(nd.get(c.fd)!.raddr, '127.0.0.1');
  const all = Uint8Array.from({ length: 256 }, (_, i) => i);
  assert.is(await op((cb) => nd.write(c.fd, all, cb)), 0);
  assert.is(await op((cb) => nd.write(c.fd, 'héllo', cb)), 0);
  await waitFor('echo', () => c.data().length === 256 + 6);
  assert.equal([...c.data().subarray(0, 256)], [...all]);
  assert.is(c.data().subarray(256).toString('utf8'), 'héllo');
  assert.is(await op((cb) => nd.close(c.fd, cb)), 0);
  assert.is(nd.get(c.fd), undefined);
  await sleep(20);
  assert.not.ok(c.events.includes('close'), 'no close_cb for our own close()');
  await server.close();
});

test('half-close: our FIN goes after the data, no local "end"; the reply, then end and close arrive', async () => {
  setup();
  let request = '';
  const server = await hostServer((s) => {
    s.on('data', (d) => (request += d));
    s.on('end', () => s.end(`reply to ${request}`));
  });
  const c = await connectClient(server.port);
  nd.write(c.fd, new TextEncoder().encode('request'), () => {});
  let eventsAtShutdown: string[] = [];
  const shut = await op((cb) =>
    nd.shutdown(c.fd, 1, (err) => {
      eventsAtShutdown = [...c.events];
      cb(err);
    }),
  );
  assert.is(shut, 0);
  assert.not.ok(eventsAtShutdown.includes('end'), 'the firmware calls shutdown_cb on local shutdown; the adapter does not');
  assert.is(await op((cb) => nd.write(c.fd, 'late', cb)), ERRNO.EPIPE);
  await waitFor('close', () => c.events.includes('close'));
  assert.is(c.data().toString(), 'reply to request');
  assert.equal(c.events.slice(-3), ['data', 'end', 'close']);
  await server.close();
});

test('peer closes first: end then close; writing afterwards fails with EPIPE', async () => {
  setup();
  const server = await hostServer((s) => s.end('bye'));
  const c = await connectClient(server.port);
  await waitFor('close', () => c.events.includes('close'));
  assert.equal(c.events, ['connect', 'data', 'end', 'close']);
  assert.is(await op((cb) => nd.write(c.fd, 'x', cb)), ERRNO.EPIPE);
  await server.close();
});

test("connect, data and FIN in one poll: an answer written in read_cb reaches the peer before the firmware closes", async () => {
  // The board's network step: events wait while `held`, then all run in one poll.
  let held: (() => void)[] | null = null;
  setup({}, {}, (b) => {
    joinWifi(b.wifi);
    const run = b.realm.callback;
    b.realm.callback = (fn) => (held ? held.push(fn) : run(fn));
  });
  let got = '';
  const server = await hostServer((s) => {
    s.on('data', (d) => (got += d));
    s.end('ping');
  });
  const fd = nd.socket('PF_INET', 'STREAM');
  const c = watch(fd);
  nd.get(fd)!.read_cb = (d) => {
    c.events.push('data');
    nd.write(fd, 'pong ' + Buffer.from(d).toString(), () => {});
  };
  held = [];
  let connected = -1;
  nd.connect(fd, '127.0.0.1', server.port, (e) => (connected = e));
  await waitFor('the peer to end', () => server.sockets.length === 1 && server.sockets[0].writableFinished);
  await sleep(50);
  const poll = held;
  held = null;
  for (const fn of poll) board.realm.callback(fn);
  assert.is(connected, 0);
  await waitFor('the answer', () => got === 'pong ping');
  assert.equal(c.events, ['connect', 'data', 'end', 'close']);
  await server.close();
});

test('bytes delivered inside a name lookup (the firmware polls lwIP in it) wait until the call returned', async () => {
  let held: (() => void)[] | null = null;
  setup({ dns: { 'echo.test': '127.0.0.1' } }, {}, (b) => {
    joinWifi(b.wifi);
    const run = b.realm.callback;
    b.realm.callback = (fn) => (held ? held.push(fn) : run(fn));
    (b.realm as { pollNetwork?: () => void }).pollNetwork = () => {
      const poll = held || [];
      held = [];
      for (const fn of poll) run(fn);
    };
  });
  const server = await hostServer();
  const c = await connectClient(server.port);
  held = [];
  server.sockets[0].write('x');
  await waitFor('the bytes to reach the chip', () => held!.length > 0);
  const fd = nd.socket('PF_INET', 'STREAM');
  nd.connect(fd, 'echo.test', server.port, () => {});
  assert.ok(held!.length === 0, 'the lookup polled lwIP');
  assert.equal(c.events, ['connect'], 'no consumer callback inside connect()');
  held = null;
  await waitFor('the bytes', () => c.data().toString() === 'x');
  await server.close();
});

test('a connection that completed while the connect deadline came due is not failed (timers run before the Wi-Fi poll)', async () => {
  setup({}, {}, (b) => {
    const connect = b.netdev.connect;
    b.netdev.connect = (nfd: number, host: string, port: number) => {
      const o = b.netdev.get(nfd);
      const deliver = o.connect_cb;
      let held = false;
      o.connect_cb = () => (held = true);
      connect.call(b.netdev, nfd, host, port);
      // Delivered right after the adapter's 300 ms deadline, as the firmware's poll would in the
      // loop pass whose timer phase ran that deadline.
      queueMicrotask(() => setTimeout(() => held && deliver(), 300));
    };
  });
  const server = await hostServer();
  const fd = nd.socket('PF_INET', 'STREAM');
  const c = watch(fd);
  assert.is(await op((cb) => nd.connect(fd, '127.0.0.1', server.port, cb)), 0, nd.errmsg);
  await waitFor('connect_cb', () => c.events.includes('connect'));
  await server.close();
});

test('refused connection: the firmware says nothing; at connectTimeout the adapter finds the pcb freed, fails with ECONNREFUSED and never closes it', async () => {
  const log: string[] = [];
  setup({ log: (l) => log.push(l) });
  const port = await freePort();
  const fd = nd.socket('PF_INET', 'STREAM');
  const t0 = Date.now();
  const err = await op((cb) => nd.connect(fd, '127.0.0.1', port, cb));
  assert.is(err, ERRNO.ECONNREFUSED);
  assert.ok(Date.now() - t0 >= 290);
  assert.match(nd.errmsg, /connect ECONNREFUSED 127\.0\.0\.1:/);
  assert.ok(board.netdev.get(0), 'the firmware socket is left alone: closing it would tcp_close a freed pcb');
  nd.close(fd, () => {});
  assert.equal(log, [], 'no use of the freed pcb');
});

test('unanswered connection (a black hole): the pcb is still there at connectTimeout, so it is closed and the failure is ETIMEDOUT', async () => {
  const log: string[] = [];
  setup({ log: (l) => log.push(l) });
  const fd = nd.socket('PF_INET', 'STREAM');
  const err = await op((cb) => nd.connect(fd, '10.255.255.1', 80, cb));
  assert.is(err, ERRNO.ETIMEDOUT);
  assert.match(nd.errmsg, /no answer within 300 ms/);
  assert.is(board.netdev.get(0), undefined, 'the firmware socket was closed');
  nd.close(fd, () => {});
  assert.equal(log, []);
});

test('large writes: 200 KB arrive intact, in pieces the send buffer takes, paced without blocking', async () => {
  setup();
  const chunks: Buffer[] = [];
  const server = await hostServer((s) => s.on('data', (d) => chunks.push(d)));
  const c = await connectClient(server.port);
  const native = board.netdev;
  const nativeWrite = native.write;
  const sizes: number[] = [];
  native.write = function (this: unknown, fd: number, data: string) {
    nativeWrite.call(this, fd, data);
    if (native.errno === 0) sizes.push(data.length);
  };
  const big = Uint8Array.from({ length: 200 * 1024 }, (_, i) => (i * 7 + (i >> 8)) & 0xff);
  let ticks = 0;
  const ticker = setInterval(() => ticks++, 1);
  let handedAtAck = -1;
  const t0 = Date.now();
  const done = op((cb) =>
    nd.write(c.fd, big, (err) => {
      handedAtAck = sizes.reduce((a, b) => a + b, 0);
      cb(err);
    }),
  );
  assert.ok(Date.now() - t0 < 50, 'write() returns at once');
  assert.is(await done, 0);
  clearInterval(ticker);
  assert.is(handedAtAck, big.length, 'acknowledged once all of it was handed over');
  assert.ok(Math.max(...sizes) <= 11680);
  assert.ok(ticks > 2, 'the loop kept running');
  await waitFor('all bytes', () => Buffer.concat(chunks).length === big.length);
  assert.ok(Buffer.concat(chunks).equals(Buffer.from(big)));
  native.write = nativeWrite;
  await server.close();
});

/** Board-side server: greets each client it serves, echoes, and logs the order of things. */
async function greetingServer(port: number, log: string[]): Promise<number> {
  const lfd = nd.socket('PF_INET', 'STREAM');
  let n = 0;
  nd.get(lfd)!.accept_cb = (fd) => {
    const me = ++n;
    log.push(`accept ${me}`);
    const s = nd.get(fd)!;
    s.read_cb = (d) => nd.write(fd, d, () => {});
    s.close_cb = () => {
      log.push(`close ${me}`);
      nd.close(fd, () => {});
    };
    nd.write(fd, `ready ${me}\n`, () => {});
  };
  assert.is(await op((cb) => nd.bind(lfd, '0.0.0.0', port, cb)), 0);
  assert.is(await op((cb) => nd.listen(lfd, cb)), 0);
  return lfd;
}

test('server: three clients connecting at once are served one after another, each gets its own echo', async () => {
  setup();
  const port = await freePort();
  const log: string[] = [];
  const lfd = await greetingServer(port, log);
  const clients = [0, 1, 2].map(() => hostClient(port));
  let gateOpen = false;
  const greeted = () => clients.filter((cl) => cl.received() !== '');
  for (const [i, cl] of clients.entries()) {
    const answer = () => {
      if (cl.received().endsWith('\n')) cl.socket.write(`message ${i}`);
      else if (cl.received().endsWith(`message ${i}`)) cl.socket.end();
    };
    cl.socket.on('data', () => (gateOpen ? answer() : undefined));
    cl.socket.on('open-gate', answer);
  }
  await waitFor('first greeted', () => greeted().length === 1);
  await sleep(50);
  assert.is(greeted().length, 1, 'later clients are held, not greeted');
  gateOpen = true;
  greeted()[0].socket.emit('open-gate');
  await waitFor('all served', () => clients.every((cl) => cl.ended()), 5000);
  const greets = clients.map((cl) => cl.received().split('\n')[0]).sort();
  assert.equal(greets, ['ready 1', 'ready 2', 'ready 3']);
  for (const [i, cl] of clients.entries()) assert.ok(cl.received().endsWith(`\nmessage ${i}`), cl.received());
  await waitFor('closes', () => log.length === 6);
  assert.equal(log, ['accept 1', 'close 1', 'accept 2', 'close 2', 'accept 3', 'close 3']);
  nd.close(lfd, () => {});
  for (const cl of clients) cl.socket.destroy();
});

test('server: bytes a held client sends before its turn reach the connection being served (documented limit)', async () => {
  setup();
  const port = await freePort();
  const log: string[] = [];
  await greetingServer(port, log);
  const first = hostClient(port);
  await waitFor('first greeted', () => first.received() === 'ready 1\n');
  const second = hostClient(port);
  await waitFor('second accepted natively', () => board.netdev.get(2) !== undefined);
  second.socket.write('early');
  await waitFor('misrouted echo', () => first.received() === 'ready 1\nearly');
  assert.is(second.received(), '');
  first.socket.destroy();
  second.socket.destroy();
});

test('server: port 0 gets a port the adapter picked (lport filled); closing the server lets held clients go', async () => {
  setup();
  const lfd = nd.socket('PF_INET', 'STREAM');
  let accepted = -1;
  nd.get(lfd)!.accept_cb = (fd) => (accepted = fd);
  assert.is(await op((cb) => nd.bind(lfd, '0.0.0.0', 0, cb)), 0);
  const port = nd.get(lfd)!.lport;
  assert.ok(port >= 49152 && port < 65536, String(port));
  assert.is(await op((cb) => nd.listen(lfd, cb)), 0);
  const a = hostClient(port);
  await waitFor('accept', () => accepted >= 0);
  const b = hostClient(port);
  await waitFor('second client accepted natively (held)', () => board.netdev.get(2) !== undefined);
  nd.close(lfd, () => {});
  await waitFor('held client let go', () => b.ended());
  nd.write(accepted, 'still served', () => {});
  await waitFor('served connection continues', () => a.received() === 'still served');
  a.socket.write('and heard');
  const got: string[] = [];
  nd.get(accepted)!.read_cb = (d) => got.push(Buffer.from(d).toString());
  await waitFor('data of the served connection', () => got.join('') === 'and heard');
  a.socket.destroy();
});

test('Wi-Fi not up yet: socket() returns at once, connect waits, then succeeds when the network appears', async () => {
  const server = await hostServer();
  setup({}, { linkTimeout: 3000 }, (b) => b.air.setWifiDown(true));
  const fd = nd.socket('PF_INET', 'STREAM');
  assert.ok(fd >= 0);
  assert.is(nd.errno, 0);
  const c = watch(fd);
  const connected = op((cb) => nd.connect(fd, 'localhost', server.port, cb));
  nd.write(fd, 'queued before the link', () => {});
  await sleep(150);
  assert.equal(c.events, []);
  board.air.setWifiDown(false);
  assert.is(await connected, 0, nd.errmsg);
  await waitFor('echo of the queued write', () => c.data().toString() === 'queued before the link');
  await server.close();
});

test('Wi-Fi not up: without credentials connect fails after linkTimeout with ENETUNREACH and a clear message', async () => {
  setup({}, { wifi: null, linkTimeout: 200 });
  const fd = nd.socket('PF_INET', 'STREAM');
  const t0 = Date.now();
  assert.is(await op((cb) => nd.connect(fd, '127.0.0.1', 9, cb)), ERRNO.ENETUNREACH);
  assert.ok(Date.now() - t0 >= 190);
  assert.match(nd.errmsg, /Wi-Fi is not connected: no credentials/);
  assert.match(nd.errmsg, /WIFI_SSID/);
  const bfd = nd.socket('PF_INET', 'STREAM');
  assert.is(await op((cb) => nd.bind(bfd, '0.0.0.0', 0, cb)), ERRNO.ENETUNREACH);
});

test('a link brought up just before the link deadline (by the program, unseen by the 250 ms poll) is used', async () => {
  setup({}, { wifi: null, linkTimeout: 300 });
  const server = await hostServer();
  const fd = nd.socket('PF_INET', 'STREAM');
  const result = op((cb) => nd.connect(fd, '127.0.0.1', server.port, cb));
  setTimeout(() => joinWifi(board.wifi), 290); // e.g. require('wifi').connect() in the program
  assert.is(await result, 0, nd.errmsg);
  await server.close();
});

test('Wi-Fi credentials fall back to the storage slots when the config leaves them null', async () => {
  g.storage = { getItem: (k: string) => ({ WIFI_SSID: AP.ssid, WIFI_PASSWORD: AP.password })[k] ?? null };
  setup({}, { wifi: { ssid: null, password: null } });
  const server = await hostServer();
  await connectClient(server.port);
  await server.close();
});

test('a dropped link is noticed at the next socket; the adapter rejoins and the operation goes on', async () => {
  setup();
  const server = await hostServer();
  await connectClient(server.port);
  board.air.dropLink();
  const c = await connectClient(server.port);
  assert.ok(c.events.includes('connect'));
  await server.close();
});

test('DNS failure gives ENOTFOUND (3008); names from the table resolve', async () => {
  setup({ dns: { localhost: '127.0.0.1', 'echo.test': '127.0.0.1' } });
  const fd = nd.socket('PF_INET', 'STREAM');
  assert.is(await op((cb) => nd.connect(fd, 'nowhere.test', 80, cb)), ERRNO.ENOTFOUND);
  assert.is(ERRNO.ENOTFOUND, 3008);
  assert.match(nd.errmsg, /ENOTFOUND nowhere\.test/);
  const server = await hostServer();
  await connectClient(server.port, 'echo.test');
  await server.close();
});

test('fd exhaustion: the 17th socket() gives -1 with EMFILE', () => {
  setup();
  joinWifi(board.wifi);
  const fds = Array.from({ length: 16 }, () => nd.socket('PF_INET', 'STREAM'));
  assert.ok(fds.every((fd) => fd >= 0));
  assert.is(nd.socket('PF_INET', 'STREAM'), -1);
  assert.is(nd.errno, ERRNO.EMFILE);
  nd.close(fds[5], () => {});
  assert.ok(nd.socket('PF_INET', 'STREAM') >= 0);
  assert.is(nd.socket('PF_INET', 'DGRAM'), -1);
  assert.is(nd.errno, 93);
});

test('a connection reset by the peer fails pending writes with ETIMEDOUT once writeTimeout passes', async () => {
  setup({}, { writeTimeout: 200 });
  const server = await hostServer(() => {});
  const c = await connectClient(server.port);
  await waitFor('accepted', () => server.sockets.length === 1);
  server.sockets[0].resetAndDestroy();
  await sleep(50);
  const err = await op((cb) => nd.write(c.fd, new Uint8Array(40_000), cb));
  assert.is(err, ERRNO.ETIMEDOUT);
  await waitFor('close', () => c.events.includes('close'));
  assert.equal(c.events.slice(-2), [`error:${ERRNO.ETIMEDOUT}`, 'close']);
  await server.close();
});

test.run();
