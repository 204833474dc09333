// Serving (KN_SERVER). The firmware delivers the bytes of every accepted connection to the listening
// socket without saying whose they are, so clients are served one at a time, in arrival order; the
// others are held (connected, unannounced) until the current one ends.
import { ERRNO, SockState } from '../../netdev-contract';
import type { NetdevCallback } from '../../netdev-contract';
import { blocking, call, closeNative, conns, defer, fail, messageOf, native, newConn, peerClosed, received, succeed, whenNative } from './core';
import type { Conn, NativeSocket, ServerState } from './types';

export function bind(fd: number, addr: string, port: number, cb: NetdevCallback): void {
  const c = conns[fd];
  if (!c) return fail(cb, ERRNO.EBADF, globalThis.KN_ERRMSG !== false && 'bad file descriptor');
  if (c.connecting || c.sock.state !== SockState.Closed) return fail(cb, ERRNO.EINVAL, globalThis.KN_ERRMSG !== false && 'socket already in use');
  whenNative(c, (code, msg) => (code ? fail(cb, code, msg) : doBind(c, addr, port, cb)));
}

export function listen(fd: number, cb: NetdevCallback): void {
  const c = conns[fd];
  if (!c) return fail(cb, ERRNO.EBADF, globalThis.KN_ERRMSG !== false && 'bad file descriptor');
  doListen(c, cb);
}

function doBind(c: Conn, addr: string, port: number, cb: NetdevCallback): void {
  // Port 0: the firmware would not tell which port lwIP chose, so the adapter picks one.
  let tries = port === 0 ? 16 : 1;
  while (tries-- > 0) {
    const p = port === 0 ? 49152 + Math.floor(Math.random() * 16384) : port;
    try {
      blocking(() => native.bind(c.nfd, addr, p));
    } catch (e) {
      return fail(cb, ERRNO.ENOTFOUND, globalThis.KN_ERRMSG !== false && 'getaddrinfo ENOTFOUND ' + addr + ' (' + messageOf(e) + ')');
    }
    if (native.errno === 0) {
      const o = native.get(c.nfd);
      c.sock.state = SockState.Bound;
      c.sock.laddr = o ? o.laddr : addr;
      c.sock.lport = p;
      return succeed(cb);
    }
  }
  fail(cb, ERRNO.EADDRINUSE, globalThis.KN_ERRMSG !== false && 'port ' + port + ' is in use');
}

function doListen(c: Conn, cb: NetdevCallback): void {
  const o = c.nfd >= 0 && c.sock.state === SockState.Bound ? native.get(c.nfd) : undefined;
  if (!o) return fail(cb, ERRNO.EINVAL, globalThis.KN_ERRMSG !== false && 'listen on a socket that is not bound');
  const srv: ServerState = { current: null, held: [] };
  o.accept_cb = (nfd) => accepted(c, srv, nfd);
  // Bytes of every accepted connection arrive here; they belong to the one being served.
  o.read_cb = (data) => {
    if (srv.current) received(srv.current, data);
  };
  native.listen(c.nfd);
  if (native.errno !== 0) return fail(cb, ERRNO.EINVAL, globalThis.KN_ERRMSG !== false && 'the CYW43 firmware could not listen');
  c.srv = srv;
  c.sock.state = SockState.Listening;
  succeed(cb);
}

function accepted(l: Conn, srv: ServerState, nfd: number): void {
  const o = native.get(nfd);
  if (!o) return;
  if (l.closed) return native.close(nfd);
  if (!srv.current) return serve(l, srv, nfd);
  srv.held.push(nfd);
  o.close_cb = () => {
    const i = srv.held.indexOf(nfd);
    if (i >= 0) srv.held.splice(i, 1);
  };
}

/** Makes nfd the connection being served and announces it to the consumer. */
function serve(l: Conn, srv: ServerState, nfd: number): void {
  const o = native.get(nfd) as NativeSocket;
  const c = newConn('STREAM');
  const fd = c.sock.fd;
  c.nfd = nfd;
  c.listener = l;
  c.sock.state = SockState.Connected;
  c.sock.laddr = o.laddr;
  c.sock.lport = l.sock.lport;
  c.sock.raddr = o.raddr;
  c.sock.rport = o.rport;
  o.close_cb = () => peerClosed(c);
  conns[fd] = c;
  srv.current = c;
  defer(() => {
    if (!l.closed) return call(l.sock.accept_cb, fd);
    // the server was closed before this client's turn came: let it go
    conns[fd] = undefined;
    c.closed = true;
    if (c.gone) return;
    c.gone = true;
    closeNative(c);
    currentEnded(l, c);
  });
}

/** The served connection is over: the next held client (if still there) is served. */
export function currentEnded(l: Conn, c: Conn): void {
  const srv = l.srv;
  if (!srv || srv.current !== c) return;
  srv.current = null;
  while (srv.held.length) {
    const nfd = srv.held.shift() as number;
    if (native.get(nfd)) return serve(l, srv, nfd);
  }
  if (l.closed) closeNative(l);
}

/** The consumer closed a listening socket: held clients are let go; the firmware listener
 *  stays until the served connection ends, because that connection's bytes arrive on it. */
export function closeListener(l: Conn): void {
  const srv = l.srv as ServerState;
  const held = srv.held;
  srv.held = [];
  for (let i = 0; i < held.length; i++) {
    const o = native.get(held[i]);
    if (o) o.close_cb = null;
    native.close(held[i]);
  }
  if (!srv.current) closeNative(l);
}
