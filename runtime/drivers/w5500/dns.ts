// Host names (KN_CLIENT): an A query over UDP to the DNS server on the fd's own hardware socket,
// retried, then the TCP connect to the answer (RFC 1035 subset: recursion desired, first A record).
// dns.lookup (KN_DNS): the same query on a hardware socket of its own (a record with port 0),
// freed with the answer.
import { ERRNO } from '../../netdev-contract';
import { hardClose, ipText, isZero, openSocket, T, W } from './chip';
import { startTcp } from './client';
import { fail, myDns, netdev, soon } from './core';
import { close, ephemeralPort, finishOp, recs, socket, whenUp } from './sockets';
import type { Rec } from './types';
import { udpReceive, udpSend } from './udp';

/** Constants (a const enum: inlined, nothing in the heap). */
const enum K {
  DNS_PORT = 53,
  DNS_TRIES = 3,
  TYPE_A = 1,
  CLASS_IN = 1,
}


/** A standard query for the A record of `name`, or null when `name` is not a valid host name. */
export function dnsQuery(id: number, name: string): Uint8Array | null {
  const host = name.charAt(name.length - 1) === '.' ? name.slice(0, -1) : name;
  if (host.length === 0 || host.length > 253) return null;
  const labels = host.split('.');
  const out = new Uint8Array(12 + host.length + 2 + 4);
  out[0] = (id >> 8) & 0xff;
  out[1] = id & 0xff;
  out[2] = 0x01; // RD
  out[5] = 1; // QDCOUNT
  let i = 12;
  for (let l = 0; l < labels.length; l++) {
    const label = labels[l];
    if (label.length === 0 || label.length > 63) return null;
    out[i++] = label.length;
    for (let c = 0; c < label.length; c++) {
      const code = label.charCodeAt(c);
      if (code <= 0x20 || code >= 0x7f) return null;
      out[i++] = code;
    }
  }
  out[i++] = 0;
  out[i++] = 0;
  out[i++] = K.TYPE_A;
  out[i++] = 0;
  out[i] = K.CLASS_IN;
  return out;
}

export interface DnsResult {
  /** The first A record, or null (name unknown: rcode ≠ 0, or no A record). */
  ip: number[] | null;
  /** 0 NOERROR, 3 NXDOMAIN, ... */
  rcode: number;
}

/** The end of the (possibly compressed) name starting at `i`, or -1 when it runs off the message. */
function skipName(m: Uint8Array, i: number): number {
  while (i < m.length) {
    const len = m[i];
    if (len === 0) return i + 1;
    if ((len & 0xc0) === 0xc0) return i + 2 <= m.length ? i + 2 : -1;
    i += len + 1;
  }
  return -1;
}

/** The answer to query `id`, or null when `m` is not that answer (other id, not a response, garbled). */
export function parseDnsReply(m: Uint8Array, id: number): DnsResult | null {
  if (m.length < 12 || ((m[0] << 8) | m[1]) !== id || (m[2] & 0x80) === 0) return null;
  const rcode = m[3] & 0x0f;
  if (rcode !== 0) return { ip: null, rcode };
  const qd = (m[4] << 8) | m[5];
  const an = (m[6] << 8) | m[7];
  let i = 12;
  for (let q = 0; q < qd; q++) {
    i = skipName(m, i);
    if (i < 0 || i + 4 > m.length) return null;
    i += 4;
  }
  for (let a = 0; a < an; a++) {
    i = skipName(m, i);
    if (i < 0 || i + 10 > m.length) return null;
    const type = (m[i] << 8) | m[i + 1];
    const klass = (m[i + 2] << 8) | m[i + 3];
    const len = (m[i + 8] << 8) | m[i + 9];
    i += 10;
    if (i + len > m.length) return null;
    if (type === K.TYPE_A && klass === K.CLASS_IN && len === 4) return { ip: [m[i], m[i + 1], m[i + 2], m[i + 3]], rcode: 0 };
    i += len;
  }
  return { ip: null, rcode: 0 };
}

export function resolve(rec: Rec, now: number): void {
  if (isZero(myDns)) return finishOp(rec, ERRNO.ENOTFOUND, globalThis.KN_ERRMSG !== false && 'cannot resolve ' + rec.host + ': no DNS server configured');
  const id = Math.floor(Math.random() * 0x10000);
  const query = dnsQuery(id, rec.host);
  if (!query) return finishOp(rec, ERRNO.ENOTFOUND, globalThis.KN_ERRMSG !== false && "'" + rec.host + "' is not a valid host name");
  const n = rec.hw;
  rec.touched = true;
  if (!openSocket(n, W.MODE_UDP, ephemeralPort())) return finishOp(rec, ERRNO.EIO, globalThis.KN_ERRMSG !== false && 'socket ' + n + ' did not open for UDP');
  rec.phase = 'resolving';
  rec.deadline = now + T.dns;
  rec.dns = { id, server: myDns, query, sends: 0, retryAt: 0 };
  dnsSend(rec, now);
}

function dnsSend(rec: Rec, now: number): void {
  const d = rec.dns!;
  if (udpSend(rec.hw, d.server, K.DNS_PORT, d.query, now)) d.sends++;
  d.retryAt = now + Math.floor(T.dns / K.DNS_TRIES);
  soon(0);
}

export function pollDns(rec: Rec, n: number, ir: number, now: number): void {
  const d = rec.dns!;
  const why = globalThis.KN_ERRMSG !== false && 'cannot resolve ' + rec.host + ': ';
  if (ir & W.IR_TIMEOUT) return finishOp(rec, ERRNO.ENOTFOUND, globalThis.KN_ERRMSG !== false && why + 'DNS server ' + ipText(d.server) + ' unreachable (ARP timeout)');
  for (let i = 0; i < 4; i++) {
    const dg = udpReceive(n, ir);
    if (!dg) break;
    if (dg.port !== K.DNS_PORT || ipText(dg.ip) !== ipText(d.server)) continue;
    const res = parseDnsReply(dg.data, d.id);
    if (!res) continue;
    if (!res.ip) return finishOp(rec, ERRNO.ENOTFOUND, globalThis.KN_ERRMSG !== false && (why + (res.rcode === 3 ? 'no such name (NXDOMAIN)' : res.rcode ? 'DNS error ' + res.rcode : 'no A record')));
    rec.dns = null;
    hardClose(n);
    if (globalThis.KN_DNS !== false && !rec.port) {
      rec.sock.raddr = ipText(res.ip);
      return finishOp(rec, 0, '');
    }
    if (globalThis.KN_CLIENT !== false) startTcp(rec, res.ip, now);
    return;
  }
  if (now >= rec.deadline) return finishOp(rec, ERRNO.ENOTFOUND, globalThis.KN_ERRMSG !== false && why + 'no answer from DNS server ' + ipText(d.server));
  if (now >= d.retryAt && d.sends < K.DNS_TRIES) dnsSend(rec, now);
  soon(0);
}

/** netdev.lookup: cb(0, address) or cb(ENOTFOUND), EMFILE when all 8 hardware sockets are taken. */
export function lookup(host: string, cb: (err: number, address?: string) => void): void {
  const fd = socket('INET', 'STREAM');
  if (fd < 0) return fail(cb, netdev.errno, netdev.errmsg);
  const rec = recs[fd];
  rec.host = String(host);
  whenUp(rec, 'connect', (err) => {
    close(fd, () => {});
    cb(err, err ? undefined : rec.sock.raddr);
  });
}
