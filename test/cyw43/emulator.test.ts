// The pico_cyw43 emulator, quirk by quirk (kaluma-platform.md §6.1, kaluma-api.md §9, §11),
// driven directly as board code would, with a trivial realm.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createPicoCyw43Module, Cyw43Air, TCP_SND_BUF } from '../../cli/emulate/cyw43';
import {
  AP,
  busyWait,
  emulatedBoard,
  FAST,
  freePort,
  hostClient,
  hostServer,
  joinWifi,
  sleep,
  trivialRealm,
  waitFor,
  type EmulatedBoard,
} from './harness';

let board: EmulatedBoard;
test.after.each(() => board.air.close());

function connectedSocket(port: number): { fd: number; obj: any; got: Uint8Array[]; args: unknown[][] } {
  const { netdev } = board;
  const fd = netdev.socket('PF_INET', 'STREAM');
  const obj = netdev.get(fd);
  const got: Uint8Array[] = [];
  const args: unknown[][] = [];
  obj.read_cb = (...a: unknown[]) => {
    args.push(a);
    got.push(a[0] as Uint8Array);
  };
  netdev.connect(fd, '127.0.0.1', port, () => {});
  return { fd, obj, got, args };
}

const text = (chunks: Uint8Array[]) => Buffer.concat(chunks).toString('latin1');

test('boot: the board script installs both drivers; mac and ip exist only after socket()', () => {
  board = emulatedBoard();
  assert.equal(typeof board.wifi.connect, 'function');
  assert.equal(board.netdev.errno, 0);
  assert.is(board.netdev.mac, undefined);
  assert.is(board.netdev.ip, undefined);
  joinWifi(board.wifi);
  board.netdev.socket('PF_INET', 'STREAM');
  assert.is(board.netdev.mac, '28:CD:C1:00:00:01');
  assert.is(board.netdev.ip, '127.0.0.1');
});

test('socket() throws: link down, not initialised, bad protocol, all 16 fds taken', () => {
  board = emulatedBoard();
  assert.throws(() => board.netdev.socket('PF_INET', 'STREAM'), /^WiFi is not connected\.$/);
  assert.throws(() => board.netdev.socket('PF_INET', 'RAW'), (e: Error) => e instanceof TypeError && e.message === 'un-supported domain or protocol.');
  joinWifi(board.wifi);
  const fds = Array.from({ length: 16 }, () => board.netdev.socket('PF_INET', 'STREAM'));
  assert.equal(fds, [...Array(16).keys()]);
  assert.throws(() => board.netdev.socket('PF_INET', 'STREAM'), (e: any) => e.errno === -121 && e.message === 'Remote I/O error');
  board.netdev.close(3);
  assert.is(board.netdev.socket('PF_INET', 'STREAM'), 3);

  const air = new Cyw43Air({ networks: [AP], timing: FAST });
  const bare = createPicoCyw43Module(trivialRealm(), air);
  const netOnly = new bare.PicoCYW43Network();
  assert.throws(() => netOnly.socket('PF_INET', 'STREAM'), /^PICO-W CYW43 WiFi is not initialized\.$/);
  air.close();
});

test('JerryScript argument checks: optional callback given as undefined throws', () => {
  board = emulatedBoard();
  joinWifi(board.wifi);
  const fd = board.netdev.socket('PF_INET', 'STREAM');
  assert.throws(() => board.netdev.close(fd, undefined), /"callback" argument must be a function/);
  assert.throws(() => board.netdev.get('0'), /"fd" argument must be a number/);
  assert.throws(() => board.wifi.connect(), /"connectInfo" argument required/);
  assert.throws(() => board.wifi.connect({ ssid: null }), (e: Error) => e instanceof TypeError && e.message === 'SSID error');
});

test('Wi-Fi connect blocks and calls assoc_cb, connect_cb, then cb, all before it returns', () => {
  board = emulatedBoard();
  const order: string[] = [];
  board.wifi.assoc_cb = () => order.push('assoc');
  board.wifi.connect_cb = () => order.push('connect');
  board.wifi.connect({ ssid: AP.ssid, password: AP.password }, (err: number) => order.push(`cb:${err}`));
  order.push('returned');
  assert.equal(order, ['assoc', 'connect', 'cb:0', 'returned']);
  assert.is(board.wifi.errno, 0);
});

test('Wi-Fi connect failure: errno -1 but callback err 0, no assoc/connect callbacks', () => {
  board = emulatedBoard({ timing: { ...FAST, failMs: 40 } });
  const seen: unknown[] = [];
  board.wifi.connect_cb = () => seen.push('connect');
  const t0 = Date.now();
  board.wifi.connect({ ssid: AP.ssid, password: 'wrong-password' }, (err: number) => seen.push(err));
  assert.ok(Date.now() - t0 >= 35, 'a failed join blocks');
  assert.equal(seen, [0]);
  assert.is(board.wifi.errno, -1);
  board.wifi.connect({ ssid: 'no-such-net', password: AP.password }, () => {});
  assert.is(board.wifi.errno, -1);
  // a password under 8 chars without security means OPEN, which a WPA network refuses
  board.wifi.connect({ ssid: AP.ssid, password: 'short' }, () => {});
  assert.is(board.wifi.errno, -1);
});

test('get_connection: (err, {ssid, bssid}) when up, a lone err when down', () => {
  board = emulatedBoard();
  const calls: unknown[][] = [];
  board.wifi.get_connection((...a: unknown[]) => calls.push(a));
  board.wifi.connect({ ssid: AP.ssid, password: AP.password, bssid: 'aa:bb:cc:dd:ee:ff' }, () => {});
  // the firmware reverses the bssid's bytes, so the join targets FF:EE:..:AA and fails
  assert.is(board.wifi.errno, -1);
  joinWifi(board.wifi);
  board.wifi.get_connection((...a: unknown[]) => calls.push(a));
  assert.equal(calls, [[0], [0, { ssid: AP.ssid, bssid: 'aa:bb:cc:dd:ee:ff' }]]);
});

test('scan lists visible networks synchronously; reset drops every socket silently', () => {
  board = emulatedBoard();
  let list: any[] = [];
  board.wifi.scan((err: number, l: any[]) => {
    assert.is(err, 0);
    list = l;
  });
  assert.equal(list, [{ ssid: AP.ssid, bssid: '02:00:00:00:00:01', security: 'WPA2_WPA_PSK', rssi: -50, channel: 6 }]);
  joinWifi(board.wifi);
  const fd = board.netdev.socket('PF_INET', 'STREAM');
  let closed = false;
  board.netdev.get(fd).close_cb = () => (closed = true);
  board.wifi.reset(() => {});
  assert.is(board.netdev.get(fd), undefined);
  assert.not.ok(closed);
  assert.throws(() => board.netdev.socket('PF_INET', 'STREAM'), /WiFi is not connected/);
});

test('disconnect calls disconnect_cb; a dropped link is never signalled', () => {
  board = emulatedBoard();
  const seen: string[] = [];
  board.wifi.disconnect_cb = () => seen.push('disconnect');
  joinWifi(board.wifi);
  board.air.dropLink();
  assert.equal(seen, []);
  board.wifi.get_connection(() => {});
  assert.is(board.wifi.errno, -1);
  joinWifi(board.wifi);
  board.wifi.disconnect(() => {});
  assert.equal(seen, ['disconnect']);
  board.air.setWifiDown(true);
  board.wifi.connect({ ssid: AP.ssid, password: AP.password }, () => {});
  assert.is(board.wifi.errno, -1);
  let list: unknown[] = [1];
  board.wifi.scan((_e: number, l: unknown[]) => (list = l));
  assert.equal(list, []);
});

test('connect/bind resolve names synchronously from the DNS table and throw on failure', () => {
  board = emulatedBoard({ dns: { localhost: '127.0.0.1', slow: { fail: 'timeout' } }, timing: { ...FAST, dnsTimeoutMs: 60 } });
  joinWifi(board.wifi);
  const fd = board.netdev.socket('PF_INET', 'STREAM');
  assert.throws(() => board.netdev.connect(fd, 'nowhere.example', 80, () => {}), /^DNS Error: IP is not found\.$/);
  assert.is(board.netdev.errno, -1);
  const t0 = Date.now();
  assert.throws(() => board.netdev.connect(fd, 'slow', 80, () => {}), /^DNS response timeout\.$/);
  assert.ok(Date.now() - t0 >= 55, 'the lookup busy-waits');
  assert.throws(() => board.netdev.bind(fd, 'nowhere.example', 80, () => {}), /IP is not found/);
  board.netdev.connect(fd, 'LocalHost', 9, () => {});
  assert.is(board.netdev.get(fd).raddr, '127.0.0.1');
});

test('client: connect reports success at once (state 2 before the handshake); connect_cb comes later', async () => {
  board = emulatedBoard();
  const server = await hostServer();
  joinWifi(board.wifi);
  const fd = board.netdev.socket('PF_INET', 'STREAM');
  const obj = board.netdev.get(fd);
  const order: string[] = [];
  obj.connect_cb = () => order.push('connect_cb');
  board.netdev.connect(fd, '127.0.0.1', server.port, (err: number) => order.push(`cb:${err}`));
  order.push(`returned:${obj.state}`);
  assert.equal(order, ['cb:0', 'returned:2']);
  await waitFor('connect_cb', () => order.length === 3);
  assert.is(board.netdev.get(fd), obj, 'get() returns the same object');
  await server.close();
});

test('write: strings only, chars above 0xFF become 0x00, callback before return, echo to read_cb with a junk 2nd arg', async () => {
  board = emulatedBoard();
  const server = await hostServer();
  joinWifi(board.wifi);
  const s = connectedSocket(server.port);
  assert.throws(() => board.netdev.write(s.fd, new Uint8Array([1, 2])), /"data" argument must be a string/);
  const order: string[] = [];
  board.netdev.write(s.fd, 'A\u00ff\u0100\u4e2dZ', (err: number) => order.push(`cb:${err}`));
  order.push('returned');
  assert.equal(order, ['cb:0', 'returned']);
  await waitFor('echo', () => text(s.got).length === 5);
  assert.equal([...Buffer.concat(s.got)], [0x41, 0xff, 0x00, 0x00, 0x5a]);
  assert.is(s.args[0].length, 2);
  assert.type(s.args[0][1], 'number');
  assert.ok(s.got[0] instanceof Uint8Array);
  await server.close();
});

test('send buffer: 11,680 bytes pending at most; space returns as the host takes the bytes', async () => {
  board = emulatedBoard();
  const server = await hostServer(() => {});
  joinWifi(board.wifi);
  const s = connectedSocket(server.port);
  board.netdev.write(s.fd, 'x'.repeat(TCP_SND_BUF + 1));
  assert.is(board.netdev.errno, -1, 'larger than the buffer');
  board.netdev.write(s.fd, 'x'.repeat(TCP_SND_BUF - 10));
  assert.is(board.netdev.errno, 0);
  board.netdev.write(s.fd, 'x'.repeat(11));
  assert.is(board.netdev.errno, -1, 'more than what is left');
  board.netdev.write(s.fd, 'x'.repeat(10));
  assert.is(board.netdev.errno, 0, 'exactly what is left');
  await waitFor('send buffer drained', () => {
    board.netdev.write(s.fd, 'y'.repeat(TCP_SND_BUF));
    return board.netdev.errno === 0;
  });
  await server.close();
});

test('refused connection: never reported, connect_cb never fires, later writes fail with -1', async () => {
  board = emulatedBoard();
  const port = await freePort();
  joinWifi(board.wifi);
  const fd = board.netdev.socket('PF_INET', 'STREAM');
  const obj = board.netdev.get(fd);
  const seen: string[] = [];
  for (const k of ['connect_cb', 'close_cb', 'read_cb', 'shutdown_cb']) obj[k] = () => seen.push(k);
  let err = -99;
  board.netdev.connect(fd, '127.0.0.1', port, (e: number) => (err = e));
  assert.is(err, 0);
  assert.is(board.netdev.errno, 0);
  await sleep(200);
  assert.equal(seen, []);
  assert.is(obj.state, 2);
  board.netdev.write(fd, 'hello');
  assert.is(board.netdev.errno, -1);
});

test('an address other than the loopback is a black hole', async () => {
  board = emulatedBoard();
  joinWifi(board.wifi);
  const fd = board.netdev.socket('PF_INET', 'STREAM');
  let connected = false;
  board.netdev.get(fd).connect_cb = () => (connected = true);
  board.netdev.connect(fd, '10.255.255.1', 80, () => {});
  assert.is(board.netdev.errno, 0);
  await sleep(100);
  assert.not.ok(connected);
});

test('exceptions thrown in callbacks vanish', async () => {
  board = emulatedBoard();
  const server = await hostServer();
  joinWifi(board.wifi);
  const s = connectedSocket(server.port);
  let reads = 0;
  s.obj.read_cb = () => {
    reads++;
    throw new Error('boom');
  };
  board.netdev.write(s.fd, 'one', () => {
    throw new Error('boom in write cb');
  });
  await waitFor('read', () => reads > 0);
  board.netdev.write(s.fd, 'two');
  await waitFor('second read', () => reads > 1);
  assert.equal(board.realm.leaked, []);
  await server.close();
});

test('shutdown() calls the local shutdown_cb synchronously; the peer sees FIN; its FIN then closes us', async () => {
  board = emulatedBoard();
  let peerEnded = false;
  const server = await hostServer((sock) =>
    sock.on('end', () => {
      peerEnded = true;
      sock.end('bye');
    }),
  );
  joinWifi(board.wifi);
  const s = connectedSocket(server.port);
  await waitFor('connected', () => server.sockets.length === 1);
  const order: string[] = [];
  s.obj.shutdown_cb = () => order.push('shutdown_cb');
  s.obj.close_cb = () => order.push('close_cb');
  board.netdev.shutdown(s.fd, 1, () => order.push('cb'));
  order.push('returned');
  assert.equal(order, ['shutdown_cb', 'cb', 'returned']);
  board.netdev.write(s.fd, 'late');
  assert.is(board.netdev.errno, -1, 'no writing after FIN');
  await waitFor('peer end', () => peerEnded);
  await waitFor('close_cb', () => order.includes('close_cb'));
  assert.is(text(s.got), 'bye');
  assert.is(board.netdev.get(s.fd), undefined, 'a remote close frees the fd');
  await server.close();
});

test('close() frees the fd and calls its own close_cb synchronously', async () => {
  board = emulatedBoard();
  joinWifi(board.wifi);
  const fd = board.netdev.socket('PF_INET', 'STREAM');
  const order: string[] = [];
  board.netdev.get(fd).close_cb = () => order.push('close_cb');
  board.netdev.close(fd, () => order.push('cb'));
  assert.equal(order, ['close_cb', 'cb']);
  assert.is(board.netdev.get(fd), undefined);
});

test('server: accepted socket gets its own fd and object, but its bytes arrive on the LISTENING read_cb; its close on its own close_cb', async () => {
  board = emulatedBoard();
  const port = await freePort();
  joinWifi(board.wifi);
  const { netdev } = board;
  const lfd = netdev.socket('PF_INET', 'STREAM');
  const lobj = netdev.get(lfd);
  const accepted: number[] = [];
  const serverReads: string[] = [];
  lobj.accept_cb = (fd: number) => accepted.push(fd);
  lobj.read_cb = (d: Uint8Array) => serverReads.push(Buffer.from(d).toString());
  netdev.bind(lfd, '10.9.8.7', port, () => {}); // any address: it binds all interfaces
  assert.is(lobj.laddr, '10.9.8.7');
  netdev.listen(lfd, () => {});
  assert.is(lobj.state, 3);
  const client = hostClient(port);
  await waitFor('accept', () => accepted.length === 1);
  const afd = accepted[0];
  assert.is.not(afd, lfd);
  const aobj = netdev.get(afd);
  assert.equal(
    { fd: aobj.fd, state: aobj.state, lport: aobj.lport, raddr: aobj.raddr, rport: aobj.rport },
    { fd: afd, state: 2, lport: port, raddr: '0.0.0.0', rport: 0 },
  );
  let acceptedReads = 0;
  let acceptedClosed = false;
  aobj.read_cb = () => acceptedReads++;
  aobj.close_cb = () => (acceptedClosed = true);
  client.socket.write('ping');
  await waitFor('data', () => serverReads.length > 0);
  assert.equal(serverReads, ['ping']);
  assert.is(acceptedReads, 0);
  netdev.write(afd, 'pong');
  await waitFor('pong', () => client.received() === 'pong');
  client.socket.end();
  await waitFor('accepted close_cb', () => acceptedClosed);
  assert.is(netdev.get(afd), undefined);
  assert.ok(netdev.get(lfd));
  client.socket.destroy();
});

test('bind: a port already bound on the board fails with errno -1', async () => {
  board = emulatedBoard();
  const port = await freePort();
  joinWifi(board.wifi);
  const a = board.netdev.socket('PF_INET', 'STREAM');
  const b = board.netdev.socket('PF_INET', 'STREAM');
  board.netdev.bind(a, '0.0.0.0', port, () => {});
  assert.is(board.netdev.errno, 0);
  board.netdev.bind(b, '0.0.0.0', port, () => {});
  assert.is(board.netdev.errno, -1);
  board.netdev.listen(b, () => {});
  assert.is(board.netdev.errno, -1, 'listen needs a bound socket');
});

test('poll mode: nothing is delivered while board JS runs', async () => {
  board = emulatedBoard();
  const server = await hostServer();
  joinWifi(board.wifi);
  const s = connectedSocket(server.port);
  await waitFor('connected', () => server.sockets.length === 1);
  const before = board.realm.callbacks;
  server.sockets[0].write('while busy');
  busyWait(100);
  assert.is(s.got.length, 0);
  assert.is(board.realm.callbacks, before);
  await waitFor('delivery after the board yields', () => text(s.got) === 'while busy');
  assert.ok(board.realm.callbacks > before, 'delivered through realm.callback');
  await server.close();
});

test('link drop: socket() throws again; open connections stall (nothing in or out, nothing reported) and go on when the link is back', async () => {
  board = emulatedBoard();
  const server = await hostServer();
  joinWifi(board.wifi);
  const s = connectedSocket(server.port);
  const seen: string[] = [];
  s.obj.close_cb = () => seen.push('close');
  await waitFor('connected', () => server.sockets.length === 1);
  board.air.dropLink();
  board.netdev.write(s.fd, 'queued');
  assert.is(board.netdev.errno, 0, 'lwIP queues the bytes');
  assert.throws(() => board.netdev.socket('PF_INET', 'STREAM'), /WiFi is not connected/);
  await sleep(50);
  assert.equal(seen, []);
  assert.is(text(s.got), '', 'nothing moved while the link was down');
  joinWifi(board.wifi);
  await waitFor('the echo after the link came back', () => text(s.got) === 'queued');
  await server.close();
});

test('a disconnect leaves open connections alone', async () => {
  board = emulatedBoard();
  const server = await hostServer();
  joinWifi(board.wifi);
  const s = connectedSocket(server.port);
  await waitFor('connected', () => server.sockets.length === 1);
  board.wifi.disconnect(() => {});
  joinWifi(board.wifi);
  board.netdev.write(s.fd, 'still here');
  await waitFor('echo on the same connection', () => text(s.got) === 'still here');
  await server.close();
});

test('one read_cb per TCP segment (MSS 1460), not per host chunk', async () => {
  board = emulatedBoard();
  const server = await hostServer();
  joinWifi(board.wifi);
  const s = connectedSocket(server.port);
  await waitFor('connected', () => server.sockets.length === 1);
  server.sockets[0].write(Buffer.alloc(4000, 0x61));
  await waitFor('4000 bytes', () => s.got.reduce((n, c) => n + c.length, 0) === 4000);
  assert.ok(s.got.length >= 3 && s.got.every((c) => c.length <= 1460), `read_cb sizes ${s.got.map((c) => c.length)}`);
  await server.close();
});

test('accepting with all 16 fds taken resets the client', async () => {
  board = emulatedBoard();
  const port = await freePort();
  joinWifi(board.wifi);
  const lfd = board.netdev.socket('PF_INET', 'STREAM');
  let accepts = 0;
  board.netdev.get(lfd).accept_cb = () => accepts++;
  board.netdev.bind(lfd, '0.0.0.0', port, () => {});
  board.netdev.listen(lfd, () => {});
  for (let i = 0; i < 15; i++) board.netdev.socket('PF_INET', 'STREAM');
  const client = hostClient(port);
  let closed = false;
  client.socket.on('close', () => (closed = true));
  await waitFor('client dropped', () => closed);
  assert.is(accepts, 0);
});

test.run();
