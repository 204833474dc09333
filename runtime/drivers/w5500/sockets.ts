// File descriptors and the 8 hardware sockets: allocation, the background close, the per-socket poll
// and the part of the netdev contract every program uses (socket, get, write, close, shutdown, pause).
import { ERRNO, SockState } from '../../netdev-contract';
import type { NetdevCallback, NetdevSocket, Ptcl } from '../../netdev-contract';
import { Cmd, command, hardClose, hw, readSpi, Reg, sreg, Sr, T, w8, W } from './chip';
import { pollConnecting, startConnect } from './client';
import { cfg, downErr, emit, fail, later, netdev, report, schedule, setError, soon, stage } from './core';
import { pollConnected } from './data';
import { pollDns, resolve } from './dns';
import { pollAccepting, pollListening, relisten, startListen } from './server';
import type { Phase, Phys, Rec } from './types';

/** Constants (a const enum: inlined, nothing in the heap). */
const enum K {
  CLOSE_POLL_MS = 2,
  EPROTONOSUPPORT = 93,
}

export const recs: { [fd: number]: Rec } = {};
export const phys: Phys[] = [];
let nextFd = 0;
let nextPort = 0;

export function resetSockets(): void {
  for (const fd in recs) delete recs[fd];
  phys.length = 0;
  for (let i = 0; i < W.SOCKETS; i++) phys.push({ use: 'free', rec: null, started: false, until: 0, udpBusyUntil: 0 });
  nextFd = 0;
  nextPort = 0xc000 + Math.floor(Math.random() * 0x3fff);
}

export function freeSocket(): number {
  for (let n = 0; n < W.SOCKETS; n++) if (phys[n].use === 'free') return n;
  return -1;
}

/** A hardware socket is free again: a starved listener takes it first. */
export function release(n: number): void {
  const p = phys[n];
  p.use = 'free';
  p.rec = null;
  p.udpBusyUntil = 0;
  if (globalThis.KN_SERVER !== false) relisten(n);
}

function usage(): string {
  let conns = 0;
  let listening = 0;
  let closing = 0;
  for (let n = 0; n < W.SOCKETS; n++) {
    const p = phys[n];
    if (p.use === 'closing') closing++;
    else if (p.rec && p.rec.phase === 'listening') listening++;
    else if (p.use !== 'free') conns++;
  }
  return conns + ' open, ' + listening + ' listening, ' + closing + ' closing';
}

export function ephemeralPort(): number {
  for (let i = 0; i < 0x4000; i++) {
    nextPort = nextPort >= 0xffff ? 0xc000 : nextPort + 1;
    let taken = false;
    for (const fd in recs) if (recs[fd].sock.lport === nextPort) taken = true;
    if (!taken) break;
  }
  return nextPort;
}

export function newRec(n: number, phase: Phase): Rec {
  const fd = nextFd++;
  const rec: Rec = {
    sock: { fd, ptcl: 'STREAM', state: SockState.Closed, laddr: '0.0.0.0', lport: 0, raddr: '0.0.0.0', rport: 0 },
    phase,
    hw: n,
    touched: false,
    freed: false,
    todo: null,
    op: null,
    opCb: null,
    host: '',
    port: 0,
    deadline: 0,
    dns: null,
    listener: null,
    txq: [],
    txOff: 0,
    queued: 0,
    taken: 0,
    acked: 0,
    inflight: 0,
    writes: [],
    wshut: false,
    finSent: false,
    shutCbs: [],
    paused: false,
    readShut: false,
    rxCheck: false,
    peerFin: false,
    finDelivered: false,
    timedOut: false,
  };
  recs[fd] = rec;
  phys[n].use = 'rec';
  phys[n].rec = rec;
  return rec;
}

export function recOf(fd: number): Rec | null {
  const r = recs[fd];
  return r && !r.freed ? r : null;
}

/** Gives up the fd's hardware socket (already CLOSED or never opened). */
export function dropHw(rec: Rec): void {
  const n = rec.hw;
  rec.hw = -1;
  if (n >= 0 && phys[n].rec === rec) release(n);
}

/** Answers connect()/listen(); a failed connect leaves the fd closed, a failed listen bound. */
export function finishOp(rec: Rec, err: number, msg: string | false): void {
  const cb = rec.opCb;
  const op = rec.op;
  rec.opCb = null;
  rec.op = null;
  if (err && op === 'connect') {
    rec.phase = 'closed';
    rec.sock.state = SockState.Closed;
    rec.dns = null;
    failWrites(rec, err);
    if (rec.touched && rec.hw >= 0 && stage !== 'dead') hardClose(rec.hw);
    dropHw(rec);
  }
  if (cb) emit(() => report(cb, err, msg));
}

export function failWrites(rec: Rec, err: number): void {
  const cbs = rec.writes.map((w) => w.cb).concat(rec.shutCbs);
  rec.writes = [];
  rec.shutCbs = [];
  rec.txq = [];
  for (let i = 0; i < cbs.length; i++) {
    const cb = cbs[i];
    emit(() => report(cb, err));
  }
}

export function runTodos(now: number): void {
  for (const fd in recs) {
    const r = recs[fd];
    const todo = r.todo;
    if (!todo || r.freed) continue;
    r.todo = null;
    if (todo === 'connect') {
      if (globalThis.KN_DNS !== false && !r.port) resolve(r, now);
      else if (globalThis.KN_CLIENT !== false) startConnect(r, now);
    } else if (globalThis.KN_SERVER !== false) startListen(r, todo === 'listen');
  }
}

export function connected(rec: Rec, sr: number): void {
  rec.phase = 'connected';
  rec.sock.state = SockState.Connected;
  rec.sock.laddr = netdev.ip;
  rec.rxCheck = true;
  if (sr === Sr.CLOSE_WAIT) rec.peerFin = true;
}

/** Hands the fd's hardware socket over to the background close. */
export function closeHw(rec: Rec): void {
  const n = rec.hw;
  rec.hw = -1;
  if (n < 0 || phys[n].rec !== rec) return;
  if (!rec.touched) return release(n);
  const p = phys[n];
  p.use = 'closing';
  p.rec = null;
  p.started = false;
  p.until = hw.millis() + T.close;
  soon(0);
}

function pollClosing(n: number, ir: number, sr: number, now: number): void {
  const p = phys[n];
  if (sr === Sr.CLOSED) return release(n);
  if (!p.started) {
    p.started = true;
    if (sr === Sr.ESTABLISHED || sr === Sr.CLOSE_WAIT) command(n, Cmd.DISCON);
    else if (sr !== Sr.FIN_WAIT && sr !== Sr.CLOSING && sr !== Sr.TIME_WAIT && sr !== Sr.LAST_ACK) {
      hardClose(n);
      return release(n);
    }
  } else if (ir & W.IR_TIMEOUT || now >= p.until) {
    hardClose(n);
    return release(n);
  }
  soon(K.CLOSE_POLL_MS);
}

/** Polls hardware socket `n` once; returns the data bytes it moved. */
export function pollSocket(n: number, now: number, budget: number): number {
  const p = phys[n];
  if (p.use === 'free' || p.use === 'dhcp') return 0;
  const rec = p.rec;
  if (p.use === 'rec' && (!rec || !rec.touched)) return 0;
  const st = readSpi(sreg(n), Reg.Sn_IR, 2);
  const ir = st[0] & 0x1f;
  const sr = st[1];
  if (ir) w8(sreg(n), Reg.Sn_IR, ir);
  if (p.use === 'closing' || !rec) {
    pollClosing(n, ir, sr, now);
    return 0;
  }
  const phase = rec.phase;
  if (phase === 'connected') return pollConnected(rec, n, ir, sr, now, Math.max(budget, 0));
  if ((globalThis.KN_CLIENT !== false || globalThis.KN_DNS !== false) && phase === 'resolving') pollDns(rec, n, ir, now);
  else if (globalThis.KN_CLIENT !== false && phase === 'connecting') pollConnecting(rec, ir, sr, now);
  else if (globalThis.KN_SERVER !== false && phase === 'listening') pollListening(rec, n, sr, now);
  else if (globalThis.KN_SERVER !== false && phase === 'accepting') pollAccepting(rec, n, sr, now);
  return 0;
}

/** connect/listen wait for the network; while it is down they fail with its error. */
export function whenUp(rec: Rec, op: 'connect' | 'listen', cb: NetdevCallback): void {
  if (stage === 'dead' || downErr) {
    if (op === 'connect') {
      rec.phase = 'closed';
      dropHw(rec);
    }
    return fail(cb, downErr || ERRNO.EIO, netdev.errmsg);
  }
  rec.op = op;
  rec.opCb = cb;
  rec.todo = op;
  schedule(0);
}

// ---- the netdev contract ---------------------------------------------------------------------

export function socket(_domain: string, ptcl: Ptcl): number {
  if (ptcl !== 'STREAM') {
    setError(K.EPROTONOSUPPORT, globalThis.KN_ERRMSG !== false && 'the W5500 driver offers TCP (STREAM) sockets only');
    return -1;
  }
  if (stage === 'dead') {
    setError(ERRNO.EIO, netdev.errmsg);
    return -1;
  }
  const n = freeSocket();
  if (n < 0) {
    setError(ERRNO.EMFILE, globalThis.KN_ERRMSG !== false && 'all ' + W.SOCKETS + ' W5500 sockets are in use (' + usage() + ')');
    return -1;
  }
  const fd = newRec(n, 'new').sock.fd;
  schedule(cfg.pollMs);
  return fd;
}

export function get(fd: number): NetdevSocket | null {
  const r = recOf(fd);
  return r ? r.sock : null;
}

/** A connect() is under way (so writes and shutdown may be queued). */
function connecting(rec: Rec): boolean {
  return rec.todo === 'connect' || rec.phase === 'resolving' || rec.phase === 'connecting';
}

export function write(fd: number, data: Uint8Array | string, cb: NetdevCallback): void {
  const rec = recOf(fd);
  if (!rec) return fail(cb, ERRNO.EBADF, globalThis.KN_ERRMSG !== false && 'no socket ' + fd);
  if (rec.wshut || rec.phase === 'closed') return fail(cb, ERRNO.EPIPE, globalThis.KN_ERRMSG !== false && 'the socket was ended');
  if (rec.phase !== 'connected' && !connecting(rec)) return fail(cb, ERRNO.ENOTCONN, globalThis.KN_ERRMSG !== false && 'not connected');
  let bytes = data as Uint8Array;
  if (typeof data === 'string') {
    bytes = new Uint8Array(data.length);
    for (let i = 0; i < data.length; i++) bytes[i] = data.charCodeAt(i) & 0xff;
  }
  if (bytes.length) {
    rec.txq.push(bytes);
    rec.queued += bytes.length;
  }
  rec.writes.push({ end: rec.queued, cb });
  schedule(0);
}

export function close(fd: number, cb: NetdevCallback): void {
  const rec = recOf(fd);
  if (!rec) return fail(cb, ERRNO.EBADF, globalThis.KN_ERRMSG !== false && 'no socket ' + fd);
  delete recs[fd];
  rec.freed = true;
  rec.todo = null;
  rec.sock.state = SockState.Closed;
  failWrites(rec, ERRNO.ECONNABORTED);
  const opCb = rec.opCb;
  rec.opCb = null;
  if (opCb) fail(opCb, ERRNO.ECONNABORTED, globalThis.KN_ERRMSG !== false && ('closed while ' + (rec.op === 'listen' ? 'starting to listen' : 'connecting')));
  if (stage === 'dead') rec.hw = -1;
  else closeHw(rec);
  later(() => report(cb, 0));
}

export function shutdown(fd: number, how: 0 | 1 | 2, cb: NetdevCallback): void {
  const rec = recOf(fd);
  if (!rec) return fail(cb, ERRNO.EBADF, globalThis.KN_ERRMSG !== false && 'no socket ' + fd);
  if (how !== 0 && how !== 1 && how !== 2) return fail(cb, ERRNO.EINVAL, globalThis.KN_ERRMSG !== false && 'bad shutdown mode ' + how);
  if (how !== 1) rec.readShut = true;
  if (how === 0 || rec.finSent) return later(() => report(cb, 0));
  if (rec.phase !== 'connected' && !connecting(rec)) return fail(cb, ERRNO.ENOTCONN, globalThis.KN_ERRMSG !== false && 'not connected');
  rec.wshut = true;
  rec.shutCbs.push(cb);
  schedule(0);
}

export function pause(fd: number, paused: boolean): void {
  const rec = recOf(fd);
  if (!rec) return;
  rec.paused = !!paused;
  if (!paused) {
    rec.rxCheck = true;
    schedule(0);
  }
}
