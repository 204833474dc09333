// Connecting out (KN_CLIENT). The firmware resolves names itself (blocking), never reports a refusal,
// a reset or its own timeout: an unanswered connect fails after connectTimeout with ETIMEDOUT.
import { ERRNO, SockState } from '../../netdev-contract';
import type { NetdevCallback } from '../../netdev-contract';
import { blocking, call, closeNative, conns, defer, fail, messageOf, native, netdev, peerClosed, pump, received, stopTimer, whenNative } from './core';
import type { Conn } from './types';
import { linkIsUp, linkLost } from './wifi';

let connectTimeout = 10000;
const GRACE_MS = 20;

export function setConnectTimeout(ms: number | undefined): void {
  connectTimeout = ms || 10000;
}

export function connect(fd: number, host: string, port: number, cb: NetdevCallback): void {
  const c = conns[fd];
  if (!c) return fail(cb, ERRNO.EBADF, globalThis.KN_ERRMSG !== false && 'bad file descriptor');
  if (c.connecting || c.srv || c.sock.state !== SockState.Closed) return fail(cb, ERRNO.EISCONN, globalThis.KN_ERRMSG !== false && 'socket already in use');
  c.connecting = true;
  whenNative(c, (code, msg) => {
    if (!code) return startConnect(c, host, port, cb);
    c.connecting = false;
    fail(cb, code, msg);
  });
}

function linkGone(cb: NetdevCallback): void {
  linkLost();
  fail(cb, ERRNO.ENETUNREACH, globalThis.KN_ERRMSG !== false && 'Wi-Fi link lost');
}

function startConnect(c: Conn, host: string, port: number, cb: NetdevCallback): void {
  const o = native.get(c.nfd);
  if (!o) {
    c.connecting = false;
    c.nfd = -1;
    return fail(cb, ERRNO.ENETDOWN, globalThis.KN_ERRMSG !== false && ('the CYW43 firmware dropped the socket (Wi-Fi reset?)'));
  }
  o.read_cb = (data) => received(c, data);
  o.close_cb = () => peerClosed(c);
  o.connect_cb = () => connected(c, cb);
  try {
    blocking(() => native.connect(c.nfd, host, port));
  } catch (e) {
    c.connecting = false;
    const m = messageOf(e);
    const dns = /DNS/.test(m);
    return fail(cb, dns ? ERRNO.ENOTFOUND : ERRNO.EINVAL, globalThis.KN_ERRMSG !== false && (dns ? 'getaddrinfo ENOTFOUND ' + host + ' (' + m + ')' : m));
  }
  if (native.errno !== 0) {
    c.connecting = false;
    return linkIsUp() ? fail(cb, ERRNO.EIO, globalThis.KN_ERRMSG !== false && 'the CYW43 firmware could not start the connection') : linkGone(cb);
  }
  c.sock.raddr = o.raddr;
  c.sock.rport = port;
  // Kaluma runs due timers before it polls the Wi-Fi chip in each loop pass: once due, the
  // deadline gives the polls GRACE_MS to deliver a connect that already happened.
  c.connectTimer = setTimeout(() => {
    c.connectTimer = setTimeout(() => {
      c.connectTimer = null;
      if (!c.connecting) return;
      c.connecting = false;
      // lwIP gives up on a SYN after ~20 s: a pcb already gone was refused (or reset)
      if (closeNative(c)) return fail(cb, ERRNO.ECONNREFUSED, globalThis.KN_ERRMSG !== false && 'connect ECONNREFUSED ' + host + ':' + port);
      if (!linkIsUp()) return linkGone(cb);
      fail(
        cb,
        ERRNO.ETIMEDOUT,
        globalThis.KN_ERRMSG !== false && 'connect ETIMEDOUT ' + host + ':' + port + ': no answer within ' + connectTimeout + ' ms (refused or unreachable: the CYW43 firmware reports neither)',
      );
    }, GRACE_MS);
  }, connectTimeout);
}

function connected(c: Conn, cb: NetdevCallback): void {
  if (!c.connecting) return;
  c.connecting = false;
  c.connectTimer = stopTimer(c.connectTimer);
  const o = native.get(c.nfd);
  c.sock.state = SockState.Connected;
  if (o) c.sock.laddr = o.laddr;
  defer(() => {
    if (c.closed) return;
    netdev.errno = 0;
    call(cb, 0);
    call(c.sock.connect_cb);
  });
  pump(c);
}
