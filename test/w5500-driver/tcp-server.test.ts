// Servers on the W5500 driver: node:net clients connecting to a port the emulated chip listens on.
// The listening socket becomes the connection, so the driver re-listens on another socket; with all
// 8 sockets taken the server is starved (clients refused) until a connection closes.

import * as net from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { W5500Chip } from '../../cli/emulate/w5500';
import { ERRNO } from '../../runtime/netdev-contract';
import { type Board, Peer, call, closedPort, up, waitFor } from './board';

const PORT = 8080;

/** A board whose chip port PORT is reachable at a fixed host loopback port. */
async function serverBoard(): Promise<{ b: Board; hostPort: number }> {
  const hostPort = await closedPort();
  const b = await up({ mapListenPort: (p) => (p === PORT ? hostPort : 0) });
  return { b, hostPort };
}

async function listen(b: Board, port = PORT): Promise<Peer> {
  const fd = b.nd.socket('INET', 'STREAM');
  assert.ok(fd >= 0);
  const srv = new Peer(b.nd, fd);
  assert.is(await call((cb) => b.nd.bind(fd, '0.0.0.0', port, cb)), 0);
  assert.is(await call((cb) => b.nd.listen(fd, cb)), 0);
  assert.is(b.nd.get(fd)!.state, 3);
  return srv;
}

async function listening(chip: W5500Chip): Promise<void> {
  await waitFor('a chip socket listening on ' + PORT, () => chip.listenAddress(PORT) !== null);
}

interface Client {
  sock: net.Socket;
  data: Buffer[];
  ended: boolean;
  closed: boolean;
  error: string | null;
}

function connectClient(port: number): Promise<Client> {
  return new Promise((resolve) => {
    const c: Client = { sock: net.connect({ host: '127.0.0.1', port }), data: [], ended: false, closed: false, error: null };
    c.sock.on('data', (d) => c.data.push(d));
    c.sock.on('end', () => (c.ended = true));
    c.sock.on('close', () => (c.closed = true));
    c.sock.on('error', (e: NodeJS.ErrnoException) => {
      c.error = e.code ?? e.message;
      resolve(c);
    });
    c.sock.on('connect', () => resolve(c));
  });
}

test('accept: accept_cb gets a connected fd with the peer filled; echo; the server keeps listening', async () => {
  const { b, hostPort } = await serverBoard();
  try {
    const srv = await listen(b);
    await listening(b.chip);
    const c1 = await connectClient(hostPort);
    assert.is(c1.error, null);
    await waitFor('accept', () => srv.accepted.length === 1);
    const a = srv.accepted[0];
    const s = b.nd.get(a.fd)!;
    assert.equal([s.state, s.laddr, s.lport, s.raddr, s.rport], [2, '127.0.0.1', PORT, '127.0.0.1', c1.sock.localPort]);
    c1.sock.write('ping');
    await waitFor('data', () => a.text === 'ping');
    assert.is(await a.write('pong'), 0);
    await waitFor('reply', () => Buffer.concat(c1.data).toString() === 'pong');
    // The next client is accepted on the socket that took over listening.
    await listening(b.chip);
    const c2 = await connectClient(hostPort);
    assert.is(c2.error, null);
    await waitFor('second accept', () => srv.accepted.length === 2);
    c1.sock.end();
    await waitFor('FIN', () => a.events.includes('shutdown'));
    assert.is(await a.shutdown(1), 0);
    await waitFor('close', () => a.events.includes('close'));
    await waitFor('client end', () => c1.ended);
    assert.is(await a.close(), 0);
    c2.sock.destroy();
    assert.equal(b.chip.warnings, []);
  } finally {
    await b.close();
  }
});

test('more clients than sockets: the 9th is refused while all 8 are connections; one closing lets the server accept again', async () => {
  const { b, hostPort } = await serverBoard();
  const clients: Client[] = [];
  try {
    const srv = await listen(b);
    for (let i = 1; i <= 8; i++) {
      await listening(b.chip);
      const c = await connectClient(hostPort);
      assert.is(c.error, null, 'client ' + i);
      clients.push(c);
      await waitFor('accept ' + i, () => srv.accepted.length === i);
    }
    // 8 connections hold all 8 hardware sockets: the server is starved.
    assert.match(b.nd.errmsg, /all 8 W5500 sockets are in use: the server on port 8080 refuses new clients until one is closed/);
    assert.is(b.chip.listenAddress(PORT), null, 'nothing listens on the port');
    assert.is(b.nd.socket('INET', 'STREAM'), -1);
    assert.is(b.nd.errno, ERRNO.EMFILE);
    assert.match(b.nd.errmsg, /all 8 W5500 sockets are in use \(8 open, 0 listening, 0 closing\)/);
    const refused = await connectClient(hostPort);
    assert.is(refused.error, 'ECONNREFUSED');
    // Every accepted connection works.
    for (let i = 0; i < 8; i++) clients[i].sock.write('c' + i);
    await waitFor('all data', () => srv.accepted.every((a, i) => a.text === 'c' + i));
    // One connection closes: its socket goes back to the server, which listens again by itself.
    assert.is(await srv.accepted[3].close(), 0);
    await listening(b.chip);
    const late = await connectClient(hostPort);
    assert.is(late.error, null);
    clients.push(late);
    await waitFor('accept after a socket freed', () => srv.accepted.length === 9);
    late.sock.write('late');
    await waitFor('late data', () => srv.accepted[8].text === 'late');
    assert.equal(b.chip.warnings, []);
  } finally {
    for (const c of clients) c.sock.destroy();
    await b.close();
  }
});

test('bind: EADDRINUSE for a port a server holds; EADDRNOTAVAIL for a foreign address', async () => {
  const { b } = await serverBoard();
  try {
    await listen(b);
    const fd = b.nd.socket('INET', 'STREAM');
    assert.is(await call((cb) => b.nd.bind(fd, '0.0.0.0', PORT, cb)), ERRNO.EADDRINUSE);
    assert.is(await call((cb) => b.nd.bind(fd, '10.9.8.7', 81, cb)), ERRNO.EADDRNOTAVAIL);
    assert.is(await call((cb) => b.nd.bind(fd, '127.0.0.1', 81, cb)), 0);
  } finally {
    await b.close();
  }
});

test('closing the server: new clients are refused, accepted connections carry on', async () => {
  const { b, hostPort } = await serverBoard();
  try {
    const srv = await listen(b);
    await listening(b.chip);
    const c = await connectClient(hostPort);
    await waitFor('accept', () => srv.accepted.length === 1);
    await listening(b.chip);
    assert.is(await srv.close(), 0);
    await waitFor('no listener', () => b.chip.listenAddress(PORT) === null);
    assert.is((await connectClient(hostPort)).error, 'ECONNREFUSED');
    c.sock.write('still');
    await waitFor('data', () => srv.accepted[0].text === 'still');
    c.sock.destroy();
  } finally {
    await b.close();
  }
});

test('a client that sends and ends at once: accepted (maybe already CLOSE_WAIT), data, then shutdown_cb', async () => {
  const { b, hostPort } = await serverBoard();
  try {
    const srv = await listen(b);
    await listening(b.chip);
    const c = await connectClient(hostPort);
    c.sock.end('quick');
    await waitFor('shutdown', () => srv.accepted.length === 1 && srv.accepted[0].events.includes('shutdown'));
    const a = srv.accepted[0];
    assert.is(a.text, 'quick');
    assert.is(await a.write('answer'), 0);
    assert.is(await a.close(), 0);
    await waitFor('client closed', () => c.closed);
    assert.is(Buffer.concat(c.data).toString(), 'answer');
  } finally {
    await b.close();
  }
});

test.run();
