// W5500 netdev driver: a WIZnet W5500 (hardwired TCP/IP, 8 sockets, 2 KB TX + 2 KB RX each) on SPI,
// target `w5500-evb-pico` (SPI0: MISO GP16, CS GP17, SCK GP18, MOSI GP19, RST GP20, INT GP21).
// Facts: shared/docs/w5500.md. The netdev contract: runtime/netdev-contract.ts.
//
// Bring-up (asynchronous; connect/listen wait for it, or fail with its error): RSTn pulse, the chip
// must read VERSIONR = 0x04 within timeouts.reset (else EIO, "W5500 not found ..."), then SHAR/RTR/RCR,
// then PHYCFGR.LNK within timeouts.link (else ENETDOWN "no Ethernet link"; the driver keeps watching
// and comes up when a cable is plugged in), then the static address or a DHCP lease within
// timeouts.dhcp (else ETIMEDOUT "no DHCP lease"; DHCP keeps trying). The lease is renewed at T1.
//
// Sockets: every fd holds one of the 8 hardware sockets from socket() on; socket() returns -1 with
// EMFILE when all 8 are taken (sockets still finishing a close count until they reach CLOSED). A
// listening socket turns into the accepted connection, so the driver puts another free hardware
// socket in LISTEN on the port at once (as soon as a SYN is seen). With no free socket the server is
// "starved": nothing listens on its port, clients are refused (ECONNREFUSED) until a socket is freed;
// then the server listens again by itself (it gets freed sockets before new socket() calls).
// Host names are resolved by a DNS query over UDP on the fd's own hardware socket before it connects.
//
// Data: writes go through the TX buffer (as much as TX_FSR allows, one SEND outstanding per socket);
// a write's callback fires once all of its bytes were acknowledged by SEND_OK. Reads drain RX (stable
// double reads of RX_RSR, RX_RD + RECV) into read_cb; pause(fd, true) stops reading, so RX fills and the
// chip closes the TCP window. Peer FIN: RX is drained, then shutdown_cb. shutdown(fd, 1) sends FIN
// (DISCON) after pending writes. close(fd) frees the fd at once; the hardware socket finishes in the
// background with DISCON and stays taken until the peer's FIN completes the close (a half-open peer
// holds it until timeouts.close, then CLOSE); sockets not connected are CLOSEd at once.
//
// Errors (errno, positive; `netdev.errmsg` holds a sentence): ECONNREFUSED, ETIMEDOUT (Sn_IR.TIMEOUT
// or host timeouts), ECONNRESET (peer reset), ENOTFOUND 3008 (NXDOMAIN, no answer, no DNS server),
// ENETDOWN (no link), ENETUNREACH (off-subnet without gateway), EADDRINUSE, EMFILE, EPIPE, ENOTCONN,
// EBADF, EIO (chip not found, stopped answering, SPI failure: the driver then stays down).
//
// Scheduling: all SPI work runs in one timer-driven poll, bounded per pass (TICK_BYTES), with a
// setTimeout between passes: next pass at once while something is under way, else after pollMs.
// INTn (setWatch FALLING) only wakes the poll early. Once up and holding nothing (no fd, no closing
// socket), the driver sleeps: no timer, no watch (so a finished program can end, as in Node); the next
// socket() wakes it, and a DHCP lease whose T1 passed meanwhile is renewed then.

import { ERRNO, SockState } from '../netdev-contract';
import type { Netdev, NetdevCallback, NetdevSocket, Ptcl } from '../netdev-contract';
import { DHCP_CLIENT_PORT, DHCP_SERVER_PORT, createDhcpClient } from './w5500-dhcp';
import type { DhcpStep } from './w5500-dhcp';
import { DNS_PORT, dnsQuery, parseDnsReply } from './w5500-dns';

declare function delayMicroseconds(us: number): void;

/** What the driver needs of the board: SPI, pins and timers (injected, so tests can wire an emulator). */
export interface W5500Hardware {
  /** One full-duplex SPI transfer (CS is driven separately); returns as many bytes as `tx` has. */
  transfer(tx: Uint8Array): Uint8Array;
  /** Drives SCSn. */
  cs(level: 0 | 1): void;
  /** Drives RSTn; null when not wired (a soft reset is used instead). */
  rst: ((level: 0 | 1) => void) | null;
  /** Reads INTn; null when not wired. */
  intLevel: (() => number) | null;
  /** Calls `cb` on falling edges of INTn; returns the function that stops watching. */
  watchInt: ((cb: () => void) => () => void) | null;
  /** Busy wait. */
  delayUs(us: number): void;
  millis(): number;
  setTimeout(cb: () => void, ms: number): number;
  clearTimeout(id: number): void;
  /** board.uid, the source of the default MAC. */
  uid: string;
  /** Releases the bus (driver.close()). */
  close?(): void;
}

export interface W5500StaticIp {
  ip: string;
  /** Default 255.255.255.0. */
  subnet?: string;
  /** Default none (0.0.0.0): only the local subnet is reachable. */
  gateway?: string;
  /** Default none: host names fail with ENOTFOUND. */
  dns?: string;
}

export interface W5500Timeouts {
  /** After reset, until VERSIONR reads 0x04. */
  reset: number;
  /** Until PHYCFGR reports a link (then ENETDOWN; the driver keeps watching). */
  link: number;
  /** Until the first DHCP lease (then ETIMEDOUT; DHCP keeps trying). */
  dhcp: number;
  /** One name resolution, all retries included. */
  dns: number;
  /** Host-side limit for CONNECT (the chip gives up after its own TCP timeout first). */
  connect: number;
  /** Host-side limit for one SEND_OK. */
  send: number;
  /** DISCON to CLOSED before the socket is forced closed. */
  close: number;
  /** Sn_CR clearing, Sn_SR settling after OPEN/LISTEN/CLOSE (a chip that stays busy is lost). */
  command: number;
}

export interface W5500Config {
  spi?: { bus?: number; miso?: number; cs?: number; sck?: number; mosi?: number; baudrate?: number };
  /** RSTn pin (default none: soft reset). */
  reset?: number;
  /** INTn pin (default none: polling only). */
  interrupt?: number;
  /** 'dhcp' (default) or a static configuration. */
  ip?: 'dhcp' | W5500StaticIp;
  /** 'aa:bb:cc:dd:ee:ff'; default: derived from board.uid (locally administered, unicast). */
  mac?: string;
  /** DHCP host name (default 'kaluma-' + the last 3 MAC bytes). */
  hostname?: string;
  /** Chip retransmission: RTR in ms (default 200) and RCR (default 5): TCP timeout 12.6 s, ARP 1.2 s. */
  retry?: { time?: number; count?: number };
  timeouts?: Partial<W5500Timeouts>;
  /** Poll interval while idle (default 50 ms with INTn, 10 ms without). */
  pollMs?: number;
  /** Where bring-up failures are reported (default console.log). */
  log?: (msg: string) => void;
}

export type W5500Netdev = Netdev & {
  /** A sentence describing the last error (beyond its errno). */
  errmsg: string;
  pause(fd: number, paused: boolean): void;
};

export interface W5500NetworkInfo {
  ip: string;
  subnet: string;
  gateway: string;
  dns: string;
  mac: string;
  dhcp: boolean;
  /** millis() when the DHCP lease ends (Infinity: infinite; 0: none or static). */
  leaseEndsAt: number;
  /** Renewals of the current lease. */
  renewals: number;
}

export interface W5500Driver {
  netdev: W5500Netdev;
  /** 'starting' | 'up' | 'down' (no link / no lease yet; retrying) | 'dead' (chip lost or stopped). */
  readonly status: string;
  readonly network: W5500NetworkInfo;
  /** cb(0) once the network is up (at once if it is), cb(errno) once bring-up failed. */
  whenReady(cb: (err: number) => void): void;
  /** Stops the driver: sockets closed, timers cleared, no further callbacks. */
  close(): void;
}

const SOCKETS = 8;
/** Per socket and direction (the reset value of Sn_TXBUF_SIZE / Sn_RXBUF_SIZE). */
const BUF = 2048;
/** Bytes moved over SPI per poll pass, all sockets together. */
const TICK_BYTES = 8192;
const RESET_PULSE_US = 600;
const DETECT_POLL_MS = 2;
const LINK_POLL_MS = 50;
const LINK_RETRY_MS = 500;
const SWEEP_MS = 1000;
const DHCP_POLL_MS = 10;
const CLOSE_POLL_MS = 2;
const FSR_POLL_MS = 5;
const DNS_TRIES = 3;
const UDP_BUSY_MS = 1000;
const EPROTONOSUPPORT = 93;

const DEFAULT_TIMEOUTS: W5500Timeouts = {
  reset: 200,
  link: 10000,
  dhcp: 15000,
  dns: 5000,
  connect: 20000,
  send: 20000,
  close: 5000,
  command: 20,
};

// Common registers (BSB 0).
const MR = 0x00;
const GAR = 0x01;
const SIPR = 0x0f;
const SHAR = 0x09;
const SIR = 0x17;
const SIMR = 0x18;
const RTR = 0x19;
const RCR = 0x1b;
const PHYCFGR = 0x2e;
const VERSIONR = 0x39;
// Socket registers (BSB 1+4n).
const Sn_MR = 0x00;
const Sn_CR = 0x01;
const Sn_IR = 0x02;
const Sn_SR = 0x03;
const Sn_PORT = 0x04;
const Sn_DIPR = 0x0c;
const Sn_TX_FSR = 0x20;
const Sn_TX_WR = 0x24;
const Sn_RX_RSR = 0x26;
const Sn_RX_RD = 0x28;

const OPEN = 0x01;
const LISTEN = 0x02;
const CONNECT = 0x04;
const DISCON = 0x08;
const CLOSE = 0x10;
const SEND = 0x20;
const RECV = 0x40;

const CLOSED = 0x00;
const INIT = 0x13;
const LISTENING = 0x14;
const SYNRECV = 0x16;
const ESTABLISHED = 0x17;
const FIN_WAIT = 0x18;
const CLOSING = 0x1a;
const TIME_WAIT = 0x1b;
const CLOSE_WAIT = 0x1c;
const LAST_ACK = 0x1d;
const UDP = 0x22;

const IR_DISCON = 0x02;
const IR_RECV = 0x04;
const IR_TIMEOUT = 0x08;
const IR_SEND_OK = 0x10;

/** TCP with ND (no delayed ACK), and UDP. */
const MODE_TCP = 0x21;
const MODE_UDP = 0x02;

type Phase = 'new' | 'bound' | 'resolving' | 'connecting' | 'connected' | 'listening' | 'accepting' | 'closed';
type Todo = 'connect' | 'listen' | 'relisten' | null;

interface Write {
  /** Stream offset just past the write's last byte. */
  end: number;
  cb: NetdevCallback;
}

interface Rec {
  fd: number;
  sock: NetdevSocket;
  phase: Phase;
  /** Hardware socket (-1: none, e.g. a starved listener or a finished connection). */
  hw: number;
  /** The hardware socket was opened for this fd (before that its registers are untouched). */
  touched: boolean;
  freed: boolean;
  todo: Todo;
  /** The connect() or listen() under way, and its callback until it is answered. */
  op: 'connect' | 'listen' | null;
  opCb: NetdevCallback | null;
  host: string;
  port: number;
  deadline: number;
  dns: { id: number; server: number[]; query: Uint8Array; sends: number; retryAt: number; busy: boolean } | null;
  /** accepting: the listener to announce the connection to. */
  listener: Rec | null;
  txq: Uint8Array[];
  txOff: number;
  /** Stream offsets: bytes queued, copied into TX, acknowledged by SEND_OK. */
  queued: number;
  taken: number;
  acked: number;
  inflight: number;
  sendDeadline: number;
  writes: Write[];
  wshut: boolean;
  finSent: boolean;
  shutCbs: NetdevCallback[];
  paused: boolean;
  readShut: boolean;
  rxCheck: boolean;
  peerFin: boolean;
  finDelivered: boolean;
  timedOut: boolean;
}

interface Phys {
  use: 'free' | 'rec' | 'closing' | 'dhcp';
  rec: Rec | null;
  /** closing: DISCON issued (or not needed); the deadline for CLOSED. */
  started: boolean;
  until: number;
  /** UDP: a SEND waits for SEND_OK until this time (0: none). */
  udpBusyUntil: number;
}

function hex2(v: number): string {
  return (v < 16 ? '0' : '') + v.toString(16);
}

function ipText(b: ArrayLike<number>): string {
  return b[0] + '.' + b[1] + '.' + b[2] + '.' + b[3];
}

function parseIp(s: string): number[] | null {
  const parts = String(s).split('.');
  if (parts.length !== 4) return null;
  const out: number[] = [];
  for (let i = 0; i < 4; i++) {
    if (!/^\d{1,3}$/.test(parts[i])) return null;
    const v = +parts[i];
    if (v > 255) return null;
    out.push(v);
  }
  return out;
}

function isZero(b: number[]): boolean {
  return b[0] === 0 && b[1] === 0 && b[2] === 0 && b[3] === 0;
}

function sameIp(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  return a[0] === b[0] && a[1] === b[1] && a[2] === b[2] && a[3] === b[3];
}

function sameSubnet(a: number[], b: number[], mask: number[]): boolean {
  for (let i = 0; i < 4; i++) if ((a[i] & mask[i]) !== (b[i] & mask[i])) return false;
  return true;
}

/** FNV-1a (32 bit) of `s`, starting from `basis`. */
function fnv(s: string, basis: number): number {
  let h = basis >>> 0;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i) & 0xff;
    h = (h + (h << 1) + (h << 4) + (h << 7) + (h << 8) + (h << 24)) >>> 0;
  }
  return h;
}

/** A stable MAC for this board: locally administered (bit 1 set), unicast (bit 0 clear). */
export function macFromUid(uid: string): number[] {
  const a = fnv(uid, 0x811c9dc5);
  const b = fnv(uid + '/w5500', 0x811c9dc5);
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

function configError(what: string): Error {
  return new Error('w5500: ' + what);
}

function ipOption(v: string | undefined, name: string, dflt: number[]): number[] {
  if (v === undefined || v === null || v === '') return dflt;
  const b = parseIp(v);
  if (!b) throw configError('config ip.' + name + " must be a dotted IPv4 address, got '" + v + "'");
  return b;
}

function intOption(v: unknown, name: string, min: number, max: number, dflt: number): number {
  if (v === undefined || v === null) return dflt;
  if (typeof v !== 'number' || v !== Math.floor(v) || v < min || v > max) {
    throw configError('config ' + name + ' must be an integer ' + min + '..' + max + ', got ' + String(v));
  }
  return v;
}

function toBytes(data: Uint8Array | string): Uint8Array {
  if (typeof data !== 'string') return data;
  const out = new Uint8Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = data.charCodeAt(i) & 0xff;
  return out;
}

export function createW5500Netdev(hw: W5500Hardware, config: W5500Config = {}): W5500Driver {
  const T: W5500Timeouts = {
    reset: DEFAULT_TIMEOUTS.reset,
    link: DEFAULT_TIMEOUTS.link,
    dhcp: DEFAULT_TIMEOUTS.dhcp,
    dns: DEFAULT_TIMEOUTS.dns,
    connect: DEFAULT_TIMEOUTS.connect,
    send: DEFAULT_TIMEOUTS.send,
    close: DEFAULT_TIMEOUTS.close,
    command: DEFAULT_TIMEOUTS.command,
  };
  const given = config.timeouts || {};
  for (const k in T) {
    const key = k as keyof W5500Timeouts;
    T[key] = intOption(given[key], 'timeouts.' + key, 1, 3600000, T[key]);
  }
  const log = config.log || ((msg: string) => console.log(msg));
  const parsedMac = config.mac === undefined ? macFromUid(String(hw.uid || '')) : parseMac(config.mac);
  if (!parsedMac) throw configError("config mac must look like 'aa:bb:cc:dd:ee:ff', got '" + config.mac + "'");
  const mac = parsedMac;
  if (mac[0] & 1) throw configError('config mac ' + config.mac + ' is a multicast address (first byte odd)');
  const ipConfig = config.ip === undefined ? 'dhcp' : config.ip;
  if (ipConfig !== 'dhcp' && (typeof ipConfig !== 'object' || !ipConfig)) {
    throw configError("config ip must be 'dhcp' or {ip, subnet, gateway, dns}");
  }
  const fixed =
    ipConfig === 'dhcp'
      ? null
      : {
          ip: ipOption(ipConfig.ip, 'ip', []),
          subnet: ipOption(ipConfig.subnet, 'subnet', [255, 255, 255, 0]),
          gateway: ipOption(ipConfig.gateway, 'gateway', [0, 0, 0, 0]),
          dns: ipOption(ipConfig.dns, 'dns', [0, 0, 0, 0]),
        };
  if (fixed && fixed.ip.length !== 4) throw configError('config ip.ip is required for a static configuration');
  const retry = config.retry || {};
  const rtr = intOption(retry.time, 'retry.time', 1, 6553, 200) * 10;
  const rcr = intOption(retry.count, 'retry.count', 0, 255, 5);
  const pollMs = intOption(config.pollMs, 'pollMs', 1, 60000, hw.watchInt ? 50 : 10);
  const spiCfg = config.spi || {};
  const wiring =
    'SPI' + (spiCfg.bus || 0) + (spiCfg.miso !== undefined ? ' MISO GP' + spiCfg.miso : '') + (spiCfg.cs !== undefined ? ' CS GP' + spiCfg.cs : '') +
    (spiCfg.sck !== undefined ? ' SCK GP' + spiCfg.sck : '') + (spiCfg.mosi !== undefined ? ' MOSI GP' + spiCfg.mosi : '') +
    (config.reset !== undefined ? ' RST GP' + config.reset : '');
  const macText = mac.map(hex2).join(':');
  const hostname = config.hostname || 'kaluma-' + hex2(mac[3]) + hex2(mac[4]) + hex2(mac[5]);
  const dhcp = fixed ? null : createDhcpClient(mac, hostname, Math.random);

  type Stage = 'reset' | 'detect' | 'link' | 'dhcp' | 'up' | 'dead';
  let stage: Stage = 'reset';
  let downErr = 0;
  let stopped = false;
  let stageDeadline = 0;
  let nextSweep = 0;
  let linkUp = false;
  let myIp = [0, 0, 0, 0];
  let mySubnet = [0, 0, 0, 0];
  let myGateway = [0, 0, 0, 0];
  let myDns = [0, 0, 0, 0];
  let dhcpHw = -1;
  let dhcpSince = 0;
  let readyCbs: ((err: number) => void)[] = [];
  const recs: { [fd: number]: Rec } = {};
  let nextFd = 0;
  let nextPort = 0xc000 + Math.floor(Math.random() * 0x3fff);
  const phys: Phys[] = [];
  for (let i = 0; i < SOCKETS; i++) phys.push({ use: 'free', rec: null, started: false, until: 0, udpBusyUntil: 0 });
  let rotate = 0;
  let timer = -1;
  let timerAt = 0;
  let inTick = false;
  let nextDelay = 0;
  let events: (() => void)[] = [];
  const pending: number[] = [];
  let unwatch: (() => void) | null = null;
  /** No poll timer and no INT watch until the program opens a socket again. */
  let dormant = false;

  const netdev: W5500Netdev = {
    errno: 0,
    errmsg: '',
    mac: macText,
    ip: '0.0.0.0',
    socket,
    get,
    connect,
    write,
    close,
    shutdown,
    bind,
    listen,
    pause,
  };

  // ---- callbacks -------------------------------------------------------------------------------

  function later(fn: () => void): void {
    const id = hw.setTimeout(() => {
      const i = pending.indexOf(id);
      if (i >= 0) pending.splice(i, 1);
      if (!stopped) fn();
    }, 0);
    pending.push(id);
  }

  /** Runs `fn` after the current poll pass (its SPI work done), or from a timer outside one. */
  function emit(fn: () => void): void {
    if (inTick) events.push(fn);
    else later(fn);
  }

  /** Calls a consumer callback; its exception is rethrown from a timer instead of unwinding the driver. */
  function safe<A extends unknown[]>(fn: ((...a: A) => void) | null | undefined, ...args: A): void {
    if (typeof fn !== 'function') return;
    try {
      fn(...args);
    } catch (e) {
      hw.setTimeout(() => {
        throw e;
      }, 0);
    }
  }

  function setError(err: number, msg: string): void {
    netdev.errno = err;
    netdev.errmsg = msg;
  }

  function report(cb: NetdevCallback | null | undefined, err: number, msg?: string): void {
    if (err) setError(err, msg || '');
    safe(cb, err);
  }

  function fail(cb: NetdevCallback, err: number, msg: string): void {
    later(() => report(cb, err, msg));
  }

  // ---- SPI frames (shared/docs/w5500.md §2) -----------------------------------------------------

  function xfer(tx: Uint8Array): Uint8Array {
    hw.cs(0);
    let rx: Uint8Array;
    try {
      rx = hw.transfer(tx);
    } finally {
      hw.cs(1);
    }
    if (!rx || rx.length !== tx.length) throw new Error('SPI transfer returned ' + (rx ? rx.length : 0) + ' bytes for ' + tx.length);
    return rx;
  }

  function frame(bsb: number, addr: number, write: boolean, length: number): Uint8Array {
    const tx = new Uint8Array(3 + length);
    tx[0] = (addr >> 8) & 0xff;
    tx[1] = addr & 0xff;
    tx[2] = (bsb << 3) | (write ? 0x04 : 0);
    return tx;
  }

  function readSpi(bsb: number, addr: number, length: number): Uint8Array {
    return xfer(frame(bsb, addr, false, length)).slice(3);
  }

  function writeSpi(bsb: number, addr: number, data: ArrayLike<number>): void {
    const tx = frame(bsb, addr, true, data.length);
    tx.set(data, 3);
    xfer(tx);
  }

  function r8(bsb: number, addr: number): number {
    return readSpi(bsb, addr, 1)[0];
  }

  function w8(bsb: number, addr: number, v: number): void {
    writeSpi(bsb, addr, [v]);
  }

  function r16(bsb: number, addr: number): number {
    const b = readSpi(bsb, addr, 2);
    return (b[0] << 8) | b[1];
  }

  function w16(bsb: number, addr: number, v: number): void {
    writeSpi(bsb, addr, [(v >> 8) & 0xff, v & 0xff]);
  }

  const sreg = (n: number) => 1 + 4 * n;
  const txBuf = (n: number) => 2 + 4 * n;
  const rxBuf = (n: number) => 3 + 4 * n;

  /** TX_FSR / RX_RSR change under our feet: read until two reads agree (§8). */
  function stable16(n: number, addr: number): number {
    let v = r16(sreg(n), addr);
    for (let i = 0; i < 8; i++) {
      const again = r16(sreg(n), addr);
      if (again === v) return v;
      v = again;
    }
    return v;
  }

  /** Writes Sn_CR and waits until the chip took the command (§5); a chip that never does is lost. */
  function command(n: number, cmd: number): void {
    w8(sreg(n), Sn_CR, cmd);
    const t0 = hw.millis();
    for (let i = 0; ; i++) {
      if (r8(sreg(n), Sn_CR) === 0) return;
      if (i >= 3 && hw.millis() - t0 > T.command) throw new Error('socket ' + n + ' did not take command 0x' + hex2(cmd) + ' within ' + T.command + ' ms');
    }
  }

  function waitStatus(n: number, want: number): boolean {
    const t0 = hw.millis();
    for (let i = 0; ; i++) {
      const sr = r8(sreg(n), Sn_SR);
      if (sr === want) return true;
      if (i >= 3 && hw.millis() - t0 > T.command) return false;
    }
  }

  function hardClose(n: number): void {
    command(n, CLOSE);
    waitStatus(n, CLOSED);
    w8(sreg(n), Sn_IR, 0xff);
  }

  /** CLOSE if needed, then OPEN in `mode` on `port` (§10 "Open a TCP socket"). */
  function openSocket(n: number, mode: number, port: number): boolean {
    const b = sreg(n);
    if (r8(b, Sn_SR) !== CLOSED) hardClose(n);
    w8(b, Sn_MR, mode);
    w16(b, Sn_PORT, port);
    w8(b, Sn_IR, 0xff);
    command(n, OPEN);
    return waitStatus(n, mode === MODE_UDP ? UDP : INIT);
  }

  function udpSend(n: number, to: number[], port: number, data: Uint8Array, now: number): boolean {
    const p = phys[n];
    if (p.udpBusyUntil && now < p.udpBusyUntil) return false;
    const b = sreg(n);
    writeSpi(b, Sn_DIPR, [to[0], to[1], to[2], to[3], (port >> 8) & 0xff, port & 0xff]);
    if (stable16(n, Sn_TX_FSR) < data.length) return false;
    const wr = r16(b, Sn_TX_WR);
    writeSpi(txBuf(n), wr, data);
    w16(b, Sn_TX_WR, (wr + data.length) & 0xffff);
    command(n, SEND);
    p.udpBusyUntil = now + UDP_BUSY_MS;
    return true;
  }

  /** One datagram out of RX (8-byte header: peer IP, port, length — §7), or null. */
  function udpReceive(n: number): { ip: number[]; port: number; data: Uint8Array } | null {
    const b = sreg(n);
    const rsr = stable16(n, Sn_RX_RSR);
    if (rsr < 8) return null;
    const rd = r16(b, Sn_RX_RD);
    const h = readSpi(rxBuf(n), rd, 8);
    const length = (h[6] << 8) | h[7];
    const whole = rsr <= BUF && 8 + length <= rsr;
    const data = whole ? readSpi(rxBuf(n), (rd + 8) & 0xffff, length) : null;
    // A header that does not fit what arrived means garbage: drop everything received.
    w16(b, Sn_RX_RD, (rd + (whole ? 8 + length : rsr)) & 0xffff);
    command(n, RECV);
    return data ? { ip: [h[0], h[1], h[2], h[3]], port: (h[4] << 8) | h[5], data } : null;
  }

  // ---- hardware sockets ----------------------------------------------------------------------

  function freeSocket(): number {
    for (let n = 0; n < SOCKETS; n++) if (phys[n].use === 'free') return n;
    return -1;
  }

  /** A hardware socket is free again: a starved listener takes it first. */
  function release(n: number): void {
    const p = phys[n];
    p.use = 'free';
    p.rec = null;
    p.udpBusyUntil = 0;
    for (const fd in recs) {
      const r = recs[fd];
      if (r.phase === 'listening' && r.hw < 0) {
        r.hw = n;
        r.todo = 'relisten';
        p.use = 'rec';
        p.rec = r;
        soon(0);
        return;
      }
    }
  }

  function usage(): string {
    let conns = 0;
    let listening = 0;
    let closing = 0;
    for (let n = 0; n < SOCKETS; n++) {
      const p = phys[n];
      if (p.use === 'closing') closing++;
      else if (p.rec && p.rec.phase === 'listening') listening++;
      else if (p.use !== 'free') conns++;
    }
    return conns + ' open, ' + listening + ' listening, ' + closing + ' closing';
  }

  function portTaken(port: number): boolean {
    for (const fd in recs) if (recs[fd].sock.lport === port) return true;
    return false;
  }

  function ephemeralPort(): number {
    for (let i = 0; i < 0x4000; i++) {
      nextPort = nextPort >= 0xffff ? 0xc000 : nextPort + 1;
      if (!portTaken(nextPort)) break;
    }
    return nextPort;
  }

  // ---- scheduling ----------------------------------------------------------------------------

  function soon(ms: number): void {
    if (inTick) {
      if (ms < nextDelay) nextDelay = ms;
    } else schedule(ms);
  }

  function schedule(ms: number): void {
    if (stopped || stage === 'dead') return;
    if (dormant) {
      dormant = false;
      if (hw.watchInt) unwatch = hw.watchInt(() => schedule(0));
    }
    const at = hw.millis() + ms;
    if (timer >= 0) {
      if (timerAt <= at) return;
      hw.clearTimeout(timer);
    }
    timerAt = at;
    timer = hw.setTimeout(tick, ms);
  }

  function tick(): void {
    timer = -1;
    if (stopped || stage === 'dead') return;
    inTick = true;
    nextDelay = pollMs;
    const now = hw.millis();
    try {
      step(now);
    } catch (e) {
      chipLost('SPI failure: ' + ((e as Error) && (e as Error).message ? (e as Error).message : String(e)));
    }
    inTick = false;
    const list = events;
    events = [];
    for (let i = 0; i < list.length; i++) list[i]();
    if (idle()) {
      dormant = true;
      if (unwatch) unwatch();
      unwatch = null;
    } else schedule(nextDelay);
  }

  /** Up and holding nothing (no fd, no closing socket, no DHCP exchange): stop polling. */
  function idle(): boolean {
    if (stage !== 'up' || dhcpHw >= 0 || timer >= 0) return false;
    if (Object.keys(recs).length) return false;
    for (let n = 0; n < SOCKETS; n++) if (phys[n].use !== 'free') return false;
    return true;
  }

  function step(now: number): void {
    if (stage === 'reset') return resetChip(now);
    if (stage === 'detect') return detect(now);
    if (stage === 'link') return waitLink(now);
    if (now >= nextSweep) {
      nextSweep = now + SWEEP_MS;
      const v = r8(0, VERSIONR);
      if (v !== 0x04) return chipLost('the W5500 stopped answering (VERSIONR reads 0x' + hex2(v) + ', expected 0x04)');
      linkUp = (r8(0, PHYCFGR) & 0x01) !== 0;
    }
    serveDhcp(now);
    if (stage === 'up') runTodos(now);
    else if (downErr) failTodos(downErr, netdev.errmsg);
    let budget = TICK_BYTES;
    for (let k = 0; k < SOCKETS; k++) {
      if (stage === 'dead') return;
      const n = (rotate + k) % SOCKETS;
      budget -= pollSocket(n, now, budget);
    }
    rotate = (rotate + 1) % SOCKETS;
    if (hw.intLevel && hw.intLevel() === 0) clearStrayInterrupts();
  }

  /** INTn stays low while any socket has pending bits: clear those of sockets nobody polls. */
  function clearStrayInterrupts(): void {
    const sir = r8(0, SIR);
    for (let n = 0; n < SOCKETS; n++) {
      if (!(sir & (1 << n))) continue;
      const p = phys[n];
      if (p.use === 'free' || (p.use === 'rec' && p.rec && !p.rec.touched)) w8(sreg(n), Sn_IR, 0xff);
      else soon(0);
    }
  }

  // ---- bring-up ------------------------------------------------------------------------------

  function resetChip(now: number): void {
    hw.cs(1);
    if (hw.rst) {
      hw.rst(0);
      hw.delayUs(RESET_PULSE_US);
      hw.rst(1);
    } else w8(0, MR, 0x80);
    stage = 'detect';
    stageDeadline = now + T.reset;
    soon(DETECT_POLL_MS);
  }

  function detect(now: number): void {
    const v = r8(0, VERSIONR);
    if (v !== 0x04 || r8(0, MR) & 0x80) {
      if (now < stageDeadline) return soon(DETECT_POLL_MS);
      return chipLost('W5500 not found on ' + wiring + ': VERSIONR reads 0x' + hex2(v) + ' (expected 0x04); check power, wiring and the target');
    }
    writeSpi(0, SHAR, mac);
    w16(0, RTR, rtr);
    w8(0, RCR, rcr);
    w8(0, SIMR, hw.watchInt ? 0xff : 0);
    const shar = readSpi(0, SHAR, 6);
    let kept = r16(0, RTR) === rtr;
    for (let i = 0; i < 6; i++) if (shar[i] !== mac[i]) kept = false;
    if (!kept) {
      return chipLost('the W5500 on ' + wiring + ' reads 0x04 but does not keep register writes (check MOSI and the SPI mode)');
    }
    stage = 'link';
    stageDeadline = now + T.link;
    waitLink(now);
  }

  function waitLink(now: number): void {
    if (r8(0, PHYCFGR) & 0x01) {
      linkUp = true;
      nextSweep = now + SWEEP_MS;
      if (fixed) {
        setAddress(fixed.ip, fixed.subnet, fixed.gateway, fixed.dns);
        return goUp();
      }
      stage = 'dhcp';
      dhcpSince = now;
      downErr = 0;
      return serveDhcp(now);
    }
    if (!downErr && now >= stageDeadline) {
      goDown(ERRNO.ENETDOWN, 'no Ethernet link after ' + T.link / 1000 + ' s (PHYCFGR.LNK = 0): check the cable; still watching');
    }
    soon(downErr ? LINK_RETRY_MS : LINK_POLL_MS);
  }

  function setAddress(ip: number[], subnet: number[], gateway: number[], dns: number[]): void {
    writeSpi(0, GAR, gateway.concat(subnet));
    writeSpi(0, SIPR, ip);
    myIp = ip;
    mySubnet = subnet;
    myGateway = gateway;
    myDns = dns;
    netdev.ip = ipText(ip);
  }

  function settle(err: number): void {
    const cbs = readyCbs;
    readyCbs = [];
    for (let i = 0; i < cbs.length; i++) {
      const cb = cbs[i];
      emit(() => cb(err));
    }
  }

  function goUp(): void {
    stage = 'up';
    downErr = 0;
    settle(0);
    soon(0);
  }

  function goDown(err: number, msg: string): void {
    downErr = err;
    setError(err, msg);
    log('W5500: ' + msg);
    failTodos(err, msg);
    settle(err);
  }

  function failTodos(err: number, msg: string): void {
    for (const fd in recs) {
      const r = recs[fd];
      if (r.todo === 'connect' || r.todo === 'listen') {
        r.todo = null;
        finishOp(r, err, msg);
      }
    }
  }

  /** The chip is gone for good: every operation fails with EIO from now on. */
  function chipLost(msg: string): void {
    if (stage === 'dead') return;
    stage = 'dead';
    downErr = ERRNO.EIO;
    setError(ERRNO.EIO, msg);
    log('W5500: ' + msg);
    if (unwatch) unwatch();
    unwatch = null;
    for (const fd in recs) {
      const r = recs[fd];
      r.todo = null;
      if (r.opCb) finishOp(r, ERRNO.EIO, msg);
      else if (r.phase === 'connected') lose(r, ERRNO.EIO, msg);
      r.hw = -1;
    }
    settle(ERRNO.EIO);
  }

  // ---- DHCP ----------------------------------------------------------------------------------

  function serveDhcp(now: number): void {
    if (!dhcp || (stage !== 'dhcp' && stage !== 'up')) return;
    if (dhcpHw < 0) {
      if (!dhcp.active(now)) return;
      const n = freeSocket();
      if (n < 0) return; // all sockets busy: renewal waits for one (the lease runs until T2/end)
      phys[n].use = 'dhcp';
      dhcpHw = n;
      if (!openSocket(n, MODE_UDP, DHCP_CLIENT_PORT)) return dhcpDone();
    }
    const n = dhcpHw;
    const st = readSpi(sreg(n), Sn_IR, 2);
    if (st[0]) w8(sreg(n), Sn_IR, st[0]);
    if (st[0] & (IR_SEND_OK | IR_TIMEOUT)) phys[n].udpBusyUntil = 0;
    if (st[1] !== UDP) return dhcpDone();
    for (let i = 0; i < 4; i++) {
      const d = udpReceive(n);
      if (!d) break;
      if (d.port === DHCP_SERVER_PORT) dhcpStep(dhcp.receive(d.data, now), now);
    }
    dhcpStep(dhcp.poll(now), now);
    if (stage === 'dhcp' && !downErr && now - dhcpSince >= T.dhcp) {
      goDown(ERRNO.ETIMEDOUT, 'no DHCP lease after ' + T.dhcp / 1000 + ' s (no answer to DHCPDISCOVER); still trying');
    }
    if (!dhcp.active(now)) dhcpDone();
    else soon(DHCP_POLL_MS);
  }

  function dhcpDone(): void {
    const n = dhcpHw;
    dhcpHw = -1;
    hardClose(n);
    release(n);
  }

  function dhcpStep(s: DhcpStep, now: number): void {
    if (s.send) udpSend(dhcpHw, s.send.to, DHCP_SERVER_PORT, s.send.data, now);
    if (!dhcp) return;
    const lease = dhcp.lease;
    if ((s.event === 'bound' || s.event === 'renewed') && lease) {
      setAddress(lease.ip, lease.subnet, lease.router, lease.dns);
      if (stage === 'dhcp') goUp();
    } else if (s.event === 'lost') {
      writeSpi(0, SIPR, [0, 0, 0, 0]);
      myIp = [0, 0, 0, 0];
      netdev.ip = '0.0.0.0';
      stage = 'dhcp';
      dhcpSince = now;
    }
  }

  // ---- fds -----------------------------------------------------------------------------------

  function newRec(n: number, phase: Phase): Rec {
    const fd = nextFd++;
    const rec: Rec = {
      fd,
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
      sendDeadline: 0,
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

  function recOf(fd: number): Rec | null {
    const r = recs[fd];
    return r && !r.freed ? r : null;
  }

  /** Gives up the fd's hardware socket (already CLOSED or never opened). */
  function dropHw(rec: Rec): void {
    const n = rec.hw;
    rec.hw = -1;
    if (n >= 0 && phys[n].rec === rec) release(n);
  }

  /** Answers connect()/listen(); a failed connect leaves the fd closed, a failed listen bound. */
  function finishOp(rec: Rec, err: number, msg: string): void {
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

  function failWrites(rec: Rec, err: number): void {
    const ws = rec.writes;
    const sc = rec.shutCbs;
    rec.writes = [];
    rec.shutCbs = [];
    rec.txq = [];
    for (let i = 0; i < ws.length; i++) {
      const cb = ws[i].cb;
      emit(() => report(cb, err));
    }
    for (let i = 0; i < sc.length; i++) {
      const cb = sc[i];
      emit(() => report(cb, err));
    }
  }

  function runTodos(now: number): void {
    for (const fd in recs) {
      const r = recs[fd];
      const todo = r.todo;
      if (!todo || r.freed) continue;
      r.todo = null;
      if (todo === 'connect') startConnect(r, now);
      else startListen(r, todo === 'listen');
    }
  }

  function startConnect(rec: Rec, now: number): void {
    const ip = parseIp(rec.host);
    if (ip) return startTcp(rec, ip, now);
    if (isZero(myDns)) return finishOp(rec, ERRNO.ENOTFOUND, 'cannot resolve ' + rec.host + ': no DNS server configured');
    const id = Math.floor(Math.random() * 0x10000);
    const query = dnsQuery(id, rec.host);
    if (!query) return finishOp(rec, ERRNO.ENOTFOUND, "'" + rec.host + "' is not a valid host name");
    const n = rec.hw;
    rec.touched = true;
    if (!openSocket(n, MODE_UDP, ephemeralPort())) return finishOp(rec, ERRNO.EIO, 'socket ' + n + ' did not open for UDP');
    rec.phase = 'resolving';
    rec.deadline = now + T.dns;
    rec.dns = { id, server: myDns, query, sends: 0, retryAt: 0, busy: false };
    dnsSend(rec, now);
  }

  function dnsSend(rec: Rec, now: number): void {
    const d = rec.dns;
    if (!d) return;
    if (udpSend(rec.hw, d.server, DNS_PORT, d.query, now)) d.sends++;
    d.retryAt = now + Math.floor(T.dns / DNS_TRIES);
    soon(0);
  }

  function pollDns(rec: Rec, n: number, ir: number, now: number): void {
    const d = rec.dns as NonNullable<Rec['dns']>;
    if (ir & (IR_SEND_OK | IR_TIMEOUT)) phys[n].udpBusyUntil = 0;
    if (ir & IR_TIMEOUT) return finishOp(rec, ERRNO.ENOTFOUND, 'cannot resolve ' + rec.host + ': DNS server ' + ipText(d.server) + ' unreachable (ARP timeout)');
    for (let i = 0; i < 4; i++) {
      const dg = udpReceive(n);
      if (!dg) break;
      if (dg.port !== DNS_PORT || !sameIp(dg.ip, d.server)) continue;
      const res = parseDnsReply(dg.data, d.id);
      if (!res) continue;
      if (!res.ip) {
        const why = res.rcode === 3 ? 'no such name (NXDOMAIN)' : res.rcode ? 'DNS error ' + res.rcode : 'no A record';
        return finishOp(rec, ERRNO.ENOTFOUND, 'cannot resolve ' + rec.host + ': ' + why);
      }
      rec.dns = null;
      hardClose(n);
      return startTcp(rec, res.ip, now);
    }
    if (now >= rec.deadline) {
      return finishOp(rec, ERRNO.ENOTFOUND, 'cannot resolve ' + rec.host + ': no answer from DNS server ' + ipText(d.server));
    }
    if (now >= d.retryAt && d.sends < DNS_TRIES) dnsSend(rec, now);
    soon(0);
  }

  function startTcp(rec: Rec, ip: number[], now: number): void {
    const target = ipText(ip) + ':' + rec.port;
    if (isZero(ip) || (ip[0] === 255 && ip[1] === 255 && ip[2] === 255 && ip[3] === 255)) {
      return finishOp(rec, ERRNO.EADDRNOTAVAIL, 'cannot connect to ' + target);
    }
    if (!linkUp) return finishOp(rec, ERRNO.ENETDOWN, 'cannot connect to ' + target + ': no Ethernet link');
    if (!sameSubnet(ip, myIp, mySubnet) && isZero(myGateway)) {
      return finishOp(rec, ERRNO.ENETUNREACH, 'cannot connect to ' + target + ': not on the local subnet and no gateway');
    }
    const n = rec.hw;
    const lport = rec.sock.lport || ephemeralPort();
    rec.touched = true;
    if (!openSocket(n, MODE_TCP, lport)) return finishOp(rec, ERRNO.EIO, 'socket ' + n + ' did not open for TCP');
    writeSpi(sreg(n), Sn_DIPR, [ip[0], ip[1], ip[2], ip[3], (rec.port >> 8) & 0xff, rec.port & 0xff]);
    command(n, CONNECT);
    rec.phase = 'connecting';
    rec.sock.lport = lport;
    rec.sock.laddr = netdev.ip;
    rec.sock.raddr = ipText(ip);
    rec.sock.rport = rec.port;
    rec.deadline = now + T.connect;
    soon(0);
  }

  function connected(rec: Rec, sr: number): void {
    rec.phase = 'connected';
    rec.sock.state = SockState.Connected;
    rec.sock.laddr = netdev.ip;
    rec.rxCheck = true;
    if (sr === CLOSE_WAIT) rec.peerFin = true;
  }

  function pollConnecting(rec: Rec, ir: number, sr: number, now: number): void {
    const target = rec.sock.raddr + ':' + rec.sock.rport;
    if (sr === ESTABLISHED || sr === CLOSE_WAIT) {
      connected(rec, sr);
      finishOp(rec, 0, '');
      emit(() => {
        if (!rec.freed) safe(rec.sock.connect_cb);
      });
      return;
    }
    if (ir & IR_TIMEOUT) return finishOp(rec, ERRNO.ETIMEDOUT, 'connect to ' + target + ' timed out (no answer)');
    if (sr === CLOSED) return finishOp(rec, ERRNO.ECONNREFUSED, 'connection to ' + target + ' refused');
    if (now >= rec.deadline) return finishOp(rec, ERRNO.ETIMEDOUT, 'connect to ' + target + ' timed out after ' + T.connect / 1000 + ' s');
    soon(0);
  }

  function startListen(rec: Rec, answer: boolean): void {
    const n = rec.hw;
    const addr = rec.sock.laddr;
    if (answer && addr !== '0.0.0.0' && addr !== netdev.ip) {
      return finishOp(rec, ERRNO.EADDRNOTAVAIL, 'address ' + addr + ' is not this board (' + netdev.ip + ')');
    }
    rec.touched = true;
    if (openSocket(n, MODE_TCP, rec.sock.lport)) {
      command(n, LISTEN);
      if (waitStatus(n, LISTENING)) {
        rec.phase = 'listening';
        rec.sock.state = SockState.Listening;
        if (answer) finishOp(rec, 0, '');
        return;
      }
    }
    hardClose(n);
    if (answer) finishOp(rec, ERRNO.EIO, 'socket ' + n + ' did not enter LISTEN on port ' + rec.sock.lport);
    else rec.todo = 'relisten';
  }

  function pollListening(rec: Rec, n: number, ir: number, sr: number, now: number): void {
    if (sr === LISTENING) return;
    if (sr !== SYNRECV && sr !== ESTABLISHED && sr !== CLOSE_WAIT) return startListen(rec, false);
    // The listening socket is becoming the connection: listen again on another socket right away.
    const a = newRec(n, 'accepting');
    a.touched = true;
    a.listener = rec;
    a.sock.lport = rec.sock.lport;
    a.deadline = now + T.connect;
    const m = freeSocket();
    if (m >= 0) {
      rec.hw = m;
      phys[m].use = 'rec';
      phys[m].rec = rec;
      startListen(rec, false);
    } else {
      rec.hw = -1;
      setError(
        ERRNO.EMFILE,
        'all ' + SOCKETS + ' W5500 sockets are in use: the server on port ' + rec.sock.lport + ' refuses new clients until one is closed',
      );
    }
    pollAccepting(a, n, ir, sr, now);
  }

  function pollAccepting(a: Rec, n: number, _ir: number, sr: number, now: number): void {
    const listener = a.listener as Rec;
    if (sr === ESTABLISHED || sr === CLOSE_WAIT) {
      const peer = readSpi(sreg(n), Sn_DIPR, 6);
      a.sock.raddr = ipText(peer);
      a.sock.rport = (peer[4] << 8) | peer[5];
      a.listener = null;
      connected(a, sr);
      if (listener.freed) return abandon(a);
      emit(() => {
        if (!listener.freed && typeof listener.sock.accept_cb === 'function') safe(listener.sock.accept_cb, a.fd);
        else if (!a.freed) abandon(a);
      });
      return;
    }
    if (sr === SYNRECV && now < a.deadline) return soon(0);
    // The handshake failed (timeout, reset): the connection never existed for the program.
    if (sr !== CLOSED) hardClose(n);
    delete recs[a.fd];
    a.freed = true;
    dropHw(a);
  }

  /** Closes a connection nobody will ever see (its listener was closed meanwhile). */
  function abandon(a: Rec): void {
    delete recs[a.fd];
    a.freed = true;
    closeHw(a);
  }

  /** Hands the fd's hardware socket over to the background close. */
  function closeHw(rec: Rec): void {
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
    if (sr === CLOSED) return release(n);
    if (!p.started) {
      p.started = true;
      if (sr === ESTABLISHED || sr === CLOSE_WAIT) command(n, DISCON);
      else if (sr !== FIN_WAIT && sr !== CLOSING && sr !== TIME_WAIT && sr !== LAST_ACK) {
        hardClose(n);
        return release(n);
      }
    } else if (ir & IR_TIMEOUT || now >= p.until) {
      hardClose(n);
      return release(n);
    }
    soon(CLOSE_POLL_MS);
  }

  // ---- data ----------------------------------------------------------------------------------

  /** Moves up to `budget` received bytes to read_cb; returns the bytes moved. */
  function readRx(rec: Rec, n: number, budget: number): number {
    const b = sreg(n);
    const rsr = stable16(n, Sn_RX_RSR);
    if (rsr > BUF) {
      lose(rec, ERRNO.EIO, 'socket ' + n + ' reports ' + rsr + ' bytes received in a ' + BUF + '-byte buffer (SPI errors?)');
      return 0;
    }
    const len = Math.min(rsr, budget);
    rec.rxCheck = rsr > len;
    if (len <= 0) return 0;
    const rd = r16(b, Sn_RX_RD);
    const data = readSpi(rxBuf(n), rd, len);
    w16(b, Sn_RX_RD, (rd + len) & 0xffff);
    command(n, RECV);
    if (!rec.readShut) {
      emit(() => {
        if (!rec.freed) safe(rec.sock.read_cb, data);
      });
    }
    return len;
  }

  /** Copies queued bytes into TX (as many as TX_FSR allows) and SENDs them. */
  function fillTx(rec: Rec, n: number, budget: number, now: number): number {
    const b = sreg(n);
    const fsr = stable16(n, Sn_TX_FSR);
    if (fsr > BUF) {
      lose(rec, ERRNO.EIO, 'socket ' + n + ' reports ' + fsr + ' bytes free in a ' + BUF + '-byte buffer (SPI errors?)');
      return 0;
    }
    const len = Math.min(fsr, rec.queued - rec.taken, budget);
    if (len <= 0) return 0;
    const wr = r16(b, Sn_TX_WR);
    const tx = frame(txBuf(n), wr, true, len);
    let filled = 0;
    while (filled < len) {
      const chunk = rec.txq[0];
      const k = Math.min(chunk.length - rec.txOff, len - filled);
      tx.set(chunk.subarray(rec.txOff, rec.txOff + k), 3 + filled);
      filled += k;
      rec.txOff += k;
      if (rec.txOff === chunk.length) {
        rec.txq.shift();
        rec.txOff = 0;
      }
    }
    xfer(tx);
    w16(b, Sn_TX_WR, (wr + len) & 0xffff);
    command(n, SEND);
    rec.taken += len;
    rec.inflight = len;
    rec.sendDeadline = now + T.send;
    return len;
  }

  function completeWrites(rec: Rec): void {
    while (rec.writes.length && rec.writes[0].end <= rec.acked) {
      const cb = (rec.writes.shift() as Write).cb;
      emit(() => report(cb, 0));
    }
  }

  /** The connection failed: error_cb(err), then close_cb. */
  function lose(rec: Rec, err: number, msg: string): void {
    if (rec.phase !== 'connected') return;
    rec.phase = 'closed';
    rec.sock.state = SockState.Closed;
    failWrites(rec, err);
    if (rec.hw >= 0 && stage !== 'dead') {
      hardClose(rec.hw);
      dropHw(rec);
    }
    emit(() => {
      if (rec.freed) return;
      setError(err, msg);
      safe(rec.sock.error_cb, err);
      safe(rec.sock.close_cb);
    });
  }

  /** Both sides finished: the rest of RX, shutdown_cb (if not yet), close_cb. */
  function finish(rec: Rec): void {
    rec.phase = 'closed';
    rec.sock.state = SockState.Closed;
    dropHw(rec);
    const fin = !rec.finDelivered;
    rec.finDelivered = true;
    emit(() => {
      if (rec.freed) return;
      if (fin) safe(rec.sock.shutdown_cb);
      safe(rec.sock.close_cb);
    });
  }

  function pollConnected(rec: Rec, n: number, ir: number, sr: number, now: number, budget: number): number {
    if (ir & IR_DISCON || sr === CLOSE_WAIT || sr === TIME_WAIT || sr === LAST_ACK || sr === CLOSING) rec.peerFin = true;
    if (ir & IR_RECV) rec.rxCheck = true;
    if (ir & IR_TIMEOUT) rec.timedOut = true;
    if (rec.inflight > 0 && ir & IR_SEND_OK) {
      rec.acked += rec.inflight;
      rec.inflight = 0;
    }
    completeWrites(rec);
    const peer = rec.sock.raddr + ':' + rec.sock.rport;
    if (rec.inflight > 0 && !rec.timedOut && sr !== CLOSED && now >= rec.sendDeadline) {
      lose(rec, ERRNO.ETIMEDOUT, 'send to ' + peer + ' not acknowledged within ' + T.send / 1000 + ' s');
      return 0;
    }
    if (sr === CLOSED) {
      if (rec.timedOut) {
        lose(rec, ERRNO.ETIMEDOUT, 'connection to ' + peer + ' timed out (data not acknowledged)');
        return 0;
      }
      if (!(rec.peerFin && rec.finSent)) {
        const v = r8(0, VERSIONR);
        if (v !== 0x04) {
          chipLost('the W5500 stopped answering (VERSIONR reads 0x' + hex2(v) + ', expected 0x04)');
          return 0;
        }
        lose(rec, ERRNO.ECONNRESET, 'connection to ' + peer + ' reset by peer');
        return 0;
      }
    }
    let used = 0;
    if (!rec.paused && (rec.rxCheck || (rec.peerFin && !rec.finDelivered) || sr === CLOSED)) used = readRx(rec, n, budget);
    if (rec.phase !== 'connected') return used;
    if (rec.rxCheck && !rec.paused) soon(0);
    if (sr === CLOSED) {
      if (!rec.paused && !rec.rxCheck) finish(rec);
      return used;
    }
    if (rec.peerFin && !rec.finDelivered && !rec.rxCheck && !rec.paused) {
      rec.finDelivered = true;
      emit(() => {
        if (!rec.freed) safe(rec.sock.shutdown_cb);
      });
    }
    let stalled = false;
    if (rec.inflight === 0 && (sr === ESTABLISHED || sr === CLOSE_WAIT)) {
      if (rec.taken < rec.queued) {
        const sent = fillTx(rec, n, budget - used, now);
        stalled = sent === 0 && budget - used > 0;
        used += sent;
      } else if (rec.wshut && !rec.finSent) {
        command(n, DISCON);
        rec.finSent = true;
        const cbs = rec.shutCbs;
        rec.shutCbs = [];
        for (let i = 0; i < cbs.length; i++) {
          const cb = cbs[i];
          emit(() => report(cb, 0));
        }
      }
    }
    // TX_FSR at 0 (the peer's window is shut) frees up only as the peer reads: poll gently.
    if (stalled) soon(FSR_POLL_MS);
    else if (rec.inflight > 0 || rec.taken < rec.queued || rec.writes.length || rec.shutCbs.length) soon(0);
    return used;
  }

  /** Polls hardware socket `n` once; returns the data bytes it moved. */
  function pollSocket(n: number, now: number, budget: number): number {
    const p = phys[n];
    if (p.use === 'free' || p.use === 'dhcp') return 0;
    const rec = p.rec;
    if (p.use === 'rec' && (!rec || !rec.touched)) return 0;
    const st = readSpi(sreg(n), Sn_IR, 2);
    const ir = st[0] & 0x1f;
    const sr = st[1];
    if (ir) w8(sreg(n), Sn_IR, ir);
    if (p.use === 'closing' || !rec) {
      pollClosing(n, ir, sr, now);
      return 0;
    }
    switch (rec.phase) {
      case 'resolving':
        pollDns(rec, n, ir, now);
        return 0;
      case 'connecting':
        pollConnecting(rec, ir, sr, now);
        return 0;
      case 'listening':
        pollListening(rec, n, ir, sr, now);
        return 0;
      case 'accepting':
        pollAccepting(rec, n, ir, sr, now);
        return 0;
      case 'connected':
        return pollConnected(rec, n, ir, sr, now, Math.max(budget, 0));
    }
    return 0;
  }

  // ---- the netdev contract -------------------------------------------------------------------

  function socket(_domain: string, ptcl: Ptcl): number {
    if (ptcl !== 'STREAM') {
      setError(EPROTONOSUPPORT, 'the W5500 driver offers TCP (STREAM) sockets only');
      return -1;
    }
    if (stage === 'dead') {
      setError(ERRNO.EIO, netdev.errmsg);
      return -1;
    }
    const n = freeSocket();
    if (n < 0) {
      setError(ERRNO.EMFILE, 'all ' + SOCKETS + ' W5500 sockets are in use (' + usage() + ')');
      return -1;
    }
    const fd = newRec(n, 'new').fd;
    schedule(pollMs);
    return fd;
  }

  function get(fd: number): NetdevSocket | null {
    const r = recOf(fd);
    return r ? r.sock : null;
  }

  /** connect/listen wait for the network; while it is down they fail with its error. */
  function whenUp(rec: Rec, op: 'connect' | 'listen', cb: NetdevCallback): void {
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

  function connect(fd: number, host: string, port: number, cb: NetdevCallback): void {
    const rec = recOf(fd);
    if (!rec) return fail(cb, ERRNO.EBADF, 'no socket ' + fd);
    if (rec.phase === 'connected') return fail(cb, ERRNO.EISCONN, 'already connected');
    if (rec.op) return fail(cb, ERRNO.EALREADY, 'socket ' + fd + ' is busy connecting or listening');
    if (rec.phase !== 'new' && rec.phase !== 'bound') return fail(cb, ERRNO.EINVAL, 'socket ' + fd + ' cannot connect now');
    if (!(port > 0 && port < 65536 && port === Math.floor(port))) return fail(cb, ERRNO.EINVAL, 'bad port ' + port);
    rec.host = String(host);
    rec.port = port;
    whenUp(rec, 'connect', cb);
  }

  function write(fd: number, data: Uint8Array | string, cb: NetdevCallback): void {
    const rec = recOf(fd);
    if (!rec) return fail(cb, ERRNO.EBADF, 'no socket ' + fd);
    if (rec.wshut || rec.phase === 'closed') return fail(cb, ERRNO.EPIPE, 'the socket was ended');
    const pendingConnect = rec.todo === 'connect' || rec.phase === 'resolving' || rec.phase === 'connecting';
    if (rec.phase !== 'connected' && !pendingConnect) return fail(cb, ERRNO.ENOTCONN, 'not connected');
    const bytes = toBytes(data);
    if (bytes.length) {
      rec.txq.push(bytes);
      rec.queued += bytes.length;
    }
    rec.writes.push({ end: rec.queued, cb });
    schedule(0);
  }

  function close(fd: number, cb: NetdevCallback): void {
    const rec = recOf(fd);
    if (!rec) return fail(cb, ERRNO.EBADF, 'no socket ' + fd);
    delete recs[fd];
    rec.freed = true;
    rec.todo = null;
    rec.sock.state = SockState.Closed;
    failWrites(rec, ERRNO.ECONNABORTED);
    const opCb = rec.opCb;
    rec.opCb = null;
    if (opCb) fail(opCb, ERRNO.ECONNABORTED, 'closed while ' + (rec.op === 'listen' ? 'starting to listen' : 'connecting'));
    if (stage === 'dead') rec.hw = -1;
    else closeHw(rec);
    later(() => report(cb, 0));
  }

  function shutdown(fd: number, how: 0 | 1 | 2, cb: NetdevCallback): void {
    const rec = recOf(fd);
    if (!rec) return fail(cb, ERRNO.EBADF, 'no socket ' + fd);
    if (how !== 0 && how !== 1 && how !== 2) return fail(cb, ERRNO.EINVAL, 'bad shutdown mode ' + how);
    if (how !== 1) rec.readShut = true;
    if (how === 0 || rec.finSent) return later(() => report(cb, 0));
    const pendingConnect = rec.todo === 'connect' || rec.phase === 'resolving' || rec.phase === 'connecting';
    if (rec.phase !== 'connected' && !pendingConnect) return fail(cb, ERRNO.ENOTCONN, 'not connected');
    rec.wshut = true;
    rec.shutCbs.push(cb);
    schedule(0);
  }

  function anyAddress(addr: string): boolean {
    return !addr || addr === '0.0.0.0' || addr === '::' || addr === '::0';
  }

  function bind(fd: number, addr: string, port: number, cb: NetdevCallback): void {
    const rec = recOf(fd);
    if (!rec) return fail(cb, ERRNO.EBADF, 'no socket ' + fd);
    if (rec.phase !== 'new') return fail(cb, ERRNO.EINVAL, 'socket ' + fd + ' is already bound or in use');
    // Before the lease the address is unknown: it is checked when the socket starts listening.
    const own = fixed ? ipText(fixed.ip) : stage === 'up' ? netdev.ip : '';
    if (!anyAddress(addr) && own && addr !== own) return fail(cb, ERRNO.EADDRNOTAVAIL, 'address ' + addr + ' is not this board (' + own + ')');
    if (!(port >= 0 && port < 65536 && port === Math.floor(port))) return fail(cb, ERRNO.EINVAL, 'bad port ' + port);
    if (port === 0) port = ephemeralPort();
    for (const k in recs) {
      const r = recs[k];
      if (r !== rec && r.sock.lport === port && (r.phase === 'bound' || r.phase === 'listening')) {
        return fail(cb, ERRNO.EADDRINUSE, 'port ' + port + ' is already in use');
      }
    }
    rec.phase = 'bound';
    rec.sock.state = SockState.Bound;
    rec.sock.lport = port;
    rec.sock.laddr = anyAddress(addr) ? '0.0.0.0' : addr;
    later(() => report(cb, 0));
  }

  function listen(fd: number, cb: NetdevCallback): void {
    const rec = recOf(fd);
    if (!rec) return fail(cb, ERRNO.EBADF, 'no socket ' + fd);
    if (rec.phase === 'new') {
      rec.phase = 'bound';
      rec.sock.lport = ephemeralPort();
    }
    if (rec.phase !== 'bound' || rec.op) return fail(cb, ERRNO.EINVAL, 'socket ' + fd + ' cannot listen now');
    whenUp(rec, 'listen', cb);
  }

  function pause(fd: number, paused: boolean): void {
    const rec = recOf(fd);
    if (!rec) return;
    rec.paused = !!paused;
    if (!paused) {
      rec.rxCheck = true;
      schedule(0);
    }
  }

  // ---- start ---------------------------------------------------------------------------------

  if (hw.watchInt) unwatch = hw.watchInt(() => schedule(0));
  schedule(0);

  return {
    netdev,
    get status() {
      if (stage === 'dead') return 'dead';
      if (stage === 'up') return 'up';
      return downErr ? 'down' : 'starting';
    },
    get network(): W5500NetworkInfo {
      return {
        ip: ipText(myIp),
        subnet: ipText(mySubnet),
        gateway: ipText(myGateway),
        dns: ipText(myDns),
        mac: macText,
        dhcp: !!dhcp,
        leaseEndsAt: dhcp ? dhcp.endsAt : 0,
        renewals: dhcp ? dhcp.renewals : 0,
      };
    },
    whenReady(cb: (err: number) => void): void {
      if (stage === 'up') later(() => cb(0));
      else if (stage === 'dead' || downErr) {
        const err = downErr || ERRNO.EIO;
        later(() => cb(err));
      } else readyCbs.push(cb);
    },
    close(): void {
      if (stopped) return;
      if (stage !== 'dead' && stage !== 'reset') {
        try {
          for (let n = 0; n < SOCKETS; n++) if (phys[n].use !== 'free') hardClose(n);
        } catch (e) {
          // the chip is beyond reach; nothing left to tell it
        }
      }
      stopped = true;
      if (timer >= 0) hw.clearTimeout(timer);
      timer = -1;
      for (let i = 0; i < pending.length; i++) hw.clearTimeout(pending[i]);
      pending.length = 0;
      if (unwatch) unwatch();
      unwatch = null;
      if (hw.close) hw.close();
    },
  };
}

/** Opens the target's SPI bus and pins and installs the driver as global.__netdev. */
export function install(config: W5500Config = {}): W5500Driver {
  const s = config.spi || {};
  const bus = intOption(s.bus, 'spi.bus', 0, 1, 0);
  const cs = intOption(s.cs, 'spi.cs', 0, 29, bus === 0 ? 17 : 13);
  const options = {
    mode: 0,
    baudrate: intOption(s.baudrate, 'spi.baudrate', 100000, 62500000, 20000000),
    sck: intOption(s.sck, 'spi.sck', 0, 29, bus === 0 ? 18 : 10),
    mosi: intOption(s.mosi, 'spi.mosi', 0, 29, bus === 0 ? 19 : 11),
    miso: intOption(s.miso, 'spi.miso', 0, 29, bus === 0 ? 16 : 12),
  };
  const rst = intOption(config.reset, 'reset', -1, 29, -1);
  const int = intOption(config.interrupt, 'interrupt', -1, 29, -1);
  pinMode(cs, OUTPUT);
  digitalWrite(cs, HIGH);
  if (rst >= 0) {
    pinMode(rst, OUTPUT);
    digitalWrite(rst, HIGH);
  }
  if (int >= 0) pinMode(int, INPUT_PULLUP);
  const SPI = require('spi').SPI;
  const spi = new SPI(bus, options);
  const hw: W5500Hardware = {
    transfer: (tx) => spi.transfer(tx),
    cs: (level) => digitalWrite(cs, level),
    rst: rst >= 0 ? (level) => digitalWrite(rst, level) : null,
    intLevel: int >= 0 ? () => digitalRead(int) : null,
    watchInt:
      int >= 0
        ? (cb) => {
            const id = setWatch(cb, int, FALLING);
            return () => clearWatch(id);
          }
        : null,
    delayUs: (us) => delayMicroseconds(us),
    millis: () => millis(),
    setTimeout: (cb, ms) => setTimeout(cb, ms) as unknown as number,
    clearTimeout: (id) => clearTimeout(id),
    uid: typeof board !== 'undefined' && board && board.uid ? board.uid : '',
    close: () => spi.close(),
  };
  const driver = createW5500Netdev(hw, {
    spi: { bus, miso: options.miso, cs, sck: options.sck, mosi: options.mosi },
    reset: rst >= 0 ? rst : undefined,
    interrupt: int >= 0 ? int : undefined,
    ip: config.ip,
    mac: config.mac,
    hostname: config.hostname,
    retry: config.retry,
    timeouts: config.timeouts,
    pollMs: config.pollMs,
    log: config.log,
  });
  (global as unknown as { [key: string]: unknown }).__netdev = driver.netdev;
  return driver;
}
