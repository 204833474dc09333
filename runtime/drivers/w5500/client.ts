// Connecting out (KN_CLIENT): connect(), then a DNS lookup when the host is a name (dns.ts), then
// CONNECT until ESTABLISHED, refused, or timed out.
import { ERRNO } from '../../netdev-contract';
import type { NetdevCallback } from '../../netdev-contract';
import { Cmd, command, ipText, isZero, openSocket, parseIp, setPeer, Sr, T, W } from './chip';
import { emit, fail, linkUp, myGateway, myIp, mySubnet, netdev, safe, soon } from './core';
import { resolve } from './dns';
import { connected, ephemeralPort, finishOp, recOf, whenUp } from './sockets';
import type { Rec } from './types';

export function connect(fd: number, host: string, port: number, cb: NetdevCallback): void {
  const rec = recOf(fd);
  if (!rec) return fail(cb, ERRNO.EBADF, globalThis.KN_ERRMSG !== false && 'no socket ' + fd);
  if (rec.phase === 'connected') return fail(cb, ERRNO.EISCONN, globalThis.KN_ERRMSG !== false && 'already connected');
  if (rec.op) return fail(cb, ERRNO.EALREADY, globalThis.KN_ERRMSG !== false && 'socket ' + fd + ' is busy connecting or listening');
  if (rec.phase !== 'new' && rec.phase !== 'bound') return fail(cb, ERRNO.EINVAL, globalThis.KN_ERRMSG !== false && 'socket ' + fd + ' cannot connect now');
  if (!(port > 0 && port < 65536 && port === Math.floor(port))) return fail(cb, ERRNO.EINVAL, globalThis.KN_ERRMSG !== false && 'bad port ' + port);
  rec.host = String(host);
  rec.port = port;
  whenUp(rec, 'connect', cb);
}

export function startConnect(rec: Rec, now: number): void {
  const ip = parseIp(rec.host);
  if (ip) startTcp(rec, ip, now);
  else resolve(rec, now);
}

export function startTcp(rec: Rec, ip: number[], now: number): void {
  const target = globalThis.KN_ERRMSG !== false && ipText(ip) + ':' + rec.port;
  if (isZero(ip) || (ip[0] & ip[1] & ip[2] & ip[3]) === 255) return finishOp(rec, ERRNO.EADDRNOTAVAIL, globalThis.KN_ERRMSG !== false && 'cannot connect to ' + target);
  if (!linkUp) return finishOp(rec, ERRNO.ENETDOWN, globalThis.KN_ERRMSG !== false && 'cannot connect to ' + target + ': no Ethernet link');
  let local = true;
  for (let i = 0; i < 4; i++) if ((ip[i] & mySubnet[i]) !== (myIp[i] & mySubnet[i])) local = false;
  if (!local && isZero(myGateway)) return finishOp(rec, ERRNO.ENETUNREACH, globalThis.KN_ERRMSG !== false && 'cannot connect to ' + target + ': not on the local subnet and no gateway');
  const n = rec.hw;
  const lport = rec.sock.lport || ephemeralPort();
  rec.touched = true;
  if (!openSocket(n, W.MODE_TCP, lport)) return finishOp(rec, ERRNO.EIO, globalThis.KN_ERRMSG !== false && 'socket ' + n + ' did not open for TCP');
  setPeer(n, ip, rec.port);
  command(n, Cmd.CONNECT);
  rec.phase = 'connecting';
  rec.sock.lport = lport;
  rec.sock.laddr = netdev.ip;
  rec.sock.raddr = ipText(ip);
  rec.sock.rport = rec.port;
  rec.deadline = now + T.connect;
  soon(0);
}

export function pollConnecting(rec: Rec, ir: number, sr: number, now: number): void {
  const target = globalThis.KN_ERRMSG !== false && rec.sock.raddr + ':' + rec.sock.rport;
  if (sr === Sr.ESTABLISHED || sr === Sr.CLOSE_WAIT) {
    connected(rec, sr);
    finishOp(rec, 0, '');
    emit(() => {
      if (!rec.freed) safe(rec.sock.connect_cb);
    });
    return;
  }
  if (ir & W.IR_TIMEOUT) return finishOp(rec, ERRNO.ETIMEDOUT, globalThis.KN_ERRMSG !== false && 'connect to ' + target + ' timed out (no answer)');
  if (sr === Sr.CLOSED) return finishOp(rec, ERRNO.ECONNREFUSED, globalThis.KN_ERRMSG !== false && 'connection to ' + target + ' refused');
  if (now >= rec.deadline) return finishOp(rec, ERRNO.ETIMEDOUT, globalThis.KN_ERRMSG !== false && 'connect to ' + target + ' timed out after ' + T.connect / 1000 + ' s');
  soon(0);
}
