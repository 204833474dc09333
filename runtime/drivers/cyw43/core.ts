// The CYW43 adapter's heart: the consumer callback queue, the firmware sockets behind the adapter's
// fds, paced writes, and the part of the netdev contract every program uses. One adapter per program
// (install() resets the state). Connecting out is client.ts (KN_CLIENT), serving server.ts (KN_SERVER),
// dns.lookup dns.ts (KN_DNS).
import { ERRNO, SockState } from '../../netdev-contract';
import type { NetdevCallback, NetdevSocket, Ptcl } from '../../netdev-contract';
import { connect } from './client';
import { lookup } from './dns';
import { bind, closeListener, currentEnded, listen } from './server';
import type { Conn, Cyw43Config, Cyw43Netdev, NativeNetdev, Timer } from './types';
import { linkIsUp, linkLost, waitLink } from './wifi';

/** Constants (a const enum: inlined, nothing in the heap). */
const enum K {
  EPROTONOSUPPORT = 93,
  /** Bytes handed to the firmware per write() call: two segments, a quarter of its send buffer. */
  PIECE = 2920,
  MAX_RETRY_MS = 50,
}
const LINK_DOWN = -1;
const NO_SOCKETS = globalThis.KN_ERRMSG !== false && 'all 16 CYW43 sockets are in use';

export let native: NativeNetdev;
export let netdev: Cyw43Netdev;
export let conns: (Conn | undefined)[];
let writeTimeout: number;

export function startAdapter(n: NativeNetdev, config: Cyw43Config): Cyw43Netdev {
  native = n;
  conns = [];
  writeTimeout = config.writeTimeout || 30000;
  netdev = { errno: 0, errmsg: '', mac: '', ip: '', socket, get, write, close, shutdown } as unknown as Cyw43Netdev;
  if (globalThis.KN_CLIENT !== false) netdev.connect = connect;
  if (globalThis.KN_DNS !== false) netdev.lookup = lookup;
  if (globalThis.KN_SERVER !== false) {
    netdev.bind = bind;
    netdev.listen = listen;
  }
  return netdev;
}

// Calls into the consumer go through one FIFO queue, so events reach `net` in the order they
// happened and never re-entrantly. A timer drains it, or received bytes do at once when no consumer
// code or blocking firmware call is on the stack (see received()).
let deferred: (() => void)[] = [];
let drainTimer: Timer | null = null;
/** Consumer code, or a firmware call that polls lwIP (and may call back inside), is running. */
let busy = 0;

/** Runs a firmware call that may poll lwIP (name resolution, Wi-Fi join). */
export function blocking(fn: () => void): void {
  busy++;
  try {
    fn();
  } finally {
    busy--;
  }
}

export function defer(fn: () => void): void {
  deferred.push(fn);
  if (drainTimer === null) drainTimer = setTimeout(drainDeferred, 0);
}

function drainDeferred(): void {
  drainTimer = null;
  const batch = deferred;
  deferred = [];
  busy++; // each entry catches what the consumer throws (call)
  for (let i = 0; i < batch.length; i++) batch[i]();
  busy--;
}

/** Calls a consumer callback; what it throws is rethrown from a timer so it is reported. */
export function call(fn: ((...args: any[]) => void) | null | undefined, ...args: unknown[]): void {
  if (typeof fn !== 'function') return;
  try {
    fn.apply(undefined, args);
  } catch (e) {
    setTimeout(() => {
      throw e;
    }, 0);
  }
}

export function stopTimer(id: Timer | null): null {
  if (id !== null) clearTimeout(id);
  return null;
}

export function messageOf(e: unknown): string {
  return e && (e as Error).message ? String((e as Error).message) : String(e);
}

/** Bytes as the Latin-1 "byte string" the firmware's write() takes. */
function latin1(bytes: Uint8Array, start: number, end: number): string {
  let s = '';
  for (let i = start; i < end; i += 1024) s += String.fromCharCode.apply(null, Array.prototype.slice.call(bytes, i, Math.min(end, i + 1024)) as number[]);
  return s;
}

/** `msg`: false where the bundle leaves the sentences out (KN_ERRMSG). */
export function fail(cb: NetdevCallback, code: number, msg: string | false): void {
  defer(() => {
    netdev.errno = code;
    netdev.errmsg = msg || '';
    call(cb, code);
  });
}

export function succeed(cb: NetdevCallback): void {
  defer(() => {
    netdev.errno = 0;
    call(cb, 0);
  });
}

function failNow(code: number, msg: string | false): number {
  netdev.errno = code;
  netdev.errmsg = msg || '';
  return -1;
}

/** A new adapter connection at the lowest free fd. */
export function newConn(ptcl: Ptcl): Conn {
  let fd = 0;
  while (conns[fd]) fd++;
  const c: Conn = {
    sock: { fd, ptcl, state: SockState.Closed, laddr: '0.0.0.0', lport: 0, raddr: '0.0.0.0', rport: 0 },
    nfd: -1,
    closed: false,
    gone: false,
    connecting: false,
    readShut: false,
    writeShut: false,
    finSent: false,
    wq: [],
    pumpTimer: null,
    retryMs: 1,
    stalledMs: 0,
    connectTimer: null,
    cancelWait: null,
    listener: null,
    srv: null,
  };
  return c;
}

/** 0, LINK_DOWN, or EMFILE. */
function openNative(c: Conn): number {
  let nfd: number;
  try {
    nfd = native.socket('PF_INET', 'STREAM');
  } catch (e) {
    if (/not connected|not initiali[sz]ed/i.test(messageOf(e))) {
      linkLost();
      return LINK_DOWN;
    }
    return ERRNO.EMFILE;
  }
  c.nfd = nfd;
  netdev.mac = native.mac || netdev.mac;
  netdev.ip = native.ip || netdev.ip;
  return 0;
}

/** Runs then(0) once the connection has a firmware socket, waiting for Wi-Fi if need be. */
export function whenNative(c: Conn, then: (code: number, msg: string | false) => void): void {
  if (c.nfd >= 0) return then(0, '');
  const r = openNative(c);
  if (r === 0) return then(0, '');
  if (r === ERRNO.EMFILE) return then(ERRNO.EMFILE, NO_SOCKETS);
  c.cancelWait = waitLink((up, msg) => {
    c.cancelWait = null;
    if (c.closed) return;
    if (up) whenNative(c, then);
    else then(ERRNO.ENETUNREACH, msg);
  });
}

/** Closes the firmware socket, unless lwIP already freed its pcb; true then. The firmware sets
 *  no tcp_err, so after a RST (refused, reset) it keeps a pointer to the freed pcb, and close() or
 *  shutdown() would tcp_close() freed memory (a double free that corrupts lwIP's pcb pool). An
 *  empty write() only reads the pcb's state (tcp_write_checks): ERR_CONN, errno -1, means it is
 *  gone; the socket is then left alone (it keeps one of the 16 firmware sockets). Not after our
 *  own FIN, which also makes tcp_write refuse. */
export function closeNative(c: Conn): boolean {
  if (c.nfd < 0) return false;
  const o = native.get(c.nfd);
  if (o) o.read_cb = o.accept_cb = o.connect_cb = o.close_cb = null; // close() would call close_cb
  let gone = false;
  if (o && o.state === 2 && !c.srv && !c.finSent) {
    native.write(c.nfd, '');
    gone = native.errno !== 0;
  }
  if (!gone) native.close(c.nfd);
  c.nfd = -1;
  return gone;
}

/** The firmware's read_cb. Called from the loop's network step (nothing of ours or the consumer's
 *  on the stack), it delivers what is queued and these bytes at once: the firmware closes the
 *  connection as soon as the peer's FIN follows, possibly in the same poll, so an answer written in
 *  'data' must reach it inside this callback. */
export function received(c: Conn, data: Uint8Array): void {
  defer(() => {
    if (!c.closed && !c.readShut) call(c.sock.read_cb, data);
  });
  if (!busy) {
    stopTimer(drainTimer);
    drainDeferred();
  }
}

/** The firmware's close_cb: the peer closed (the firmware then closes our side too and frees
 *  the fd). Only now does the consumer hear 'end' (shutdown_cb), then close_cb. */
export function peerClosed(c: Conn): void {
  c.nfd = -1;
  endConnection(c, 0, '');
}

/** Aborts the connection with an error (the firmware socket is closed). */
function abort(c: Conn, code: number, msg: string | false): void {
  closeNative(c);
  endConnection(c, code, msg);
}

function endConnection(c: Conn, code: number, msg: string | false): void {
  if (c.gone) return;
  c.gone = true;
  c.pumpTimer = stopTimer(c.pumpTimer);
  c.sock.state = SockState.Closed;
  const pending = c.wq;
  c.wq = [];
  defer(() => {
    if (c.closed) return;
    for (let i = 0; i < pending.length; i++) {
      const failed = pending[i].data !== null || code !== 0;
      netdev.errno = failed ? code || ERRNO.EPIPE : 0;
      call(pending[i].cb, netdev.errno);
    }
    if (code) {
      netdev.errno = code;
      netdev.errmsg = msg || '';
      call(c.sock.error_cb, code);
    } else {
      call(c.sock.shutdown_cb);
    }
    call(c.sock.close_cb);
  });
  // after: the consumer hears this close first
  if (globalThis.KN_SERVER !== false && c.listener) currentEnded(c.listener, c);
}

/** Hands queued bytes to the firmware in pieces its send buffer takes; when it is full, tries
 *  again on a later loop pass (the firmware only frees buffer space between JS callbacks).
 *  A write's callback fires once its last byte was handed over. */
export function pump(c: Conn): void {
  c.pumpTimer = null;
  if (c.nfd < 0 || c.gone || c.sock.state !== SockState.Connected) return;
  let progressed = false;
  while (c.wq.length) {
    const item = c.wq[0];
    if (item.data === null) {
      native.shutdown(c.nfd, 1); // its synchronous local shutdown_cb is not ours: not set
      c.finSent = true;
      c.wq.shift();
      if (native.errno === 0) succeed(item.cb);
      else fail(item.cb, ERRNO.ENOTCONN, globalThis.KN_ERRMSG !== false && 'the CYW43 firmware could not send FIN');
      progressed = true;
      continue;
    }
    const end = Math.min(item.data.length, item.off + K.PIECE);
    if (item.off < end) {
      native.write(c.nfd, latin1(item.data, item.off, end));
      if (native.errno !== 0) break;
      item.off = end;
      progressed = true;
      if (end < item.data.length) continue;
    }
    c.wq.shift();
    succeed(item.cb);
  }
  if (!c.wq.length || progressed) {
    c.retryMs = 1;
    c.stalledMs = 0;
    if (!c.wq.length) return;
  } else {
    c.stalledMs += c.retryMs;
    if (!native.get(c.nfd)) return abort(c, ERRNO.ECONNRESET, globalThis.KN_ERRMSG !== false && 'the CYW43 firmware dropped the connection');
    if (c.stalledMs >= writeTimeout) {
      if (linkIsUp()) return abort(c, ERRNO.ETIMEDOUT, globalThis.KN_ERRMSG !== false && 'no write progress for ' + writeTimeout + ' ms');
      linkLost();
      return abort(c, ERRNO.ENETDOWN, globalThis.KN_ERRMSG !== false && 'Wi-Fi link lost');
    }
    c.retryMs = Math.min(c.retryMs * 2, K.MAX_RETRY_MS);
  }
  c.pumpTimer = setTimeout(() => pump(c), c.retryMs);
}

// ---- the netdev contract ---------------------------------------------------------------------

function socket(_domain: string, ptcl: Ptcl): number {
  if (ptcl !== 'STREAM') return failNow(K.EPROTONOSUPPORT, globalThis.KN_ERRMSG !== false && 'only STREAM sockets are supported on the CYW43');
  const c = newConn(ptcl);
  // With the link up the firmware socket exists at once (so EMFILE is reported here); without
  // it, the fd is ours alone and the firmware socket is made when the link comes up.
  if (openNative(c) === ERRNO.EMFILE) return failNow(ERRNO.EMFILE, NO_SOCKETS);
  conns[c.sock.fd] = c;
  netdev.errno = 0;
  return c.sock.fd;
}

function get(fd: number): NetdevSocket | undefined {
  const c = conns[fd];
  return c ? c.sock : undefined;
}

function write(fd: number, data: Uint8Array | string, cb: NetdevCallback): void {
  const c = conns[fd];
  if (!c) return fail(cb, ERRNO.EBADF, globalThis.KN_ERRMSG !== false && 'bad file descriptor');
  if (c.writeShut || c.gone) return fail(cb, ERRNO.EPIPE, globalThis.KN_ERRMSG !== false && 'write after end');
  if (c.srv || (c.sock.state === SockState.Closed && !c.connecting)) return fail(cb, ERRNO.ENOTCONN, globalThis.KN_ERRMSG !== false && 'socket is not connected');
  c.wq.push({ data: typeof data === 'string' ? new TextEncoder().encode(data) : data, off: 0, cb });
  if (c.pumpTimer === null) pump(c);
}

function close(fd: number, cb: NetdevCallback): void {
  const c = conns[fd];
  if (!c) return fail(cb, ERRNO.EBADF, globalThis.KN_ERRMSG !== false && 'bad file descriptor');
  conns[fd] = undefined;
  c.closed = true;
  c.wq = [];
  if (c.cancelWait) c.cancelWait();
  c.pumpTimer = stopTimer(c.pumpTimer);
  c.connectTimer = stopTimer(c.connectTimer);
  if (globalThis.KN_SERVER !== false && c.srv) closeListener(c);
  else closeNative(c);
  if (globalThis.KN_SERVER !== false && c.listener && !c.gone) {
    c.gone = true;
    currentEnded(c.listener, c);
  }
  succeed(cb);
}

function shutdown(fd: number, how: 0 | 1 | 2, cb: NetdevCallback): void {
  const c = conns[fd];
  if (!c) return fail(cb, ERRNO.EBADF, globalThis.KN_ERRMSG !== false && 'bad file descriptor');
  if (how !== 1) c.readShut = true;
  if (how === 0 || c.srv || c.writeShut || c.gone) {
    c.writeShut = c.writeShut || how !== 0;
    return succeed(cb);
  }
  c.writeShut = true;
  c.wq.push({ data: null, off: 0, cb });
  if (c.pumpTimer === null) pump(c);
}
