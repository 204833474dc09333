// Listening (KN_SERVER): bind/listen, and the accept dance. A listening hardware socket turns into
// the accepted connection, so another free socket is put in LISTEN on the port at once; with none
// free the server is "starved" (clients refused) until release() hands it the next freed socket.
import { ERRNO, SockState } from '../../netdev-contract';
import type { NetdevCallback } from '../../netdev-contract';
import { Cmd, command, hardClose, ipText, openSocket, readSpi, Reg, sreg, Sr, T, W, waitStatus } from './chip';
import { cfg, emit, fail, later, netdev, report, safe, setError, soon, stage } from './core';
import { closeHw, connected, dropHw, ephemeralPort, finishOp, freeSocket, newRec, phys, recOf, recs, whenUp } from './sockets';
import type { Rec } from './types';

function anyAddress(addr: string): boolean {
  return !addr || addr === '0.0.0.0' || addr === '::' || addr === '::0';
}

export function bind(fd: number, addr: string, port: number, cb: NetdevCallback): void {
  const rec = recOf(fd);
  if (!rec) return fail(cb, ERRNO.EBADF, globalThis.KN_ERRMSG !== false && 'no socket ' + fd);
  if (rec.phase !== 'new') return fail(cb, ERRNO.EINVAL, globalThis.KN_ERRMSG !== false && 'socket ' + fd + ' is already bound or in use');
  // Before the lease the address is unknown: it is checked when the socket starts listening.
  const own = cfg.fixed ? ipText(cfg.fixed[0]) : stage === 'up' ? netdev.ip : '';
  if (!anyAddress(addr) && own && addr !== own) return fail(cb, ERRNO.EADDRNOTAVAIL, globalThis.KN_ERRMSG !== false && 'address ' + addr + ' is not this board (' + own + ')');
  if (!(port >= 0 && port < 65536 && port === Math.floor(port))) return fail(cb, ERRNO.EINVAL, globalThis.KN_ERRMSG !== false && 'bad port ' + port);
  if (port === 0) port = ephemeralPort();
  for (const k in recs) {
    const r = recs[k];
    if (r !== rec && r.sock.lport === port && (r.phase === 'bound' || r.phase === 'listening')) {
      return fail(cb, ERRNO.EADDRINUSE, globalThis.KN_ERRMSG !== false && 'port ' + port + ' is already in use');
    }
  }
  rec.phase = 'bound';
  rec.sock.state = SockState.Bound;
  rec.sock.lport = port;
  rec.sock.laddr = anyAddress(addr) ? '0.0.0.0' : addr;
  later(() => report(cb, 0));
}

export function listen(fd: number, cb: NetdevCallback): void {
  const rec = recOf(fd);
  if (!rec) return fail(cb, ERRNO.EBADF, globalThis.KN_ERRMSG !== false && 'no socket ' + fd);
  if (rec.phase === 'new') {
    rec.phase = 'bound';
    rec.sock.lport = ephemeralPort();
  }
  if (rec.phase !== 'bound' || rec.op) return fail(cb, ERRNO.EINVAL, globalThis.KN_ERRMSG !== false && 'socket ' + fd + ' cannot listen now');
  whenUp(rec, 'listen', cb);
}

/** LISTEN on the fd's hardware socket; `answer`: listen()'s own start (else a re-listen). */
export function startListen(rec: Rec, answer: boolean): void {
  const n = rec.hw;
  const addr = rec.sock.laddr;
  if (answer && addr !== '0.0.0.0' && addr !== netdev.ip) {
    return finishOp(rec, ERRNO.EADDRNOTAVAIL, globalThis.KN_ERRMSG !== false && 'address ' + addr + ' is not this board (' + netdev.ip + ')');
  }
  rec.touched = true;
  if (openSocket(n, W.MODE_TCP, rec.sock.lport)) {
    command(n, Cmd.LISTEN);
    if (waitStatus(n, Sr.LISTENING)) {
      rec.phase = 'listening';
      rec.sock.state = SockState.Listening;
      if (answer) finishOp(rec, 0, '');
      return;
    }
  }
  hardClose(n);
  if (answer) finishOp(rec, ERRNO.EIO, globalThis.KN_ERRMSG !== false && 'socket ' + n + ' did not enter LISTEN on port ' + rec.sock.lport);
  else rec.todo = 'relisten';
}

/** Hardware socket `n` was freed: a starved listener takes it. */
export function relisten(n: number): void {
  for (const fd in recs) {
    const r = recs[fd];
    if (r.phase === 'listening' && r.hw < 0) {
      r.hw = n;
      r.todo = 'relisten';
      phys[n].use = 'rec';
      phys[n].rec = r;
      soon(0);
      return;
    }
  }
}

export function pollListening(rec: Rec, n: number, sr: number, now: number): void {
  if (sr === Sr.LISTENING) return;
  if (sr !== Sr.SYNRECV && sr !== Sr.ESTABLISHED && sr !== Sr.CLOSE_WAIT) return startListen(rec, false);
  // The listening socket is becoming the connection: listen again on another socket right away.
  const a = newRec(n, 'accepting');
  a.touched = true;
  a.listener = rec;
  a.sock.lport = rec.sock.lport;
  a.deadline = now + T.connect;
  const m = freeSocket();
  if (m >= 0) {
    rec.hw = m;
    phys[m].use = 'rec';
    phys[m].rec = rec;
    startListen(rec, false);
  } else {
    rec.hw = -1;
    setError(ERRNO.EMFILE, globalThis.KN_ERRMSG !== false && 'all ' + W.SOCKETS + ' W5500 sockets are in use: the server on port ' + rec.sock.lport + ' refuses new clients until one is closed');
  }
  pollAccepting(a, n, sr, now);
}

export function pollAccepting(a: Rec, n: number, sr: number, now: number): void {
  const listener = a.listener!;
  if (sr === Sr.ESTABLISHED || sr === Sr.CLOSE_WAIT) {
    const peer = readSpi(sreg(n), Reg.Sn_DIPR, 6);
    a.sock.raddr = ipText(peer);
    a.sock.rport = (peer[4] << 8) | peer[5];
    a.listener = null;
    connected(a, sr);
    if (listener.freed) return abandon(a);
    emit(() => {
      if (!listener.freed && typeof listener.sock.accept_cb === 'function') safe(listener.sock.accept_cb, a.sock.fd);
      else if (!a.freed) abandon(a);
    });
    return;
  }
  if (sr === Sr.SYNRECV && now < a.deadline) return soon(0);
  // The handshake failed (timeout, reset): the connection never existed for the program.
  if (sr !== Sr.CLOSED) hardClose(n);
  delete recs[a.sock.fd];
  a.freed = true;
  dropHw(a);
}

/** Closes a connection nobody will ever see (its listener was closed meanwhile). */
function abandon(a: Rec): void {
  delete recs[a.sock.fd];
  a.freed = true;
  closeHw(a);
}
