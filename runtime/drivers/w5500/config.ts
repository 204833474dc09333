// The W5500 driver's options. checkConfig() refuses a bad one with an Error naming it; the build runs
// it on the target's options (cli/bundle/driver-options.ts), so a board bundle (KN_CHECKED) leaves
// the checks out and settings() only fills in the defaults.
import { hex2, parseIp } from './chip';
import type { W5500Config, W5500Timeouts } from './types';

const DEFAULT_TIMEOUTS: W5500Timeouts = { reset: 200, link: 10000, dhcp: 15000, dns: 5000, connect: 20000, send: 20000, close: 5000, command: 20 };

function configError(what: string): Error {
  return new Error('w5500: config ' + what);
}

function checkInt(v: unknown, name: string, min: number, max: number): void {
  if (v !== undefined && v !== null && (typeof v !== 'number' || v !== Math.floor(v) || v < min || v > max)) {
    throw configError(name + ' must be an integer ' + min + '..' + max + ', got ' + String(v));
  }
}

function checkIp(v: string | undefined, name: string): void {
  if (v !== undefined && v !== null && v !== '' && !parseIp(v)) throw configError('ip.' + name + " must be a dotted IPv4 address, got '" + v + "'");
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

/** Throws on the first bad option (what the board would otherwise fail on at start). */
export function checkConfig(config: W5500Config): void {
  const given = config.timeouts || {};
  for (const k in DEFAULT_TIMEOUTS) checkInt(given[k as keyof W5500Timeouts], 'timeouts.' + k, 1, 3600000);
  if (config.mac !== undefined) {
    const mac = parseMac(config.mac);
    if (!mac) throw configError("mac must look like 'aa:bb:cc:dd:ee:ff', got '" + config.mac + "'");
    if (mac[0] & 1) throw configError('mac ' + config.mac + ' is a multicast address (first byte odd)');
  }
  const ip = config.ip;
  if (ip !== undefined && ip !== 'dhcp') {
    if (typeof ip !== 'object' || !ip) throw configError("ip must be 'dhcp' or {ip, subnet, gateway, dns}");
    checkIp(ip.ip, 'ip');
    checkIp(ip.subnet, 'subnet');
    checkIp(ip.gateway, 'gateway');
    checkIp(ip.dns, 'dns');
    if (!ip.ip) throw configError('ip.ip is required for a static configuration');
  }
  const retry = config.retry || {};
  checkInt(retry.time, 'retry.time', 1, 6553);
  checkInt(retry.count, 'retry.count', 0, 255);
  checkInt(config.pollMs, 'pollMs', 1, 60000);
  const s = config.spi || {};
  checkInt(s.bus, 'spi.bus', 0, 1);
  checkInt(s.baudrate, 'spi.baudrate', 100000, 62500000);
  for (const pin of ['cs', 'sck', 'mosi', 'miso'] as const) checkInt(s[pin], 'spi.' + pin, 0, 29);
  checkInt(config.reset, 'reset', -1, 29);
  checkInt(config.interrupt, 'interrupt', -1, 29);
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

const or = <T>(v: T | undefined | null, dflt: T): T => (v === undefined || v === null ? dflt : v);

/** The options with their defaults (checked already: by checkConfig, or by the build). */
export function settings(config: W5500Config, uid: string, hasInt: boolean): Settings {
  const T = {} as W5500Timeouts;
  const given = config.timeouts || {};
  for (const k in DEFAULT_TIMEOUTS) {
    const key = k as keyof W5500Timeouts;
    T[key] = or(given[key], DEFAULT_TIMEOUTS[key]);
  }
  const mac = config.mac === undefined ? macFromUid(uid) : parseMac(config.mac)!;
  const ip = config.ip;
  const addr = (v: string | undefined, dflt: number[]) => (v ? parseIp(v)! : dflt);
  const retry = config.retry || {};
  const s = config.spi || {};
  const pin = (name: string, v: number | undefined) => (v !== undefined ? ' ' + name + ' GP' + v : '');
  return {
    T,
    mac,
    fixed: ip && ip !== 'dhcp' ? [parseIp(ip.ip)!, addr(ip.subnet, [255, 255, 255, 0]), addr(ip.gateway, [0, 0, 0, 0]), addr(ip.dns, [0, 0, 0, 0])] : null,
    rtr: or(retry.time, 200) * 10,
    rcr: or(retry.count, 5),
    pollMs: or(config.pollMs, hasInt ? 50 : 10),
    wiring: 'SPI' + (s.bus || 0) + pin('MISO', s.miso) + pin('CS', s.cs) + pin('SCK', s.sck) + pin('MOSI', s.mosi) + pin('RST', config.reset),
    hostname: config.hostname || 'kaluma-' + hex2(mac[3]) + hex2(mac[4]) + hex2(mac[5]),
  };
}
