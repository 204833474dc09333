// A small DHCP client (RFC 2131/2132 subset) for the W5500 driver (dhcp.ts): DISCOVER → OFFER →
// REQUEST → ACK, renewal at T1 (unicast to the server), rebinding at T2 (broadcast), a new discovery when the lease
// ends or a NAK arrives. It only builds and reads messages and keeps the timers; the driver moves
// them over a UDP socket on port 68 while `active()` says one is needed.

export const DHCP_SERVER_PORT = 67;
export const DHCP_CLIENT_PORT = 68;
export const BROADCAST = [255, 255, 255, 255];

const MAGIC = [99, 130, 83, 99];
const enum OPT {
  PAD = 0,
  SUBNET = 1,
  ROUTER = 3,
  DNS = 6,
  HOSTNAME = 12,
  REQUESTED_IP = 50,
  LEASE = 51,
  TYPE = 53,
  SERVER_ID = 54,
  PARAMS = 55,
  T1 = 58,
  T2 = 59,
  CLIENT_ID = 61,
  END = 255,
}
const enum TYPE {
  DISCOVER = 1,
  OFFER = 2,
  REQUEST = 3,
  ACK = 5,
  NAK = 6,
}
/** Constants (a const enum: inlined, nothing in the heap). */
const enum K {
  /** First DISCOVER/REQUEST retransmission wait; it doubles up to the cap. */
  FIRST_RETRY_MS = 1000,
  MAX_RETRY_MS = 8000,
  /** REQUESTs sent for one OFFER before starting over. */
  REQUEST_TRIES = 4,
  /** Shortest wait between renewal (or rebinding) REQUESTs. */
  MIN_RENEW_RETRY_MS = 1000,
}
const INFINITE = 0xffffffff;

export interface DhcpLease {
  ip: number[];
  subnet: number[];
  /** 0.0.0.0 when the server gave none. */
  router: number[];
  /** 0.0.0.0 when the server gave none. */
  dns: number[];
  server: number[];
  /** Lease time in seconds (0xFFFFFFFF = infinite). */
  seconds: number;
}

export interface DhcpStep {
  /** A message to send from port 68 to `to`:67. */
  send: { data: Uint8Array; to: number[] } | null;
  /** bound: a new lease (apply it); renewed: the same address for longer; lost: the lease ended. */
  event: 'bound' | 'renewed' | 'lost' | null;
}

export type DhcpState = 'init' | 'selecting' | 'requesting' | 'bound' | 'renewing' | 'rebinding';

export interface DhcpClient {
  readonly state: DhcpState;
  readonly lease: DhcpLease | null;
  /** millis() at which the lease ends (Infinity for an infinite lease; 0 without a lease). */
  readonly endsAt: number;
  /** Completed renewals/rebindings of the current address. */
  readonly renewals: number;
  /** True while the client needs its UDP socket (acquiring, renewing, rebinding). */
  active(now: number): boolean;
  /** Retransmissions and lease timers. */
  poll(now: number): DhcpStep;
  /** A datagram that arrived on port 68. */
  receive(data: Uint8Array, now: number): DhcpStep;
}

interface Reply {
  type: number;
  yiaddr: number[];
  opts: { [code: number]: number[] };
}

function u32(v: number): number[] {
  return [(v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff];
}

function readU32(b: number[] | undefined): number | null {
  return b && b.length === 4 ? ((b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3]) >>> 0 : null;
}

function ip4(b: number[] | undefined, dflt: number[]): number[] {
  return b && b.length >= 4 ? b.slice(0, 4) : dflt;
}

function sameBytes(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function createDhcpClient(mac: number[], hostname: string, random: () => number): DhcpClient {
  let state: DhcpState = 'init';
  let xid = 0;
  let retryAt = 0;
  let retryMs = K.FIRST_RETRY_MS;
  let tries = 0;
  let offer: { ip: number[]; server: number[] } | null = null;
  let lease: DhcpLease | null = null;
  let t1At = 0;
  let t2At = 0;
  let endsAt = 0;
  let renewals = 0;
  const none: DhcpStep = { send: null, event: null };

  function message(type: number, ciaddr: number[] | null, extra: number[][], broadcast: boolean): Uint8Array {
    const opts: number[] = [OPT.TYPE, 1, type, OPT.CLIENT_ID, 7, 1].concat(mac);
    const name: number[] = [];
    for (let i = 0; i < hostname.length && i < 63; i++) name.push(hostname.charCodeAt(i) & 0x7f);
    if (name.length) opts.push(OPT.HOSTNAME, name.length, ...name);
    opts.push(OPT.PARAMS, 6, OPT.SUBNET, OPT.ROUTER, OPT.DNS, OPT.LEASE, OPT.T1, OPT.T2);
    for (let i = 0; i < extra.length; i++) opts.push(extra[i][0], extra[i].length - 1, ...extra[i].slice(1));
    opts.push(OPT.END);
    // 300 bytes at least: some servers drop shorter (pre-BOOTP-minimum) messages.
    const m = new Uint8Array(Math.max(300, 240 + opts.length));
    m[0] = 1; // BOOTREQUEST
    m[1] = 1; // Ethernet
    m[2] = 6;
    m.set(u32(xid), 4);
    if (broadcast) m[10] = 0x80; // the chip cannot take unicast to an address it does not have yet
    if (ciaddr) m.set(ciaddr, 12);
    m.set(mac, 28);
    m.set(MAGIC, 236);
    m.set(opts, 240);
    return m;
  }

  function parse(m: Uint8Array): Reply | null {
    if (m.length < 241 || m[0] !== 2 || !sameBytes(m.slice(4, 8), u32(xid)) || !sameBytes(m.slice(28, 34), mac)) return null;
    if (!sameBytes(m.slice(236, 240), MAGIC)) return null;
    const opts: { [code: number]: number[] } = {};
    let i = 240;
    while (i < m.length) {
      const code = m[i++];
      if (code === OPT.PAD) continue;
      if (code === OPT.END || i >= m.length) break;
      const len = m[i++];
      if (i + len > m.length) return null;
      opts[code] = Array.prototype.slice.call(m, i, i + len) as number[];
      i += len;
    }
    const type = opts[OPT.TYPE];
    if (!type || type.length !== 1) return null;
    return { type: type[0], yiaddr: [m[16], m[17], m[18], m[19]], opts };
  }

  function discover(now: number): DhcpStep {
    state = 'selecting';
    xid = Math.floor(random() * 0x100000000) >>> 0;
    retryMs = K.FIRST_RETRY_MS;
    retryAt = now + retryMs;
    offer = null;
    return { send: { data: message(TYPE.DISCOVER, null, [], true), to: BROADCAST }, event: null };
  }

  function request(now: number): DhcpStep {
    const o = offer as { ip: number[]; server: number[] };
    retryAt = now + Math.min(K.FIRST_RETRY_MS << tries, K.MAX_RETRY_MS);
    tries++;
    const extra = [[OPT.REQUESTED_IP].concat(o.ip), [OPT.SERVER_ID].concat(o.server)];
    return { send: { data: message(TYPE.REQUEST, null, extra, true), to: BROADCAST }, event: null };
  }

  /** A renewal (unicast to the server) or rebinding (broadcast) REQUEST for the address we hold. */
  function extend(now: number, until: number): DhcpStep {
    const l = lease as DhcpLease;
    retryAt = now + Math.max(K.MIN_RENEW_RETRY_MS, (until - now) / 2);
    const rebinding = state === 'rebinding';
    return { send: { data: message(TYPE.REQUEST, l.ip, [], false), to: rebinding ? BROADCAST : l.server }, event: null };
  }

  function take(r: Reply, now: number): DhcpStep {
    const o = r.opts;
    const seconds = readU32(o[OPT.LEASE]);
    const s = seconds === null ? 3600 : seconds;
    const before = lease;
    lease = {
      ip: r.yiaddr,
      subnet: ip4(o[OPT.SUBNET], [255, 255, 255, 0]),
      router: ip4(o[OPT.ROUTER], [0, 0, 0, 0]),
      dns: ip4(o[OPT.DNS], [0, 0, 0, 0]),
      server: ip4(o[OPT.SERVER_ID], before ? before.server : offer ? offer.server : [0, 0, 0, 0]),
      seconds: s,
    };
    if (s === INFINITE) {
      t1At = t2At = endsAt = Infinity;
    } else {
      // T1/T2 out of order (e.g. T1 = 0) would renew in a loop: use the RFC 2131 defaults instead.
      let t1 = readU32(o[OPT.T1]);
      let t2 = readU32(o[OPT.T2]);
      if (t1 === null || t1 <= 0 || t1 >= s) t1 = s / 2;
      if (t2 === null || t2 <= t1 || t2 >= s) t2 = Math.max(t1, (s * 7) / 8);
      t1At = now + t1 * 1000;
      t2At = now + t2 * 1000;
      endsAt = now + s * 1000;
    }
    state = 'bound';
    const same = before !== null && sameBytes(before.ip, lease.ip);
    if (same) renewals++;
    else renewals = 0;
    return { send: null, event: same ? 'renewed' : 'bound' };
  }

  function lost(now: number): DhcpStep {
    lease = null;
    endsAt = 0;
    const step = discover(now);
    step.event = 'lost';
    return step;
  }

  return {
    get state() {
      return state;
    },
    get lease() {
      return lease;
    },
    get endsAt() {
      return endsAt;
    },
    get renewals() {
      return renewals;
    },
    active(now: number): boolean {
      return state !== 'bound' || now >= t1At;
    },
    poll(now: number): DhcpStep {
      switch (state) {
        case 'init':
          return discover(now);
        case 'selecting':
          if (now < retryAt) return none;
          retryMs = Math.min(retryMs * 2, K.MAX_RETRY_MS);
          retryAt = now + retryMs;
          return { send: { data: message(TYPE.DISCOVER, null, [], true), to: BROADCAST }, event: null };
        case 'requesting':
          if (now < retryAt) return none;
          return tries < K.REQUEST_TRIES ? request(now) : discover(now);
        case 'bound':
          if (now < t1At) return none;
          state = 'renewing';
          xid = Math.floor(random() * 0x100000000) >>> 0;
          return extend(now, t2At);
        case 'renewing':
        case 'rebinding':
          if (now >= endsAt) return lost(now);
          if (state === 'renewing' && now >= t2At) {
            state = 'rebinding';
            return extend(now, endsAt);
          }
          return now < retryAt ? none : extend(now, state === 'renewing' ? t2At : endsAt);
      }
      return none;
    },
    receive(data: Uint8Array, now: number): DhcpStep {
      const r = parse(data);
      if (!r) return none;
      if (state === 'selecting' && r.type === TYPE.OFFER) {
        offer = { ip: r.yiaddr, server: ip4(r.opts[OPT.SERVER_ID], [data[20], data[21], data[22], data[23]]) };
        state = 'requesting';
        tries = 0;
        return request(now);
      }
      if (state !== 'requesting' && state !== 'renewing' && state !== 'rebinding') return none;
      if (r.type === TYPE.ACK) return take(r, now);
      if (r.type !== TYPE.NAK) return none;
      return lease ? lost(now) : discover(now);
    },
  };
}
