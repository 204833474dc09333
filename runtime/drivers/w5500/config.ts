// The W5500 driver's options, checked once at start: a bad option is an Error naming it.
import { hex2, parseIp } from './chip';
import type { W5500Config, W5500Timeouts } from './types';

const DEFAULT_TIMEOUTS: W5500Timeouts = { reset: 200, link: 10000, dhcp: 15000, dns: 5000, connect: 20000, send: 20000, close: 5000, command: 20 };

export function configError(what: string): Error {
  return new Error('w5500: ' + what);
}

export function intOption(v: unknown, name: string, min: number, max: number, dflt: number): number {
  if (v === undefined || v === null) return dflt;
  if (typeof v !== 'number' || v !== Math.floor(v) || v < min || v > max) {
    throw configError('config ' + name + ' must be an integer ' + min + '..' + max + ', got ' + String(v));
  }
  return v;
}

function ipOption(v: string | undefined, name: string, dflt: number[]): number[] {
  if (v === undefined || v === null || v === '') return dflt;
  const b = parseIp(v);
  if (!b) throw configError('config ip.' + name + " must be a dotted IPv4 address, got '" + v + "'");
  return b;
}

/** FNV-1a (32 bit) of `s`. */
function fnv(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i) & 0xff;
    h = (h + (h << 1) + (h << 4) + (h << 7) + (h << 8) + (h << 24)) >>> 0;
  }
  return h;
}

/** A stable MAC for this board: locally administered (bit 1 set), unicast (bit 0 clear). */
export function macFromUid(uid: string): number[] {
  const a = fnv(uid);
  const b = fnv(uid + '/w5500');
  return [((a >>> 24) & 0xfc) | 0x02, (a >>> 16) & 0xff, (a >>> 8) & 0xff, a & 0xff, (b >>> 8) & 0xff, b & 0xff];
}

function parseMac(s: string): number[] | null {
  const parts = String(s).split(/[:-]/);
  if (parts.length !== 6) return null;
  const out: number[] = [];
  for (let i = 0; i < 6; i++) {
    if (!/^[0-9a-fA-F]{2}$/.test(parts[i])) return null;
    out.push(parseInt(parts[i], 16));
  }
  return out;
}

export interface Settings {
  T: W5500Timeouts;
  mac: number[];
  /** A static address (ip, subnet, gateway, dns), or null for DHCP. */
  fixed: number[][] | null;
  rtr: number;
  rcr: number;
  pollMs: number;
  wiring: string;
  hostname: string;
}

export function readConfig(config: W5500Config, uid: string, hasInt: boolean): Settings {
  const T = {} as W5500Timeouts;
  const given = config.timeouts || {};
  for (const k in DEFAULT_TIMEOUTS) {
    const key = k as keyof W5500Timeouts;
    T[key] = intOption(given[key], 'timeouts.' + key, 1, 3600000, DEFAULT_TIMEOUTS[key]);
  }
  const mac = config.mac === undefined ? macFromUid(uid) : parseMac(config.mac);
  if (!mac) throw configError("config mac must look like 'aa:bb:cc:dd:ee:ff', got '" + config.mac + "'");
  if (mac[0] & 1) throw configError('config mac ' + config.mac + ' is a multicast address (first byte odd)');
  const ip = config.ip === undefined ? 'dhcp' : config.ip;
  let fixed: number[][] | null = null;
  if (ip !== 'dhcp' || globalThis.KN_DHCP === false) {
    if (typeof ip !== 'object' || !ip) {
      throw configError(globalThis.KN_DHCP === false ? 'config ip: this program was built without DHCP (static address in the target)' : "config ip must be 'dhcp' or {ip, subnet, gateway, dns}");
    }
    fixed = [ipOption(ip.ip, 'ip', []), ipOption(ip.subnet, 'subnet', [255, 255, 255, 0]), ipOption(ip.gateway, 'gateway', [0, 0, 0, 0]), ipOption(ip.dns, 'dns', [0, 0, 0, 0])];
    if (fixed[0].length !== 4) throw configError('config ip.ip is required for a static configuration');
  }
  const retry = config.retry || {};
  const s = config.spi || {};
  const pin = (name: string, v: number | undefined) => (v !== undefined ? ' ' + name + ' GP' + v : '');
  return {
    T,
    mac,
    fixed,
    rtr: intOption(retry.time, 'retry.time', 1, 6553, 200) * 10,
    rcr: intOption(retry.count, 'retry.count', 0, 255, 5),
    pollMs: intOption(config.pollMs, 'pollMs', 1, 60000, hasInt ? 50 : 10),
    wiring: 'SPI' + (s.bus || 0) + pin('MISO', s.miso) + pin('CS', s.cs) + pin('SCK', s.sck) + pin('MOSI', s.mosi) + pin('RST', config.reset),
    hostname: config.hostname || 'kaluma-' + hex2(mac[3]) + hex2(mac[4]) + hex2(mac[5]),
  };
}
