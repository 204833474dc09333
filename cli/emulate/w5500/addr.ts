// IPv4 and MAC address helpers for the emulated chip and its loopback network.

export function ipToBytes(ip: string): Uint8Array | null {
  const parts = ip.split('.');
  if (parts.length !== 4) return null;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    if (!/^\d{1,3}$/.test(parts[i])) return null;
    const v = Number(parts[i]);
    if (v > 255) return null;
    out[i] = v;
  }
  return out;
}

export function bytesToIp(b: ArrayLike<number>, at = 0): string {
  return `${b[at]}.${b[at + 1]}.${b[at + 2]}.${b[at + 3]}`;
}

/** Host socket addresses may come as IPv4-mapped IPv6 ('::ffff:127.0.0.1'). */
export function plainIpv4(address: string | undefined): string {
  if (!address) return '0.0.0.0';
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}

export function isLoopback(ip: string): boolean {
  return ip.startsWith('127.') && ipToBytes(ip) !== null;
}

export function sameSubnet(a: string, b: string, mask: string): boolean {
  const x = ipToBytes(a);
  const y = ipToBytes(b);
  const m = ipToBytes(mask);
  if (!x || !y || !m) return false;
  for (let i = 0; i < 4; i++) if ((x[i] & m[i]) !== (y[i] & m[i])) return false;
  return true;
}

export function macToBytes(mac: string): Uint8Array | null {
  const parts = mac.split(/[:-]/);
  if (parts.length !== 6 || !parts.every((p) => /^[0-9a-fA-F]{2}$/.test(p))) return null;
  return Uint8Array.from(parts.map((p) => parseInt(p, 16)));
}

export function bytesToMac(b: ArrayLike<number>, at = 0): string {
  const hex: string[] = [];
  for (let i = 0; i < 6; i++) hex.push(b[at + i].toString(16).padStart(2, '0'));
  return hex.join(':');
}

/** A stable, locally administered MAC for an emulated peer, derived from its IP (what ARP would learn). */
export function peerMac(ip: string): Uint8Array {
  const b = ipToBytes(ip) ?? new Uint8Array(4);
  return Uint8Array.from([0x02, 0x00, b[0], b[1], b[2], b[3]]);
}
