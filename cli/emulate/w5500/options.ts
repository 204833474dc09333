// Options of the emulated W5500 and its loopback network, with defaults and validation.

import { ipToBytes, isLoopback, macToBytes } from './addr';
import type { DhcpConfig } from './dhcp';

export interface W5500NetworkConfig {
  /** Address the DHCP server leases (the chip's IP). Default '127.0.0.1'. */
  ip?: string;
  /** Default '255.0.0.0'. */
  subnet?: string;
  /** Gateway handed out by DHCP; also the DHCP server's address unless `server` is set. Default '127.0.0.254'. */
  router?: string;
  /** DNS server handed out by DHCP, where the emulated DNS answers. Default '127.0.0.53'. */
  dns?: string;
  /** Default 3600. */
  leaseSeconds?: number;
  /** DHCP server identifier. Default: `router`. */
  server?: string;
}

export interface W5500Options {
  /** Lease only to this MAC (a DHCP reservation); any MAC when absent. 'aa:bb:cc:dd:ee:ff'. */
  mac?: string;
  /** The emulated network's DHCP server, or false for none (DNS is still answered at `dns`). */
  dhcp?: W5500NetworkConfig | false;
  /** Names the emulated DNS server resolves (A records). Default { localhost: '127.0.0.1' }. */
  dnsTable?: Record<string, string>;
  /** Where the 16-bit buffer pointers start once data can flow (UDP OPEN, TCP connection set up;
   *  a TCP OPEN sets them to pointerStart + 0x8000 until then). Default 0xFFF0: the first 16 bytes
   *  already wrap. */
  pointerStart?: number;
  /** Sn_CR keeps reading back the command for this many reads before it clears. Default 0. */
  crReadsBeforeClear?: number;
  /** Transient Sn_SR states (SYNSENT, SYNRECV, FIN_WAIT, TIME_WAIT, LAST_ACK) stay visible for this
   *  many reads of Sn_SR... Default 2. 0 = no transient holds. */
  transientPolls?: number;
  /** ...or until this many ms have passed, whichever comes first. Default 20. */
  transientMs?: number;
  /** TCPTO in ms (CONNECT, SEND, DISCON timeouts); the ARP timeout is scaled alike. Default: computed
   *  from RTR/RCR as the datasheet says (31.8 s after reset). */
  tcpTimeoutMs?: number;
  /** Delay between SEND_OK and the peer's ACK that frees TX_FSR. Default 0. */
  ackDelayMs?: number;
  /** Time the PHY needs to bring the link up after power-on, hardware reset or PHY reset. Default 0. */
  linkDelayMs?: number;
  /** Host port to listen on for a chip LISTEN on `port` (e.g. `() => 0` for ephemeral ports; see
   *  W5500Chip.listenAddress). Default: the same port. */
  mapListenPort?: (port: number) => number;
  /** Called for each (distinct) thing a driver did that the datasheet says not to do. */
  onWarning?: (message: string) => void;
}

export interface ResolvedOptions {
  dhcp: DhcpConfig | null;
  network: DhcpConfig;
  dnsTable: Map<string, string>;
  pointerStart: number;
  crReadsBeforeClear: number;
  transientPolls: number;
  transientMs: number;
  tcpTimeoutMs: number | null;
  ackDelayMs: number;
  linkDelayMs: number;
  mapListenPort: (port: number) => number;
  onWarning: ((message: string) => void) | null;
}

const DEFAULT_NETWORK = { ip: '127.0.0.1', subnet: '255.0.0.0', router: '127.0.0.254', dns: '127.0.0.53', leaseSeconds: 3600 };

function fail(message: string): never {
  throw new Error(`W5500 emulator: ${message}`);
}

function count(name: string, value: number | undefined, fallback: number, max = Number.MAX_SAFE_INTEGER): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 0 || value > max) fail(`option ${name} must be an integer 0..${max}, got ${value}`);
  return value;
}

function loopbackIp(name: string, value: string): string {
  if (!ipToBytes(value)) fail(`option ${name} must be a dotted IPv4 address, got '${value}'`);
  if (!isLoopback(value)) fail(`option ${name} must be a loopback address (127.x.x.x): the emulated network is loopback, got '${value}'`);
  return value;
}

export function resolveOptions(options: W5500Options = {}): ResolvedOptions {
  const net = options.dhcp === false ? {} : (options.dhcp ?? {});
  const router = loopbackIp('dhcp.router', net.router ?? DEFAULT_NETWORK.router);
  const subnet = net.subnet ?? DEFAULT_NETWORK.subnet;
  if (!ipToBytes(subnet)) fail(`option dhcp.subnet must be a dotted IPv4 mask, got '${subnet}'`);
  if (options.mac !== undefined && !macToBytes(options.mac)) fail(`option mac must look like 'aa:bb:cc:dd:ee:ff', got '${options.mac}'`);
  const network: DhcpConfig = {
    ip: loopbackIp('dhcp.ip', net.ip ?? DEFAULT_NETWORK.ip),
    subnet,
    router,
    dns: loopbackIp('dhcp.dns', net.dns ?? DEFAULT_NETWORK.dns),
    leaseSeconds: count('dhcp.leaseSeconds', net.leaseSeconds, DEFAULT_NETWORK.leaseSeconds, 0xffffffff),
    server: loopbackIp('dhcp.server', net.server ?? router),
    mac: options.mac?.toLowerCase(),
  };
  const dnsTable = new Map<string, string>();
  for (const [name, ip] of Object.entries(options.dnsTable ?? { localhost: '127.0.0.1' })) {
    if (!ipToBytes(ip)) fail(`option dnsTable['${name}'] must be a dotted IPv4 address, got '${ip}'`);
    dnsTable.set(name.toLowerCase().replace(/\.$/, ''), ip);
  }
  const tcpTimeoutMs = options.tcpTimeoutMs;
  if (tcpTimeoutMs !== undefined && !(tcpTimeoutMs > 0)) fail(`option tcpTimeoutMs must be > 0, got ${tcpTimeoutMs}`);
  const transientMs = options.transientMs ?? 20;
  if (!(transientMs >= 0)) fail(`option transientMs must be >= 0, got ${transientMs}`);
  const ackDelayMs = options.ackDelayMs ?? 0;
  if (!(ackDelayMs >= 0)) fail(`option ackDelayMs must be >= 0, got ${ackDelayMs}`);
  const linkDelayMs = options.linkDelayMs ?? 0;
  if (!(linkDelayMs >= 0)) fail(`option linkDelayMs must be >= 0, got ${linkDelayMs}`);
  return {
    dhcp: options.dhcp === false ? null : network,
    network,
    dnsTable,
    pointerStart: count('pointerStart', options.pointerStart, 0xfff0, 0xffff),
    crReadsBeforeClear: count('crReadsBeforeClear', options.crReadsBeforeClear, 0),
    transientPolls: count('transientPolls', options.transientPolls, 2),
    transientMs,
    tcpTimeoutMs: tcpTimeoutMs ?? null,
    ackDelayMs,
    linkDelayMs,
    mapListenPort: options.mapListenPort ?? ((port) => port),
    onWarning: options.onWarning ?? null,
  };
}
