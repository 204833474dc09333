// TCP client sockets of the W5500 driver against node:net servers on 127.0.0.1, through the
// emulated chip: data both ways with 16-bit pointer wrap, write acknowledgement, flow control,
// half-close, pause, and the failures (refused, timeouts, peer reset).

import * as net from 'node:net';
import { performance } from 'node:perf_hooks';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { W5500Options } from '../../cli/emulate/w5500';
import { ERRNO } from '../../runtime/netdev-contract';
import { type Board, client, closedPort, pattern, sleep, up, waitFor } from './board';

interface Server {
  port: number;
  conns: net.Socket[];
  /** Bytes each connection received, in order of connection. */
  received: Buffer[][];
  ended: boolean[];
  close(): Promise<void>;
}

async function server(onConn: (s: net.Socket, i: number) => void = (s) => s.pipe(s)): Promise<Server> {
  const conns: net.Socket[] = [];
  const received: Buffer[][] = [];
  const ended: boolean[] = [];
  const srv = net.createServer({ allowHalfOpen: true }, (s) => {
    const i = conns.length;
    conns.push(s);
    received.push([]);
    ended.push(false);
    s.on('data', (d) => received[i].push(d));
    s.on('end', () => (ended[i] = true));
    s.on('error', () => {});
    onConn(s, i);
  });
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  return {
    port: (srv.address() as net.AddressInfo).port,
    conns,
    received,
    ended,
    async close() {
      for (const c of conns) c.destroy();
      await new Promise<void>((resolve) => srv.close(() => resolve()));
    },
  };
}

async function withBoard(chip: W5500Options, fn: (b: Board) => Promise<void>, int = true): Promise<void> {
  const b = await up(chip, {}, { int });
  try {
    await fn(b);
    assert.equal(b.chip.warnings, [], 'no datasheet rule broken');
  } finally {
    await b.close();
  }
}

test('echo: connect, write (cb after SEND_OK), read back, peer FIN → shutdown, our FIN → close', async () => {
  const srv = await server((s) => s.on('data', (d) => s.end(d)));
  await withBoard({}, async (b) => {
    const c = client(b.nd);
    assert.is(await c.connect('127.0.0.1', srv.port), 0);
    const s = b.nd.get(c.fd)!;
    assert.equal([s.state, s.laddr, s.raddr, s.rport], [2, '127.0.0.1', '127.0.0.1', srv.port]);
    assert.ok(s.lport >= 0xc000);
    assert.equal(c.events, ['connect']);
    assert.is(await c.write('hello'), 0);
    await waitFor('the echo and FIN', () => c.events.includes('shutdown'));
    assert.is(c.text, 'hello');
    assert.equal(c.events, ['connect', 'shutdown'], 'read side ended, data first');
    assert.is(await c.shutdown(1), 0);
    await waitFor('close_cb', () => c.events.includes('close'));
    assert.equal(c.events, ['connect', 'shutdown', 'close']);
    assert.is(await c.close(), 0);
    assert.is(b.nd.get(c.fd), null);
  });
  await srv.close();
});

for (const variant of [
  { name: 'default chip (pointers start at 0xFFF0), INT-driven', chip: {}, int: true },
  { name: 'polling only, slow CR, torn RX_RSR, delayed ACKs, pointers at 0xFFFF', chip: { pointerStart: 0xffff, crReadsBeforeClear: 3, ackDelayMs: 2 }, int: false, tear: true },
]) {
  test(`200 KB each way arrive intact — ${variant.name}`, async () => {
    const data = pattern(200 * 1024, 7);
    const srv = await server();
    await withBoard(
      variant.chip,
      async (b) => {
        const c = client(b.nd);
        assert.is(await c.connect('127.0.0.1', srv.port), 0);
        if (variant.tear) for (let n = 0; n < 8; n++) b.chip.tearRxRsr(n, true);
        const t0 = performance.now();
        const frames0 = b.frames();
        assert.is(await c.write(new Uint8Array(data)), 0);
        const sent = performance.now() - t0;
        await waitFor('the echo', () => c.bytes.length >= data.length, 15000);
        const ms = performance.now() - t0;
        assert.is(c.bytes.length, data.length);
        assert.ok(c.bytes.equals(data), 'echoed bytes identical');
        assert.ok(Buffer.concat(srv.received[0]).equals(data), 'server got identical bytes');
        const kbs = ((2 * data.length) / 1024 / (ms / 1000)).toFixed(0);
        console.log(`    [${variant.name}] 200 KB out (cb after ${sent.toFixed(0)} ms) and back in ${ms.toFixed(0)} ms: ${kbs} KB/s through the emulator, ${b.frames() - frames0} SPI frames`);
        assert.ok(c.chunks.every((u) => u.length <= 2048), 'reads never exceed the RX buffer');
      },
      variant.int,
    );
    await srv.close();
  });
}

test('many small writes: callbacks in order, each after its bytes (zero-length included)', async () => {
  const srv = await server();
  await withBoard({ pointerStart: 0xfffd }, async (b) => {
    const c = client(b.nd);
    assert.is(await c.connect('127.0.0.1', srv.port), 0);
    const order: number[] = [];
    const parts = ['a', '', 'bc', 'd'.repeat(3000), '\u00ff\u0000x', ''];
    const done = parts.map((p, i) => c.write(p).then((err) => (order.push(i), err)));
    assert.equal(await Promise.all(done), [0, 0, 0, 0, 0, 0]);
    assert.equal(order, [0, 1, 2, 3, 4, 5]);
    const expect = Buffer.from(parts.join(''), 'latin1');
    await waitFor('the echo', () => c.bytes.length >= expect.length);
    assert.ok(c.bytes.equals(expect), 'strings are bytes (Latin-1)');
  });
  await srv.close();
});

test('writes issued while connecting are sent once connected; shutdown(fd, 0) discards what arrives', async () => {
  const srv = await server((s) => s.on('data', () => s.end('ignored')));
  await withBoard({}, async (b) => {
    const c = client(b.nd);
    const connecting = c.connect('127.0.0.1', srv.port);
    const written = c.write('early');
    assert.is(await c.shutdown(0), 0);
    assert.equal(await Promise.all([connecting, written]), [0, 0]);
    await waitFor('server data', () => srv.received[0] && srv.received[0].length > 0);
    assert.is(Buffer.concat(srv.received[0]).toString(), 'early');
    await waitFor('FIN', () => c.events.includes('shutdown'));
    assert.is(c.chunks.length, 0, 'no read_cb after shutdown(fd, 0)');
    assert.is(await c.close(), 0);
  });
  await srv.close();
});

test('refused: ECONNREFUSED when the chip goes CLOSED without TIMEOUT', async () => {
  await withBoard({}, async (b) => {
    const c = client(b.nd);
    assert.is(await c.connect('127.0.0.1', await closedPort()), ERRNO.ECONNREFUSED);
    assert.is(b.nd.errno, ERRNO.ECONNREFUSED);
    assert.match(b.nd.errmsg, /refused/);
    assert.is(await c.write('x'), ERRNO.EPIPE);
    assert.is(await c.close(), 0);
    // Its hardware socket is free again: eight more sockets can be opened.
    const fds = Array.from({ length: 8 }, () => b.nd.socket('INET', 'STREAM'));
    assert.ok(fds.every((fd) => fd >= 0));
  });
});

test('no answer: ETIMEDOUT from Sn_IR.TIMEOUT (chip TCP timeout)', async () => {
  await withBoard({ tcpTimeoutMs: 150 }, async (b) => {
    b.chip.dropConnects(true);
    const c = client(b.nd);
    const t0 = Date.now();
    assert.is(await c.connect('127.0.0.1', 9), ERRNO.ETIMEDOUT);
    assert.ok(Date.now() - t0 >= 140);
    assert.match(b.nd.errmsg, /timed out \(no answer\)/);
  });
});

test('no answer: ETIMEDOUT from the host-side connect timeout when the chip keeps trying', async () => {
  const b = await up({ tcpTimeoutMs: 60000 }, { timeouts: { connect: 150 } });
  try {
    b.chip.dropConnects(true);
    const c = client(b.nd);
    assert.is(await c.connect('127.0.0.1', 9), ERRNO.ETIMEDOUT);
    assert.match(b.nd.errmsg, /timed out after 0.15 s/);
    assert.equal(b.chip.warnings, []);
  } finally {
    await b.close();
  }
});

test('off-subnet without a gateway: ENETUNREACH; 0.0.0.0: EADDRNOTAVAIL', async () => {
  const b = await up({ dhcp: false }, { ip: { ip: '127.0.0.1', subnet: '255.0.0.0' } });
  try {
    assert.is(await client(b.nd).connect('10.1.2.3', 80), ERRNO.ENETUNREACH);
    assert.is(await client(b.nd).connect('0.0.0.0', 80), ERRNO.EADDRNOTAVAIL);
  } finally {
    await b.close();
  }
});

test('peer reset: error_cb(ECONNRESET) then close_cb; pending writes fail', async () => {
  const srv = await server((s) => s.once('data', () => s.resetAndDestroy()));
  await withBoard({}, async (b) => {
    const c = client(b.nd);
    assert.is(await c.connect('127.0.0.1', srv.port), 0);
    assert.is(await c.write('ping'), 0);
    await waitFor('the reset', () => c.events.includes('close'));
    assert.equal(c.events, ['connect', 'error:' + ERRNO.ECONNRESET, 'close']);
    assert.is(await c.write('late'), ERRNO.EPIPE);
    assert.is(await c.close(), 0);
  });
  await srv.close();
});

test('half-close: shutdown(fd, 1) sends FIN after pending writes; the reply still arrives', async () => {
  const srv = await server((s) => {
    const got: Buffer[] = [];
    s.on('data', (d) => got.push(d));
    s.on('end', () => s.end('reply to ' + Buffer.concat(got).length + ' bytes'));
  });
  await withBoard({}, async (b) => {
    const c = client(b.nd);
    assert.is(await c.connect('127.0.0.1', srv.port), 0);
    const w = c.write(pattern(5000));
    const sd = c.shutdown(1);
    assert.equal(await Promise.all([w, sd]), [0, 0]);
    assert.is(await c.write('after'), ERRNO.EPIPE);
    await waitFor('close', () => c.events.includes('close'));
    assert.is(c.text, 'reply to 5000 bytes');
    assert.equal(c.events, ['connect', 'shutdown', 'close']);
    assert.ok(srv.ended[0]);
  });
  await srv.close();
});

test('peer sends data and FIN at once: data, then shutdown_cb; writing still works', async () => {
  const srv = await server((s) => s.end('bye'));
  await withBoard({}, async (b) => {
    const c = client(b.nd);
    assert.is(await c.connect('127.0.0.1', srv.port), 0);
    await waitFor('shutdown', () => c.events.includes('shutdown'));
    assert.is(c.text, 'bye');
    assert.is(await c.write('still here'), 0);
    await waitFor('server data', () => srv.received[0].length > 0);
    assert.is(Buffer.concat(srv.received[0]).toString(), 'still here');
    assert.is(await c.close(), 0);
    await waitFor('server sees our FIN', () => srv.ended[0]);
  });
  await srv.close();
});

test('pause: no read_cb while paused (the chip window closes); resume delivers everything in order', async () => {
  const data = pattern(64 * 1024, 3);
  let writable: net.Socket | null = null;
  const srv = await server((s) => {
    writable = s;
    s.end(data);
  });
  await withBoard({}, async (b) => {
    const c = client(b.nd);
    b.nd.get(c.fd)!.read_cb = (u8) => {
      c.chunks.push(u8);
      b.nd.pause(c.fd, true);
    };
    assert.is(await c.connect('127.0.0.1', srv.port), 0);
    await waitFor('first chunk', () => c.chunks.length === 1);
    await sleep(100);
    assert.is(c.chunks.length, 1, 'nothing delivered while paused');
    assert.ok(!c.events.includes('shutdown'), 'no end while paused with data left');
    assert.ok(writable, 'server connected');
    b.nd.get(c.fd)!.read_cb = (u8) => c.chunks.push(u8);
    b.nd.pause(c.fd, false);
    await waitFor('everything', () => c.events.includes('shutdown'), 5000);
    assert.ok(c.bytes.equals(data));
    assert.is(await c.close(), 0);
  });
  await srv.close();
});

test('close while connected: graceful FIN to the peer; the fd is gone at once', async () => {
  const srv = await server(() => {});
  await withBoard({}, async (b) => {
    const c = client(b.nd);
    assert.is(await c.connect('127.0.0.1', srv.port), 0);
    assert.is(await c.write('last words'), 0);
    assert.is(await c.close(), 0);
    assert.is(b.nd.get(c.fd), null);
    await waitFor('server sees FIN', () => srv.ended[0]);
    assert.is(Buffer.concat(srv.received[0]).toString(), 'last words');
    assert.equal(c.events, ['connect'], 'no close_cb for our own close()');
  });
  await srv.close();
});

test('close while connecting: the connect callback gets ECONNABORTED', async () => {
  await withBoard({ tcpTimeoutMs: 2000 }, async (b) => {
    b.chip.dropConnects(true);
    const c = client(b.nd);
    const connecting = c.connect('127.0.0.1', 9);
    await sleep(20);
    assert.is(await c.close(), 0);
    assert.is(await connecting, ERRNO.ECONNABORTED);
    await sleep(20);
  });
});

test('a peer that stops acknowledging: error_cb(ETIMEDOUT) from Sn_IR.TIMEOUT; the write fails', async () => {
  const srv = await server(() => {});
  await withBoard({ tcpTimeoutMs: 150 }, async (b) => {
    const c = client(b.nd);
    assert.is(await c.connect('127.0.0.1', srv.port), 0);
    for (let n = 0; n < 8; n++) b.chip.stallPeer(n, true);
    assert.is(await c.write('lost'), ERRNO.ETIMEDOUT);
    await waitFor('close', () => c.events.includes('close'));
    assert.equal(c.events, ['connect', 'error:' + ERRNO.ETIMEDOUT, 'close']);
  });
  await srv.close();
});

test('a SEND_OK that never comes: error_cb(ETIMEDOUT) after timeouts.send', async () => {
  const srv = await server(() => {});
  const b = await up({ tcpTimeoutMs: 60000 }, { timeouts: { send: 150 } });
  try {
    const c = client(b.nd);
    assert.is(await c.connect('127.0.0.1', srv.port), 0);
    for (let n = 0; n < 8; n++) b.chip.stallPeer(n, true);
    assert.is(await c.write('lost'), ERRNO.ETIMEDOUT);
    assert.match(b.nd.errmsg, /not acknowledged within 0.15 s/);
    await waitFor('close', () => c.events.includes('close'));
  } finally {
    await b.close();
    await srv.close();
  }
});

test('close with a half-open peer (never sends FIN): the hardware socket is forced closed after timeouts.close', async () => {
  const srv = await server(() => {});
  const b = await up({}, { timeouts: { close: 200 } });
  try {
    const peers = Array.from({ length: 8 }, () => client(b.nd));
    for (const p of peers) assert.is(await p.connect('127.0.0.1', srv.port), 0);
    assert.is(b.nd.socket('INET', 'STREAM'), -1);
    assert.is(await peers[0].close(), 0);
    await waitFor('server sees FIN', () => srv.ended[0]);
    assert.is(b.nd.socket('INET', 'STREAM'), -1, 'still closing: the peer has not answered with its FIN');
    assert.match(b.nd.errmsg, /\(7 open, 0 listening, 1 closing\)/);
    const fd = await waitFor('a free socket', () => {
      const fd = b.nd.socket('INET', 'STREAM');
      return fd >= 0 ? fd : null;
    });
    assert.ok(fd !== null);
    assert.equal(b.chip.warnings, []);
  } finally {
    await b.close();
    await srv.close();
  }
});

test('the chip dies under a connection: error_cb(EIO), then close_cb; new sockets fail with EIO', async () => {
  const srv = await server();
  const b = await up();
  try {
    const c = client(b.nd);
    assert.is(await c.connect('127.0.0.1', srv.port), 0);
    b.chip.setDead(true);
    await waitFor('the loss', () => c.events.includes('close'), 3000);
    assert.equal(c.events, ['connect', 'error:' + ERRNO.EIO, 'close']);
    assert.match(b.nd.errmsg, /stopped answering \(VERSIONR reads 0x00/);
    assert.is(b.driver.status, 'dead');
    assert.is(b.nd.socket('INET', 'STREAM'), -1);
    assert.is(b.nd.errno, ERRNO.EIO);
  } finally {
    await b.close();
    await srv.close();
  }
});

test.run();
