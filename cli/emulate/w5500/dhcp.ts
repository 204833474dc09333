// The emulated network's DHCP server (RFC 2131/2132 subset): one address to lease.
// DISCOVER → OFFER, REQUEST → ACK (or NAK for another address), RELEASE/DECLINE free the lease,
// INFORM → ACK with configuration only. Renewals are REQUESTs with ciaddr set.

import { bytesToIp, bytesToMac, ipToBytes } from './addr';

export interface DhcpConfig {
  /** The address leased to the chip. */
  ip: string;
  subnet: string;
  router: string;
  dns: string;
  leaseSeconds: number;
  /** Server identifier (option 54) and the address replies come from. */
  server: string;
  /** Lease only to this client hardware address (a reservation); any client when absent. */
  mac?: string;
}

export const DHCP_SERVER_PORT = 67;
export const DHCP_CLIENT_PORT = 68;

const MAGIC = [0x63, 0x82, 0x53, 0x63];
const OPT = { SUBNET: 1, ROUTER: 3, DNS: 6, REQUESTED_IP: 50, LEASE: 51, TYPE: 53, SERVER_ID: 54, T1: 58, T2: 59, END: 255, PAD: 0 };
export const DHCP_TYPE = { DISCOVER: 1, OFFER: 2, REQUEST: 3, DECLINE: 4, ACK: 5, NAK: 6, RELEASE: 7, INFORM: 8 } as const;

export interface DhcpMessage {
  op: number;
  xid: number;
  flags: number;
  ciaddr: string;
  yiaddr: string;
  chaddr: string;
  type: number;
  options: Map<number, Uint8Array>;
}

export function parseDhcp(data: Uint8Array): DhcpMessage | null {
  if (data.length < 240 || data[1] !== 1 || data[2] !== 6) return null;
  for (let i = 0; i < 4; i++) if (data[236 + i] !== MAGIC[i]) return null;
  const options = new Map<number, Uint8Array>();
  let i = 240;
  while (i < data.length) {
    const code = data[i++];
    if (code === OPT.PAD) continue;
    if (code === OPT.END || i >= data.length) break;
    const len = data[i++];
    if (i + len > data.length) return null;
    options.set(code, data.slice(i, i + len));
    i += len;
  }
  const type = options.get(OPT.TYPE);
  if (!type || type.length !== 1) return null;
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  return {
    op: data[0],
    xid: view.getUint32(4),
    flags: view.getUint16(10),
    ciaddr: bytesToIp(data, 12),
    yiaddr: bytesToIp(data, 16),
    chaddr: bytesToMac(data, 28),
    type: type[0],
    options,
  };
}

export interface DhcpReply {
  data: Uint8Array;
  /** Sent to 255.255.255.255 (else unicast to the leased/client address). */
  broadcast: boolean;
}

export class DhcpServer {
  private leasedTo: string | null = null;
  private leaseEnds = 0;

  constructor(private readonly config: DhcpConfig) {}

  handle(request: Uint8Array, nowMs: number): DhcpReply | null {
    const msg = parseDhcp(request);
    if (!msg || msg.op !== 1) return null;
    if (this.leasedTo !== null && nowMs >= this.leaseEnds) this.leasedTo = null;
    if (this.config.mac && msg.chaddr !== this.config.mac.toLowerCase()) return null;
    const free = this.leasedTo === null || this.leasedTo === msg.chaddr;
    const serverId = msg.options.get(OPT.SERVER_ID);
    switch (msg.type) {
      case DHCP_TYPE.DISCOVER:
        return free ? this.reply(msg, DHCP_TYPE.OFFER, this.config.ip) : null;
      case DHCP_TYPE.REQUEST: {
        if (serverId && bytesToIp(serverId) !== this.config.server) return null;
        const requested = msg.options.get(OPT.REQUESTED_IP);
        const wanted = requested && requested.length === 4 ? bytesToIp(requested) : msg.ciaddr;
        if (!free || wanted !== this.config.ip) return this.reply(msg, DHCP_TYPE.NAK, '0.0.0.0');
        this.leasedTo = msg.chaddr;
        this.leaseEnds = nowMs + this.config.leaseSeconds * 1000;
        return this.reply(msg, DHCP_TYPE.ACK, this.config.ip);
      }
      case DHCP_TYPE.RELEASE:
      case DHCP_TYPE.DECLINE:
        if (this.leasedTo === msg.chaddr) this.leasedTo = null;
        return null;
      case DHCP_TYPE.INFORM:
        return this.reply(msg, DHCP_TYPE.ACK, '0.0.0.0');
      default:
        return null;
    }
  }

  private reply(msg: DhcpMessage, type: number, yiaddr: string): DhcpReply {
    const c = this.config;
    const out = new Uint8Array(300);
    const view = new DataView(out.buffer);
    out[0] = 2;
    out[1] = 1;
    out[2] = 6;
    view.setUint32(4, msg.xid);
    view.setUint16(10, msg.flags & 0x8000);
    out.set(ipToBytes(msg.ciaddr)!, 12);
    out.set(ipToBytes(yiaddr)!, 16);
    out.set(ipToBytes(c.server)!, 20);
    const mac = msg.chaddr.split(':').map((h) => parseInt(h, 16));
    out.set(mac, 28);
    out.set(MAGIC, 236);
    let i = 240;
    const put = (code: number, bytes: ArrayLike<number>): void => {
      out[i++] = code;
      out[i++] = bytes.length;
      out.set(bytes, i);
      i += bytes.length;
    };
    const u32 = (v: number): number[] => [(v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff];
    put(OPT.TYPE, [type]);
    put(OPT.SERVER_ID, ipToBytes(c.server)!);
    if (type !== DHCP_TYPE.NAK) {
      if (msg.type !== DHCP_TYPE.INFORM) {
        put(OPT.LEASE, u32(c.leaseSeconds));
        put(OPT.T1, u32(Math.floor(c.leaseSeconds / 2)));
        put(OPT.T2, u32(Math.floor((c.leaseSeconds * 7) / 8)));
      }
      put(OPT.SUBNET, ipToBytes(c.subnet)!);
      put(OPT.ROUTER, ipToBytes(c.router)!);
      put(OPT.DNS, ipToBytes(c.dns)!);
    }
    out[i] = OPT.END;
    const broadcast = (msg.flags & 0x8000) !== 0 || msg.ciaddr === '0.0.0.0' || type === DHCP_TYPE.NAK;
    return { data: out, broadcast };
  }
}
