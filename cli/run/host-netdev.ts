// `host`: the netdev contract on this PC's real sockets (node:net), for `kaluma-net run --target host`.
// Everything the board side receives is made in the sandbox's realm (realm.bytes) and delivered as a
// board callback (realm.callback), never from inside the driver call that caused it.
import { lookup } from 'node:dns';
import * as net from 'node:net';
import { ERRNO, type Netdev, type NetdevCallback, type NetdevSocket } from '../../runtime/netdev-contract';
import { errnoByCode } from '../../runtime/netdev';
import type { Realm } from '../emulate/devices';

/** Node's error codes by name ("ECONNREFUSED"), from the runtime's table: errno numbers differ
 *  between operating systems, the names do not. */
const ERRNO_BY_CODE = errnoByCode();

export interface HostNetdev extends Netdev {
  /** Closes every socket and server (the program stopped). */
  closeAll(): void;
}

interface Entry {
  s: NetdevSocket;
  sock?: net.Socket;
  server?: net.Server;
  /** Connections the server accepted before listen() was called. */
  backlog?: net.Socket[];
  listening?: boolean;
  /** close() was called: the board hears nothing more about this fd. */
  closed?: boolean;
  /** The connection is gone and close_cb was (or is being) reported. */
  ended?: boolean;
  /** shutdown(read): received data is dropped. */
  readShut?: boolean;
}

/** The contract's errno for a Node error (ERR_STREAM_* write failures count as EPIPE). */
export function hostErrno(e: NodeJS.ErrnoException): number {
  const code = e.code ?? '';
  const n = ERRNO_BY_CODE.get(code);
  if (n) return n;
  if (code.startsWith('ERR_STREAM')) return ERRNO.EPIPE;
  return typeof e.errno === 'number' && e.errno ? Math.abs(e.errno) : ERRNO.EIO;
}

export function createHostNetdev(realm: Realm): HostNetdev {
  const entries = new Map<number, Entry>();

  const freeFd = () => {
    let fd = 0;
    while (entries.has(fd)) fd++;
    return fd;
  };

  /** Completes a request on a later turn, as a board callback. */
  const done = (cb: NetdevCallback, errno: number) =>
    setImmediate(() =>
      realm.callback(() => {
        if (errno) d.errno = errno;
        cb(errno);
      }),
    );

  /** Node-style write/shutdown completion for `e`, unless the board closed it meanwhile. */
  const reply = (e: Entry, cb: NetdevCallback) => (err?: Error | null) => {
    if (e.closed) return;
    realm.callback(() => {
      const errno = err ? hostErrno(err) : 0;
      if (errno) d.errno = errno;
      cb(errno);
    });
  };

  const addresses = (s: NetdevSocket, sock: net.Socket) => {
    s.laddr = sock.localAddress ?? '0.0.0.0';
    s.lport = sock.localPort ?? 0;
    s.raddr = sock.remoteAddress ?? '0.0.0.0';
    s.rport = sock.remotePort ?? 0;
    s.state = 2;
  };

  /** Forwards a connected socket's events to the board-side slots of `e`. */
  const wire = (e: Entry, sock: net.Socket) => {
    let failure = 0;
    sock.on('data', (buf: Buffer) => {
      if (e.closed || e.readShut) return;
      realm.callback(() => {
        // A plain view: copying from a Buffer is much slower than from a Uint8Array.
        if (!e.closed && e.s.read_cb) e.s.read_cb(realm.bytes(new Uint8Array(buf.buffer, buf.byteOffset, buf.length)));
      });
    });
    sock.on('end', () => {
      if (!e.closed) realm.callback(() => e.s.shutdown_cb && !e.closed && e.s.shutdown_cb());
    });
    sock.on('error', (err) => {
      failure = hostErrno(err);
    });
    sock.on('close', () => {
      if (e.closed || e.ended) return;
      e.ended = true;
      e.s.state = 0;
      realm.callback(() => {
        if (e.closed) return;
        if (failure) {
          d.errno = failure;
          if (e.s.error_cb) e.s.error_cb(failure);
        }
        if (e.s.close_cb && !e.closed) e.s.close_cb();
      });
    });
  };

  const accept = (l: Entry, sock: net.Socket) => {
    const fd = freeFd();
    const e: Entry = { s: { fd, ptcl: 'STREAM', state: 2, laddr: '', lport: 0, raddr: '', rport: 0 }, sock };
    addresses(e.s, sock);
    entries.set(fd, e);
    wire(e, sock);
    realm.callback(() => {
      if (!l.closed && l.s.accept_cb) return l.s.accept_cb(fd);
      // The listener closed meanwhile: nobody will ever close this connection.
      entries.delete(fd);
      e.closed = true;
      release(e);
    });
  };

  const d: HostNetdev = {
    errno: 0,
    mac: '02:00:00:00:00:02',
    ip: '127.0.0.1',

    socket(_domain, ptcl) {
      if (ptcl !== 'STREAM') {
        d.errno = ERRNO.EINVAL;
        return -1;
      }
      const fd = freeFd();
      entries.set(fd, { s: { fd, ptcl, state: 0, laddr: '0.0.0.0', lport: 0, raddr: '0.0.0.0', rport: 0 } });
      return fd;
    },

    get(fd) {
      return entries.get(fd)?.s ?? null;
    },

    connect(fd, host, port, cb) {
      const e = entries.get(fd);
      if (!e) return done(cb, ERRNO.EBADF);
      if (e.sock || e.server) return done(cb, ERRNO.EISCONN);
      const sock = net.connect({ host, port, allowHalfOpen: true });
      e.sock = sock;
      const onError = (err: Error) => {
        if (!e.closed) realm.callback(() => !e.closed && (d.errno = hostErrno(err), cb(d.errno)));
      };
      sock.once('error', onError);
      sock.once('connect', () => {
        sock.off('error', onError);
        if (e.closed) return;
        addresses(e.s, sock);
        wire(e, sock);
        realm.callback(() => {
          if (e.closed) return;
          cb(0);
          if (e.s.connect_cb) e.s.connect_cb();
        });
      });
    },

    write(fd, data, cb) {
      const e = entries.get(fd);
      if (!e || !e.sock || e.s.state !== 2) return done(cb, e ? ERRNO.ENOTCONN : ERRNO.EBADF);
      // No copy: like Node's own write(), the data must not be changed until the callback.
      const buf = typeof data === 'string' ? Buffer.from(data, 'latin1') : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
      e.sock.write(buf, reply(e, cb));
    },

    shutdown(fd, how, cb) {
      const e = entries.get(fd);
      if (!e || !e.sock) return done(cb, e ? ERRNO.ENOTCONN : ERRNO.EBADF);
      if (how !== 1) e.readShut = true;
      if (how === 0 || e.sock.writableEnded) return done(cb, 0);
      e.sock.end(reply(e, cb));
    },

    close(fd, cb) {
      const e = entries.get(fd);
      if (!e) return done(cb, ERRNO.EBADF);
      entries.delete(fd);
      e.closed = true;
      e.s.state = 0;
      release(e);
      done(cb, 0);
    },

    bind(fd, addr, port, cb) {
      const e = entries.get(fd);
      if (!e) return done(cb, ERRNO.EBADF);
      if (e.sock || e.server) return done(cb, ERRNO.EINVAL);
      const server = net.createServer({ allowHalfOpen: true });
      e.server = server;
      e.backlog = [];
      server.on('connection', (sock) => {
        if (e.closed) sock.destroy();
        else if (e.listening) accept(e, sock);
        else e.backlog!.push(sock);
      });
      server.once('error', (err) => {
        e.server = undefined;
        if (!e.closed) done(cb, hostErrno(err));
      });
      server.listen({ host: addr, port, exclusive: true }, () => {
        const a = server.address() as net.AddressInfo;
        e.s.laddr = a.address;
        e.s.lport = a.port;
        e.s.state = 1;
        if (!e.closed) done(cb, 0);
      });
    },

    listen(fd, cb) {
      const e = entries.get(fd);
      if (!e || !e.server || e.s.state !== 1) return done(cb, e ? ERRNO.EINVAL : ERRNO.EBADF);
      e.s.state = 3;
      done(cb, 0);
      setImmediate(() => {
        if (e.closed) return;
        e.listening = true;
        for (const sock of e.backlog!.splice(0)) accept(e, sock);
      });
    },

    lookup(host, cb) {
      // IPv4, as every board driver resolves; any failure is ENOTFOUND, the one code boards give.
      lookup(host, { family: 4 }, (err, address) =>
        realm.callback(() => {
          if (err) d.errno = ERRNO.ENOTFOUND;
          cb(err ? ERRNO.ENOTFOUND : 0, address);
        }),
      );
    },

    pause(fd, paused) {
      const sock = entries.get(fd)?.sock;
      if (sock) paused ? sock.pause() : sock.resume();
    },

    closeAll() {
      for (const e of entries.values()) {
        e.closed = true;
        release(e);
      }
      entries.clear();
    },
  };

  function release(e: Entry): void {
    if (e.sock) {
      e.sock.on('error', () => {});
      e.sock.destroy();
    }
    if (e.server) {
      e.server.on('error', () => {});
      e.server.close();
      for (const sock of e.backlog ?? []) sock.destroy();
    }
  }

  return d;
}
