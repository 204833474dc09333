import { test } from 'uvu';
import * as assert from 'uvu/assert';
import Module from 'node:module';
import { ERRNO } from '../../runtime/netdev-contract';
import type { Dialect } from './fake-modem';
import { Peer, ready, setup } from './harness';

const DIALECTS: Dialect[] = ['nonos', 'esp-at'];

for (const dialect of DIALECTS) {
  test(`${dialect}: init sequence, dialect from AT+GMR, ip/mac from CIFSR`, () => {
    const h = setup({ dialect });
    assert.is(ready(h), 0);
    assert.is(h.drv.dialect, dialect);
    const esp = dialect === 'esp-at';
    assert.equal(h.modem.commands, [
      'AT+CIPMUX?',
      'ATE0',
      'AT+GMR',
      ...(esp ? ['AT+SYSSTORE=0', 'AT+CWMODE=1'] : ['AT+CWMODE_CUR=1']),
      'AT+CIPSERVER=0',
      'AT+CIPCLOSE=5',
      'AT+CIPMUX=1',
      'AT+CIPMUX?',
      'AT+CIFSR',
    ]);
    assert.is(h.nd.ip, '192.168.1.50');
    assert.is(h.nd.mac, '5c:cf:7f:01:02:03');
  });

  test(`${dialect}: client connect by name (CIPDOMAIN), link 4, addresses from the link status`, () => {
    const h = setup({ dialect });
    ready(h);
    const p = Peer.socket(h);
    assert.is(p.connect('example.com', 80), 0);
    assert.ok(h.modem.commands.includes('AT+CIPSTART=4,"TCP","93.184.216.34",80'));
    const s = h.nd.get(p.fd)!;
    assert.equal([s.state, s.raddr, s.rport, s.laddr, s.lport], [2, '93.184.216.34', 80, '192.168.1.50', 40004]);
    assert.equal(p.events, ['connect_cb']);
    const q = Peer.socket(h);
    assert.is(q.connect('10.0.0.2', 7), 0);
    assert.ok(h.modem.commands.includes('AT+CIPSTART=3,"TCP","10.0.0.2",7'), 'next client id counts down');
  });

  test(`${dialect}: writes split into CIPSEND chunks, next chunk only after SEND OK`, () => {
    const h = setup({ dialect }, { chunkSize: 1460 });
    ready(h);
    const p = Peer.socket(h);
    p.connect('10.0.0.2', 7);
    const data = new Uint8Array(5000).map((_, i) => (i * 7) & 255);
    let done = -1;
    let sendsAtCb = 0;
    h.nd.write(p.fd, data, (err) => {
      done = err;
      sendsAtCb = h.modem.commands.filter((c) => c.startsWith('AT+CIPSEND')).length;
    });
    h.modem.scripts.push(() => undefined);
    h.clock.until(() => done >= 0);
    assert.is(done, 0);
    assert.equal(h.modem.commands.filter((c) => c.startsWith('AT+CIPSEND')), [
      'AT+CIPSEND=4,1460', 'AT+CIPSEND=4,1460', 'AT+CIPSEND=4,1460', 'AT+CIPSEND=4,620',
    ]);
    assert.is(sendsAtCb, 4);
    assert.equal(Array.from(h.modem.sent.get(4)!), Array.from(data));
    // a string is sent as Latin-1 bytes
    assert.is(p.write('\xff\x00é'), 0);
    assert.equal(Array.from(h.modem.sent.get(4)!.slice(5000)), [0xff, 0, 0xe9]);
  });

  test(`${dialect}: received data, in order, split +IPD records and every chunking`, () => {
    for (const chunk of [1, 3, 17, 4096]) {
      const h = setup({ dialect, chunk });
      ready(h);
      const p = Peer.socket(h);
      p.connect('10.0.0.2', 7);
      const payload = Array.from({ length: 4000 }, (_, i) => String.fromCharCode((i * 13) & 255)).join('');
      h.modem.peerSend(4, payload);
      h.clock.advance(10000);
      assert.is(p.data, payload, 'chunk ' + chunk);
    }
  });

  test(`${dialect}: URCs inside a CIPSEND exchange (between OK and >, > and Recv, Recv and SEND OK)`, () => {
    const h = setup({ dialect });
    ready(h);
    const srv = Peer.socket(h);
    assert.is(srv.listen(8080), 0);
    const c = Peer.socket(h);
    c.connect('10.0.0.2', 7);
    const prompt = dialect === 'nonos' ? '> ' : '\r\n>';
    h.modem.scripts.push((cmd) => {
      if (cmd !== 'AT+CIPSEND=4,5') return undefined;
      h.modem.links[0] = { ip: '192.168.1.9', rport: 5555, lport: 8080, server: true, rx: [], notified: false };
      (h.modem as unknown as { dataMode: unknown }).dataMode = { link: 4, left: 5, got: [] };
      return '\r\nOK\r\n+IPD,4,3:a\r\n0,CONNECT\r\n' + prompt + '+IPD,4,2:bc';
    });
    let res = -1;
    h.nd.write(c.fd, 'hello', (e) => (res = e));
    h.clock.until(() => res >= 0);
    assert.is(res, 0);
    assert.is(h.modem.sentOn(4), 'hello');
    assert.is(c.data, 'a\r\nbc');
    h.clock.advance(100);
    assert.is(srv.accepted.length, 1, 'the CONNECT inside the exchange became a client');
    const acc = h.nd.get(srv.accepted[0])!;
    assert.equal([acc.raddr, acc.rport, acc.lport], ['192.168.1.9', 5555, 8080]);
  });

  test(`${dialect}: connect failures map to errno`, () => {
    const h = setup({ dialect, accepts: (ip) => ip !== '10.9.9.9' });
    ready(h);
    const refused = Peer.socket(h);
    assert.is(refused.connect('10.9.9.9', 80), ERRNO.ECONNREFUSED);
    assert.is(h.nd.errno, ERRNO.ECONNREFUSED);
    const dns = Peer.socket(h);
    assert.is(dns.connect('no.such.host', 80), ERRNO.ENOTFOUND);
    const bad = Peer.socket(h);
    assert.is(bad.connect('a"b', 80), ERRNO.ENOTFOUND);
    // the link of the refused connect is free again
    const ok = Peer.socket(h);
    assert.is(ok.connect('10.0.0.2', 80), 0);
    assert.ok(h.modem.commands.includes('AT+CIPSTART=4,"TCP","10.0.0.2",80'));
    // Wi-Fi down: ENETUNREACH
    h.modem.joined = null;
    h.modem.out('WIFI DISCONNECT\r\n');
    h.clock.advance(10);
    const off = Peer.socket(h);
    assert.is(off.connect('10.0.0.3', 80), ERRNO.ENETUNREACH);
  });

  test(`${dialect}: CONNECT FAIL URC and a modem that does not answer CIPSTART`, () => {
    const h = setup({ dialect }, { timeouts: { connect: 5000 } });
    ready(h);
    h.modem.scripts.push((cmd) => (cmd.startsWith('AT+CIPSTART=4') ? [[30, '4,CONNECT FAIL\r\n\r\nERROR\r\n']] : undefined));
    const a = Peer.socket(h);
    assert.is(a.connect('10.0.0.2', 80), ERRNO.ECONNREFUSED);
    h.modem.scripts.length = 0;
    h.modem.scripts.push((cmd) => (cmd.startsWith('AT+CIPSTART=4') ? null : undefined));
    const b = Peer.socket(h);
    assert.is(b.connect('10.0.0.2', 80), ERRNO.ETIMEDOUT);
    h.modem.scripts.length = 0;
    h.clock.advance(5000);
    assert.ok(h.modem.commands.includes('AT+CIPCLOSE=4'), 'the timed-out link is closed');
    const c = Peer.socket(h);
    assert.is(c.connect('10.0.0.2', 80), 0, 'the driver recovers');
  });
}

test('busy p...: the dropped command is sent again after the running one finished', () => {
  const h = setup({ dialect: 'nonos' });
  ready(h);
  const p = Peer.socket(h);
  p.connect('10.0.0.2', 7);
  // The modem is still busy with something (e.g. a join we timed out on) for 500 ms.
  (h.modem as unknown as { busyUntil: number }).busyUntil = h.clock.now + 500;
  h.clock.setTimeout(() => h.modem.out('\r\nOK\r\n'), 480); // the late result of that command
  assert.is(p.write('data'), 0);
  const sends = h.modem.commands.filter((c) => c === 'AT+CIPSEND=4,4');
  assert.is(sends.length, 1, 'only the accepted attempt is logged by the modem');
  assert.is(h.modem.sentOn(4), 'data');
  assert.ok(h.clock.now >= 500);
});

test('peer close: held-back data first, then shutdown_cb and close_cb; writes after it fail EPIPE', () => {
  const h = setup({ dialect: 'nonos' });
  ready(h);
  const p = Peer.socket(h);
  p.connect('10.0.0.2', 7);
  h.modem.peerSend(4, 'bye');
  h.modem.peerClose(4);
  h.clock.advance(50);
  assert.is(p.data, 'bye');
  assert.equal(p.events, ['connect_cb', 'shutdown_cb', 'close_cb']);
  assert.is(h.nd.get(p.fd)!.state, 0);
  assert.is(p.write('x'), ERRNO.EPIPE);
  assert.is(p.call((cb) => h.nd.close(p.fd, cb)), 0);
  assert.is(h.nd.get(p.fd), null);
});

test('close(): CIPCLOSE, no close_cb; closing a link the modem already closed (UNLINK / link is not valid) succeeds', () => {
  for (const answer of ['UNLINK\r\n\r\nERROR\r\n', 'link is not valid\r\n\r\nERROR\r\n', 'UNLINK ERROR\r\n']) {
    const h = setup({ dialect: 'nonos' });
    ready(h);
    const p = Peer.socket(h);
    p.connect('10.0.0.2', 7);
    h.modem.scripts.push((cmd) => (cmd === 'AT+CIPCLOSE=4' ? answer : undefined));
    assert.is(p.call((cb) => h.nd.close(p.fd, cb)), 0);
    assert.equal(p.events, ['connect_cb']);
    // the link id is free again and nothing is left waiting
    const q = Peer.socket(h);
    assert.is(q.connect('10.0.0.2', 7), 0);
    assert.ok(h.modem.commands.filter((c) => c.startsWith('AT+CIPSTART=4')).length === 2);
  }
});

test('shutdown(1) = flush pending writes, then CIPCLOSE; then shutdown_cb + close_cb', () => {
  const h = setup({ dialect: 'esp-at' });
  ready(h);
  const p = Peer.socket(h);
  p.connect('10.0.0.2', 7);
  const order: string[] = [];
  h.nd.write(p.fd, 'x'.repeat(3000), (e) => order.push('write:' + e));
  h.nd.shutdown(p.fd, 1, (e) => order.push('shutdown:' + e));
  h.modem.peerSend(4, 'late');
  h.clock.advance(1000);
  assert.equal(order, ['write:0', 'shutdown:0']);
  const cmds = h.modem.commands;
  assert.ok(cmds.indexOf('AT+CIPCLOSE=4') > cmds.lastIndexOf('AT+CIPSEND=4,952'));
  assert.is(h.modem.sentOn(4).length, 3000);
  assert.is(p.data, 'late');
  assert.equal(p.events, ['connect_cb', 'shutdown_cb', 'close_cb']);
  assert.is(p.write('more'), ERRNO.EPIPE);
});

test('SEND FAIL: the write fails ECONNRESET, the link is closed, close_cb follows; CIPSEND ERROR → ENOTCONN', () => {
  const h = setup({ dialect: 'nonos' });
  ready(h);
  const p = Peer.socket(h);
  p.connect('10.0.0.2', 7);
  h.modem.scripts.push((cmd) => {
    if (cmd !== 'AT+CIPSEND=4,2') return undefined;
    (h.modem as unknown as { dataMode: unknown }).dataMode = { link: 4, left: 2, got: [] };
    h.modem.onPayload = null;
    return '\r\nOK\r\n> ';
  });
  // SEND FAIL instead of SEND OK, then the stray late SEND OK of NonOS 1.5
  const realOut = h.modem.out.bind(h.modem);
  h.modem.out = (t) => realOut(typeof t === 'string' && t === '\r\nSEND OK\r\n' ? '\r\nSEND FAIL\r\n\r\nSEND OK\r\n' : t);
  assert.is(p.write('hi'), ERRNO.ECONNRESET);
  h.clock.advance(100);
  assert.ok(h.modem.commands.includes('AT+CIPCLOSE=4'));
  assert.equal(p.events, ['connect_cb', 'close_cb']);
  h.modem.out = realOut;
  const q = Peer.socket(h);
  q.connect('10.0.0.2', 7);
  h.modem.links[4] = null; // the link died without a CLOSED
  assert.is(q.write('x'), ERRNO.ENOTCONN);
});

test('server: one port; accept with two concurrent clients, each on its own link', () => {
  const h = setup({ dialect: 'nonos' }, { serverMaxConn: 4 });
  ready(h);
  const srv = Peer.socket(h);
  assert.is(srv.listen(8080), 0);
  assert.ok(h.modem.commands.join('|').includes('AT+CIPSERVERMAXCONN=4|AT+CIPSERVER=1,8080|AT+CIPSTO=0'));
  assert.is(h.nd.get(srv.fd)!.state, 3);
  // a second listening port is refused with a clear message
  const other = Peer.socket(h);
  assert.is(other.listen(9090), ERRNO.EADDRINUSE);
  assert.match(h.nd.errmsg, /one server: port 8080 is already listening/);
  const same = Peer.socket(h);
  assert.is(same.listen(8080), ERRNO.EADDRINUSE);
  assert.match(h.nd.errmsg, /port 8080 is already in use/);

  const id0 = h.modem.clientConnect('192.168.1.20', 50001);
  const id1 = h.modem.clientConnect('192.168.1.21', 50002);
  assert.equal([id0, id1], [0, 1]);
  h.modem.peerSend(0, 'from A');
  h.modem.peerSend(1, 'from B');
  h.clock.advance(100);
  assert.is(srv.accepted.length, 2);
  const [a, b] = srv.clients;
  assert.equal([h.nd.get(a.fd)!.raddr, h.nd.get(a.fd)!.rport], ['192.168.1.20', 50001]);
  assert.equal([h.nd.get(b.fd)!.raddr, h.nd.get(b.fd)!.rport], ['192.168.1.21', 50002]);
  assert.is(a.data + '|' + b.data, 'from A|from B');
  assert.is(srv.data, '', 'nothing arrives on the listening socket');
  assert.is(a.write('to A'), 0);
  assert.is(b.write('to B'), 0);
  assert.equal([h.modem.sentOn(0), h.modem.sentOn(1)], ['to A', 'to B']);
  h.modem.peerClose(0);
  h.clock.advance(10);
  assert.equal(a.events, ['shutdown_cb', 'close_cb']);
  assert.equal(b.events, []);
  // closing the server stops listening but keeps the accepted link
  assert.is(srv.call((cb) => h.nd.close(srv.fd, cb)), 0);
  assert.ok(h.modem.commands.includes('AT+CIPSERVER=0'));
  assert.is(b.write('still here'), 0);
  // and then another port may listen
  const again = Peer.socket(h);
  assert.is(again.listen(9090), 0);
});

test('a client appearing with no server listening is closed', () => {
  const h = setup({ dialect: 'nonos' });
  ready(h);
  h.modem.server = { port: 1, max: 5 }; // left over from an earlier program
  h.modem.clientConnect();
  h.clock.advance(100);
  assert.ok(h.modem.commands.includes('AT+CIPCLOSE=0'));
  assert.is(h.modem.links[0], null);
});

test('a server client that takes our id before CIPSTART goes out: the connect moves elsewhere', () => {
  const h = setup({ dialect: 'nonos' });
  ready(h);
  const srv = Peer.socket(h);
  srv.listen(80);
  for (let i = 0; i < 3; i++) h.modem.clientConnect('192.168.1.3' + i, 1000 + i);
  h.clock.advance(200);
  assert.is(srv.clients.length, 3);
  // Hold the command queue with a slow CIPSEND, queue a connect (CIPSTART=4), and let two more
  // clients arrive meanwhile: they take ids 3 and 4, so the connect finds no link left.
  h.modem.scripts.push((cmd) => (cmd === 'AT+CIPSEND=0,1' ? [[100, '\r\nERROR\r\n']] : undefined));
  h.nd.write(srv.accepted[0], 'x', () => undefined);
  h.clock.advance(5);
  const c = Peer.socket(h);
  let res = -1;
  h.nd.connect(c.fd, '10.0.0.2', 7, (e) => (res = e));
  h.clock.advance(10);
  assert.is(h.modem.clientConnect('192.168.1.40', 2000), 3);
  assert.is(h.modem.clientConnect('192.168.1.41', 2001), 4);
  h.clock.until(() => res >= 0);
  assert.is(res, ERRNO.EMFILE);
  h.clock.advance(200);
  assert.is(srv.clients.length, 5, 'both became clients of the server');
  assert.not.ok(h.modem.commands.some((cmd) => cmd.startsWith('AT+CIPSTART')), 'no CIPSTART on a taken id');
  // with a free id the connect goes there instead
  h.modem.peerClose(2);
  h.clock.advance(50);
  const d = Peer.socket(h);
  assert.is(d.connect('10.0.0.2', 7), 0);
  assert.ok(h.modem.commands.includes('AT+CIPSTART=2,"TCP","10.0.0.2",7'));
});

test('modem reset (ready URC): sockets get error_cb + close_cb, the driver re-initialises and re-listens', () => {
  const h = setup({ dialect: 'nonos', joined: null }, { wifi: { ssid: 'home', password: 'secret' } });
  assert.is(ready(h), 0);
  assert.ok(h.modem.commands.includes('AT+CWJAP_CUR="home","secret"'));
  const wifiEvents: string[] = [];
  h.drv.wifi.disconnect_cb = () => wifiEvents.push('disconnected');
  h.drv.wifi.connect_cb = () => wifiEvents.push('connected');
  const srv = Peer.socket(h);
  srv.listen(8080);
  const c = Peer.socket(h);
  c.connect('10.0.0.2', 7);
  let pending = -1;
  h.nd.write(c.fd, 'x'.repeat(100), (e) => (pending = e));
  const before = h.modem.commands.length;
  h.modem.reboot();
  h.clock.advance(3000);
  assert.is(pending, ERRNO.ECONNRESET);
  assert.equal(c.events, ['connect_cb', 'error_cb:' + ERRNO.ECONNRESET, 'close_cb']);
  assert.equal(srv.events, [], 'the listening socket survives');
  const again = h.modem.commands.slice(before);
  for (const cmd of ['ATE0', 'AT+CIPMUX=1', 'AT+CWJAP_CUR="home","secret"', 'AT+CIPSERVER=1,8080']) {
    assert.ok(again.includes(cmd), cmd + ' after the reset: ' + again.join(' | '));
  }
  assert.equal(wifiEvents, ['disconnected', 'connected']);
  assert.equal(h.modem.server, { port: 8080, max: 5 });
  // everything works again
  const id = h.modem.clientConnect();
  h.modem.peerSend(id, 'hi');
  h.clock.advance(100);
  assert.is(srv.accepted.length, 1);
  const d = Peer.socket(h);
  assert.is(d.connect('10.0.0.2', 7), 0);
  assert.is(d.write('ok'), 0);
  assert.ok(h.logs.some((l) => /restarted/.test(l)));
});

test('a connect the modem had not seen yet survives a modem reset and runs after the re-init', () => {
  const h = setup({ dialect: 'nonos' });
  ready(h);
  const a = Peer.socket(h);
  a.connect('10.0.0.2', 7);
  // a slow write holds the queue; a connect waits behind it; then the modem restarts
  h.modem.scripts.push((cmd) => (cmd === 'AT+CIPSEND=4,1' ? null : undefined));
  h.nd.write(a.fd, 'x', () => undefined);
  const b = Peer.socket(h);
  let res = -1;
  h.nd.connect(b.fd, '10.0.0.3', 8, (e) => (res = e));
  h.clock.advance(5);
  h.modem.scripts.length = 0;
  h.modem.reboot();
  h.clock.until(() => res >= 0);
  assert.is(res, 0);
  assert.equal(a.events, ['connect_cb', 'error_cb:' + ERRNO.ECONNRESET, 'close_cb']);
  assert.ok(h.modem.links.some((l) => l && l.ip === '10.0.0.3'));
});

test('silent reset (no ready seen, echo back on) is detected from the echo', () => {
  const h = setup({ dialect: 'nonos' });
  ready(h);
  const c = Peer.socket(h);
  c.connect('10.0.0.2', 7);
  h.modem.reboot('');
  h.modem.scripts.push((cmd) => (cmd === '' ? null : undefined));
  // the `ready` is lost on the wire
  const realOut = h.modem.out.bind(h.modem);
  h.modem.out = (t) => realOut(t === '\r\nready\r\n' ? '' : t);
  h.clock.advance(100);
  h.modem.out = realOut;
  assert.is(c.write('x'), ERRNO.ECONNRESET);
  h.clock.advance(2000);
  assert.equal(c.events, ['connect_cb', 'error_cb:' + ERRNO.ECONNRESET, 'close_cb']);
  const d = Peer.socket(h);
  assert.is(d.connect('10.0.0.2', 7), 0);
});

test('modem not responding: ETIMEDOUT for init and operations, recovery once it answers', () => {
  const h = setup({ dialect: 'nonos' }, { timeouts: { recover: 5000 } });
  let silent = true;
  h.modem.scripts.push(() => (silent ? null : undefined));
  assert.is(ready(h, 120000), ERRNO.ETIMEDOUT);
  assert.ok(h.logs.some((l) => /initialisation failed/.test(l)));
  const p = Peer.socket(h);
  assert.is(p.connect('10.0.0.2', 7), ERRNO.ETIMEDOUT);
  silent = false;
  h.clock.advance(20000);
  const q = Peer.socket(h);
  assert.is(q.connect('10.0.0.2', 7), 0);
  const r = Peer.socket(h);
  assert.is(r.connect('10.0.0.3', 7), 0);
  // and a modem that stops answering later: the write fails, a probe finds the modem dead, and
  // the other socket fails with ETIMEDOUT
  silent = true;
  let w = -1;
  h.nd.write(q.fd, 'x', (e) => (w = e));
  h.clock.advance(30000);
  assert.is(w, ERRNO.ETIMEDOUT);
  assert.equal(q.events, ['connect_cb', 'close_cb'], 'the write carried the error');
  assert.equal(r.events, ['connect_cb', 'error_cb:' + ERRNO.ETIMEDOUT, 'close_cb']);
  assert.ok(h.logs.some((l) => /does not answer/.test(l)));
});

test('Wi-Fi driver: join with null password, events, failure codes, get_connection, disconnect, scan', () => {
  const h = setup({ dialect: 'nonos', joined: null });
  ready(h);
  const wifi = h.drv.wifi;
  const ev: string[] = [];
  wifi.assoc_cb = () => ev.push('associated');
  wifi.connect_cb = () => ev.push('connected');
  wifi.disconnect_cb = () => ev.push('disconnected');
  const call = <T extends unknown[]>(op: (cb: (...a: T) => void) => void): T => {
    let res: T | null = null;
    op((...a) => (res = a));
    h.clock.until(() => res !== null);
    return res as unknown as T;
  };
  assert.equal(call<[number, unknown]>((cb) => wifi.get_connection(cb)), [0, undefined]);
  assert.equal(call<[number]>((cb) => wifi.connect({ ssid: 'open', password: null }, cb)), [0]);
  assert.ok(h.modem.commands.includes('AT+CWJAP_CUR="open",""'));
  assert.equal(ev, ['associated', 'connected']);
  assert.is(h.nd.ip, '192.168.1.50');
  assert.equal(call<[number, unknown]>((cb) => wifi.get_connection(cb)), [0, { ssid: 'open', bssid: 'aa:bb:cc:dd:ee:ff' }]);
  assert.equal(call<[number]>((cb) => wifi.connect({ ssid: 'home', password: 'wrong' }, cb)), [13]);
  assert.is(wifi.errno, 13);
  assert.equal(call<[number]>((cb) => wifi.connect({ ssid: 'nowhere', password: 'x' }, cb)), [ERRNO.ENETUNREACH]);
  assert.equal(call<[number]>((cb) => wifi.connect({ ssid: null }, cb)), [ERRNO.EINVAL]);
  assert.equal(call<[number]>((cb) => wifi.connect({ ssid: 'home', password: 'secret' }, cb)), [0]);
  ev.length = 0;
  assert.equal(call<[number]>((cb) => wifi.disconnect(cb)), [0]);
  h.clock.advance(100);
  assert.equal(ev, ['disconnected']);
  assert.is(h.nd.ip, '0.0.0.0');
  const [err, list] = call<[number, unknown[]?]>((cb) => wifi.scan(cb));
  assert.is(err, 0);
  assert.equal(list, [
    { security: 'WPA2_PSK', ssid: 'home', rssi: -51, bssid: 'aa:bb:cc:dd:ee:ff', channel: 6 },
    { security: 'OPEN', ssid: 'café', rssi: -80, bssid: '11:22:33:44:55:66', channel: 11 },
  ]);
  // the AP drops us
  assert.equal(call<[number]>((cb) => wifi.connect({ ssid: 'home', password: 'secret' }, cb)), [0]);
  ev.length = 0;
  h.modem.joined = null;
  h.modem.out('WIFI DISCONNECT\r\n');
  h.clock.advance(10);
  assert.equal(ev, ['disconnected']);
});

test('ESP-AT dialect: CWJAP failure ends with ERROR, quoted CIPDOMAIN, CIPSTATE?', () => {
  const h = setup({ dialect: 'esp-at', joined: null });
  ready(h);
  let res: number[] = [];
  h.drv.wifi.connect({ ssid: 'home', password: 'bad' }, (e) => (res = [e]));
  h.clock.advance(1000);
  assert.equal(res, [13]);
  assert.ok(h.modem.commands.includes('AT+CWJAP="home","bad"'));
  h.drv.wifi.connect({ ssid: 'home', password: 'secret' }, (e) => (res = [e]));
  h.clock.advance(1000);
  const p = Peer.socket(h);
  assert.is(p.connect('example.com', 443), 0);
  assert.is(h.nd.get(p.fd)!.raddr, '93.184.216.34');
  assert.ok(h.modem.commands.includes('AT+CIPSTATE?'));
});

test('wifi.reset(): AT+RST, sockets fail, the modem is initialised again', () => {
  const h = setup({ dialect: 'nonos' });
  ready(h);
  const c = Peer.socket(h);
  c.connect('10.0.0.2', 7);
  let res = -1;
  h.drv.wifi.reset((e) => (res = e));
  h.clock.until(() => res >= 0);
  assert.is(res, 0);
  assert.equal(c.events, ['connect_cb', 'error_cb:' + ERRNO.ECONNRESET, 'close_cb']);
  assert.is(h.modem.mux, 1);
});

for (const dialect of DIALECTS) {
  test(`${dialect}: passive receive mode, CIPRECVDATA, pause() stops reading`, () => {
    const h = setup({ dialect, passiveSupported: true }, { passive: true });
    ready(h);
    assert.ok(h.drv.passive);
    const p = Peer.socket(h);
    p.connect('10.0.0.2', 7);
    const big = 'z'.repeat(5000);
    h.modem.peerSend(4, big);
    h.clock.advance(2000);
    assert.is(p.data, big);
    assert.ok(h.modem.commands.includes('AT+CIPRECVDATA=4,2048'));
    h.nd.pause!(p.fd, true);
    const reads = h.modem.commands.length;
    h.modem.peerSend(4, 'held');
    h.clock.advance(1000);
    assert.is(h.modem.commands.length, reads, 'no read while paused');
    h.nd.pause!(p.fd, false);
    h.clock.advance(1000);
    assert.is(p.data, big + 'held');
  });
}

test('passive mode refused by the firmware: active mode, logged', () => {
  const h = setup({ dialect: 'nonos', passiveSupported: false }, { passive: true });
  ready(h);
  assert.not.ok(h.drv.passive);
  assert.ok(h.logs.some((l) => /passive/.test(l)));
});

test('active mode pause(): data is held back and delivered on resume, close after it', () => {
  const h = setup({ dialect: 'nonos' });
  ready(h);
  const p = Peer.socket(h);
  p.connect('10.0.0.2', 7);
  h.nd.pause!(p.fd, true);
  h.modem.peerSend(4, 'abc');
  h.modem.peerClose(4);
  h.clock.advance(100);
  assert.is(p.data, '');
  assert.equal(p.events, ['connect_cb']);
  h.nd.pause!(p.fd, false);
  h.clock.advance(10);
  assert.is(p.data, 'abc');
  assert.equal(p.events, ['connect_cb', 'shutdown_cb', 'close_cb']);
});

test('argument errors and limits', () => {
  const h = setup({ dialect: 'nonos' });
  ready(h);
  assert.is(h.nd.socket('AF_INET', 'DGRAM'), -1);
  assert.is(h.nd.errno, 93);
  const p = Peer.socket(h);
  assert.is(p.write('x'), ERRNO.ENOTCONN);
  assert.is(p.call((cb) => h.nd.connect(p.fd, '10.0.0.1', 0, cb)), ERRNO.EINVAL);
  assert.is(p.call((cb) => h.nd.connect(99, '10.0.0.1', 1, cb)), ERRNO.EBADF);
  assert.is(p.call((cb) => h.nd.listen(p.fd, cb)), ERRNO.EINVAL);
  assert.is(p.call((cb) => h.nd.write(p.fd, new Uint8Array(0), cb)), ERRNO.ENOTCONN);
  assert.throws(() => setup({}, { chunkSize: 4096 }), /chunkSize must be an integer 1\.\.2048, got 4096/);
});

test('install(): opens the UART with the pico-esp01 defaults and registers both drivers', async () => {
  const { install } = await import('../../runtime/drivers/esp-at');
  const g = globalThis as Record<string, unknown>;
  const opened: unknown[] = [];
  // On the board `require('uart')` is Kaluma's global require; here the module's CommonJS one.
  const mod = Module as unknown as { _load: (req: string, ...rest: unknown[]) => unknown };
  const load = mod._load;
  mod._load = (req: string, ...rest: unknown[]) => (req === 'uart' ? fakeUart : load(req, ...rest));
  const fakeUart = {
    UART: class {
      constructor(port: number, options: unknown) {
        opened.push(port, options);
      }
      on() {}
      write() {}
      close() {}
    },
  };
  try {
    const drv = install({ log: () => undefined, wifi: { ssid: 'home', password: null } });
    assert.equal(opened, [0, { baudrate: 115200, tx: 0, rx: 1, bufferSize: 4096 }]);
    assert.is(g.__netdev, drv.netdev);
    assert.is(g.__ieee80211dev, drv.wifi);
    drv.close();
    assert.throws(() => install({ uart: { bus: 2 } }), /uart\.bus must be an integer 0\.\.1/);
  } finally {
    mod._load = load;
    delete g.__netdev;
    delete g.__ieee80211dev;
  }
});

test.run();
