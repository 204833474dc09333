// The W5500 driver's types: what it needs of the board, its options, and its records.
import type { Netdev, NetdevCallback, NetdevSocket } from '../../netdev-contract';

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

export type Phase = 'new' | 'bound' | 'resolving' | 'connecting' | 'connected' | 'listening' | 'accepting' | 'closed';
export type Todo = 'connect' | 'listen' | 'relisten' | null;

export interface Write {
  /** Stream offset just past the write's last byte. */
  end: number;
  cb: NetdevCallback;
}

export interface Rec {
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
  /** When the phase under way gives up: resolving, connecting, accepting, or (connected) the SEND in flight. */
  deadline: number;
  dns: { id: number; server: number[]; query: Uint8Array; sends: number; retryAt: number } | null;
  /** accepting: the listener to announce the connection to. */
  listener: Rec | null;
  txq: Uint8Array[];
  txOff: number;
  /** Stream offsets: bytes queued, copied into TX, acknowledged by SEND_OK. */
  queued: number;
  taken: number;
  acked: number;
  inflight: number;
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

export interface Phys {
  use: 'free' | 'rec' | 'closing' | 'dhcp';
  rec: Rec | null;
  /** closing: DISCON issued (or not needed); the deadline for CLOSED. */
  started: boolean;
  until: number;
  /** UDP: a SEND waits for SEND_OK until this time (0: none). */
  udpBusyUntil: number;
}

