// The emulated network's DNS server: answers A queries from a name table; a name not in the table
// gets NXDOMAIN, a known name asked for another type gets an empty NOERROR answer, a malformed
// question FORMERR.

import { ipToBytes } from './addr';

export const DNS_PORT = 53;

const TYPE_A = 1;
const CLASS_IN = 1;
const RCODE = { OK: 0, FORMERR: 1, NXDOMAIN: 3, NOTIMP: 4 };
const TTL_SECONDS = 300;

export function answerDns(query: Uint8Array, table: ReadonlyMap<string, string>): Uint8Array | null {
  if (query.length < 12 || (query[2] & 0x80) !== 0) return null;
  const opcode = (query[2] >> 3) & 0x0f;
  const qdcount = (query[4] << 8) | query[5];
  const question = opcode === 0 && qdcount >= 1 ? readQuestion(query, 12) : null;
  if (!question) return header(query, opcode === 0 ? RCODE.FORMERR : RCODE.NOTIMP, 0, 0);
  const name = question.labels.join('.').toLowerCase();
  const ip = table.get(name);
  const questionBytes = query.slice(12, question.end);
  if (ip === undefined) return concat(header(query, RCODE.NXDOMAIN, 1, 0), questionBytes);
  if (question.type !== TYPE_A || question.klass !== CLASS_IN) return concat(header(query, RCODE.OK, 1, 0), questionBytes);
  const answer = new Uint8Array(16);
  answer.set([0xc0, 0x0c, 0, TYPE_A, 0, CLASS_IN, 0, 0, (TTL_SECONDS >> 8) & 0xff, TTL_SECONDS & 0xff, 0, 4]);
  answer.set(ipToBytes(ip)!, 12);
  return concat(header(query, RCODE.OK, 1, 1), questionBytes, answer);
}

function readQuestion(q: Uint8Array, at: number): { labels: string[]; type: number; klass: number; end: number } | null {
  const labels: string[] = [];
  let i = at;
  for (;;) {
    if (i >= q.length) return null;
    const len = q[i++];
    if (len === 0) break;
    if (len > 63 || i + len > q.length) return null;
    labels.push(String.fromCharCode(...q.subarray(i, i + len)));
    i += len;
  }
  if (labels.length === 0 || i + 4 > q.length) return null;
  return { labels, type: (q[i] << 8) | q[i + 1], klass: (q[i + 2] << 8) | q[i + 3], end: i + 4 };
}

function header(query: Uint8Array, rcode: number, qd: number, an: number): Uint8Array {
  const h = new Uint8Array(12);
  h[0] = query[0];
  h[1] = query[1];
  h[2] = 0x80 | (query[2] & 0x79); // QR, opcode and RD copied
  h[3] = 0x80 | rcode; // RA
  h[5] = qd;
  h[7] = an;
  return h;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let i = 0;
  for (const p of parts) {
    out.set(p, i);
    i += p.length;
  }
  return out;
}
