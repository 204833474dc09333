import * as nodeNet from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createHostNetdev, hostErrno } from '../../cli/run/host-netdev';
import { ERRNO } from '../../runtime/netdev-contract';

/** A realm that marks what it made and counts board callbacks, to prove the driver goes through it. */
function realm() {
  const made = new WeakSet<Uint8Array>();
  const r = {
    callbacks: 0,
    inCallback: false,
    made,
    bytes(b: Uint8Array | ArrayLike<number>) {
      const u = new Uint8Array(b);
      made.add(u);
      return u;
    },
    callback(fn: () => void) {
      r.callbacks++;
      r.inCallback = true;
      try {
        fn();
      } finally {
        r.inCallback = false;
      }
    },
  };
  return r;
}

function req(run: (cb: (err: number) => void) => void, r?: ReturnType<typeof realm>): Promise<number> {
  return new Promise((ok, fail) => {
    let returned = false;
    run((err) => {
      if (!returned) return fail(new Error('synchronous callback'));
      if (r && !r.inCallback) return fail(new Error('callback outside realm.callback'));
      ok(err);
    });
    returned = true;
  });
}

test('hostErrno maps Node errors onto the contract numbers', () => {
  assert.is(hostErrno(Object.assign(new Error(), { code: 'ECONNREFUSED', errno: -111 })), ERRNO.ECONNREFUSED);
  assert.is(hostErrno(Object.assign(new Error(), { code: 'ENOTFOUND', errno: -3008 })), ERRNO.ENOTFOUND);
  assert.is(hostErrno(Object.assign(new Error(), { code: 'ERR_STREAM_WRITE_AFTER_END' })), ERRNO.EPIPE);
  assert.is(hostErrno(Object.assign(new Error(), { code: 'EWHATEVER', errno: -77 })), 77);
  assert.is(hostErrno(new Error('plain')), ERRNO.EIO);
});

test('listen, accept, data both ways through the realm, half-close, close_cb, closeAll', async () => {
  const r = realm();
  const d = createHostNetdev(r);
  const l = d.socket('INET', 'STREAM');
  assert.is(await req((cb) => d.bind(l, '127.0.0.1', 0, cb), r), 0);
  const port = d.get(l)!.lport;
  assert.ok(port > 0);
  const other = d.socket('INET', 'STREAM');
  assert.is(await req((cb) => d.bind(other, '127.0.0.1', port, cb), r), ERRNO.EADDRINUSE);
  assert.is(d.errno, ERRNO.EADDRINUSE);
  assert.is(await req((cb) => d.listen(l, cb), r), 0);

  const accepted = new Promise<number>((ok) => (d.get(l)!.accept_cb = ok));
  const peer = nodeNet.connect(port, '127.0.0.1');
  const fd = await accepted;
  const s = d.get(fd)!;
  assert.is(s.state, 2);
  assert.is(s.lport, port);
  assert.is(s.rport, peer.localPort);
  const got: Uint8Array[] = [];
  const ended = new Promise<void>((ok) => (s.shutdown_cb = ok));
  s.read_cb = (data) => {
    assert.ok(r.made.has(data), 'made by realm.bytes');
    got.push(data);
  };
  peer.end(Buffer.from([0, 1, 255]));
  await ended;
  assert.equal(Buffer.concat(got), Buffer.from([0, 1, 255]));
  const back: Buffer[] = [];
  peer.on('data', (b) => back.push(b));
  const peerEnded = new Promise((ok) => peer.on('end', ok));
  const closed = new Promise<void>((ok) => (s.close_cb = ok));
  assert.is(await req((cb) => d.write(fd, Uint8Array.of(9, 8), cb), r), 0);
  assert.is(await req((cb) => d.shutdown(fd, 1, cb), r), 0);
  await Promise.all([closed, peerEnded]);
  assert.equal(Buffer.concat(back), Buffer.from([9, 8]));
  assert.is(await req((cb) => d.close(fd, cb), r), 0);
  assert.is(d.get(fd), null);
  d.closeAll();
  await new Promise((ok) => setTimeout(ok, 20));
  const refused = d.socket('INET', 'STREAM');
  assert.is(await req((cb) => d.connect(refused, '127.0.0.1', port, cb), r), ERRNO.ECONNREFUSED, 'closeAll closed the server');
  d.closeAll();
});

test('a connection accepted just as the listener closes is closed too (it used to stay open for good)', async () => {
  // Board callbacks wait until released, as in the sandbox where they run at the next loop pass.
  const queued: (() => void)[] = [];
  const d = createHostNetdev({ bytes: (b) => new Uint8Array(b), callback: (fn) => void queued.push(fn) });
  const l = d.socket('INET', 'STREAM');
  const step = () => new Promise((r) => setTimeout(r, 10)).then(() => queued.splice(0).forEach((f) => f()));
  let bound = -1;
  d.bind(l, '127.0.0.1', 0, (e) => (bound = e));
  while (bound < 0) await step();
  d.listen(l, () => {});
  d.get(l)!.accept_cb = () => assert.unreachable('accepted after close');
  const peer = nodeNet.connect(d.get(l)!.lport, '127.0.0.1');
  const peerClosed = new Promise((r) => peer.on('close', r));
  peer.on('error', () => {});
  while (!queued.length) await new Promise((r) => setTimeout(r, 5));
  d.close(l, () => {});
  queued.splice(0).forEach((f) => f());
  const late = new Promise((_, fail) => setTimeout(() => fail(new Error('the peer is still connected')), 3000).unref());
  await Promise.race([peerClosed, late]);
  assert.is(d.get(l + 1), null, 'the accepted fd is gone');
  d.closeAll();
});

test('a connect refused, a write on a socket that is not connected', async () => {
  const free = await new Promise<number>((ok) => {
    const s = nodeNet.createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as nodeNet.AddressInfo).port;
      s.close(() => ok(p));
    });
  });
  const d = createHostNetdev(realm());
  const fd = d.socket('INET', 'STREAM');
  assert.is(await req((cb) => d.connect(fd, '127.0.0.1', free, cb)), ERRNO.ECONNREFUSED);
  const fresh = d.socket('INET', 'STREAM');
  assert.is(await req((cb) => d.write(fresh, Uint8Array.of(1), cb)), ERRNO.ENOTCONN);
  assert.is(d.socket('INET', 'DGRAM'), -1);
  d.closeAll();
});

test.run();
