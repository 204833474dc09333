// The one netdev contract every driver implements (shared/docs/kaluma-platform.md §6), with the
// precise semantics kaluma-net's drivers guarantee. A driver installs itself as `global.__netdev`;
// `net` never knows which driver runs and reaches it only through runtime/netdev.ts (the adapter).

export type Ptcl = 'STREAM' | 'DGRAM';

/** Socket states, as in Kaluma. */
export const enum SockState {
  Closed = 0,
  Bound = 1,
  Connected = 2,
  Listening = 3,
}

/**
 * The per-socket object. `get(fd)` returns the same mutable object every time; the consumer (`net`)
 * assigns the callback slots. Drivers must call slots only if set, and must never throw into them.
 */
export interface NetdevSocket {
  fd: number;
  ptcl: Ptcl;
  state: number;
  laddr: string;
  lport: number;
  raddr: string;
  rport: number;
  /** Received bytes, in order, never empty. Always a Uint8Array the consumer may keep. */
  read_cb?: ((data: Uint8Array) => void) | null;
  /** A listening socket accepted a connection: `newFd` is a connected socket with its own object
   *  (raddr/rport/laddr/lport filled) whose data and close events arrive on its own slots. */
  accept_cb?: ((newFd: number) => void) | null;
  /** Called after the socket connected (in addition to connect()'s callback). */
  connect_cb?: (() => void) | null;
  /** The peer finished sending (FIN received). Read side ended; writing may continue. */
  shutdown_cb?: (() => void) | null;
  /** The connection is gone (both sides finished, peer reset, or failure). Called once, and never in
   *  answer to our own close(). */
  close_cb?: (() => void) | null;
  /** kaluma-net extension: an asynchronous failure (reset, timeout, link lost) with its errno;
   *  followed by close_cb. */
  error_cb?: ((errno: number) => void) | null;
}

/** Callback convention: `err` 0 = success; otherwise failure and the code is in `errno` (and, for
 *  our drivers, also `err` itself). Either sign is accepted; the adapter normalises. */
export type NetdevCallback = (err: number) => void;

export interface Netdev {
  errno: number;
  mac: string;
  ip: string;
  /** Returns an fd >= 0, or -1 with `errno` set (EMFILE when out of sockets). May throw (CYW43). */
  socket(domain: string, ptcl: Ptcl): number;
  get(fd: number): NetdevSocket | null | undefined;
  /** Resolves `host` (name or dotted quad) and connects. cb(0) once established; else ECONNREFUSED,
   *  ETIMEDOUT, ENOTFOUND (3008), ENETUNREACH, ... */
  connect(fd: number, host: string, port: number, cb: NetdevCallback): void;
  /** Takes any amount of data (the driver splits it to what the hardware takes). cb(0) fires once
   *  the driver/hardware has taken ALL of it onto the network (SEND OK, SEND_OK, kernel write):
   *  this is the acknowledgement `net` uses for write callbacks and 'drain'. Writes complete in order. */
  write(fd: number, data: Uint8Array | string, cb: NetdevCallback): void;
  /** Closes (aborting if needed) and frees the fd. cb(0) when done. close_cb is NOT called for it. */
  close(fd: number, cb: NetdevCallback): void;
  /** how: 0 read, 1 write (send FIN after pending writes), 2 both. cb(0) when done. */
  shutdown(fd: number, how: 0 | 1 | 2, cb: NetdevCallback): void;
  /** cb(EADDRINUSE=98) when the port is taken. Port 0 picks a free port (lport is then filled). */
  bind(fd: number, addr: string, port: number, cb: NetdevCallback): void;
  listen(fd: number, cb: NetdevCallback): void;
  /** kaluma-net extension, optional: stop (true) / resume (false) delivering read_cb for fd, so the
   *  peer is flow-controlled instead of the board buffering without bound. */
  pause?(fd: number, paused: boolean): void;
  /** kaluma-net extension, optional (drivers add it when the bundle uses dns.lookup: KN_DNS): resolves
   *  the name `host` (dns.lookup answers IP addresses itself) to an IPv4 address, cb(0, address) or
   *  cb(ENOTFOUND), always asynchronously. Without it, dns.lookup answers IP addresses only. */
  lookup?(host: string, cb: (err: number, address?: string) => void): void;
}

/** Wi-Fi association driver (`global.__ieee80211dev`), used by the firmware's `wifi` module. */
export interface WifiConnectInfo {
  ssid: string | null;
  password?: string | null;
  security?: string | null;
  bssid?: string | null;
  enforce?: boolean;
}
export interface Ieee80211dev {
  errno: number;
  assoc_cb?: (() => void) | null;
  connect_cb?: (() => void) | null;
  disconnect_cb?: (() => void) | null;
  reset(cb: NetdevCallback): void;
  scan(cb: (err: number, list?: unknown[]) => void): void;
  connect(info: WifiConnectInfo, cb: NetdevCallback): void;
  disconnect(cb: NetdevCallback): void;
  get_connection(cb: (err: number, info?: { ssid: string; bssid?: string }) => void): void;
}

/** errno numbers (positive; drivers may report them negated) and the Node-style codes `net` exposes.
 *  A const enum: bundles get the numbers inlined, not a table object in the board's heap. */
export const enum ERRNO {
  EPERM = 1,
  EIO = 5,
  EBADF = 9,
  EAGAIN = 11,
  ENOMEM = 12,
  EBUSY = 16,
  EINVAL = 22,
  EMFILE = 24,
  EPIPE = 32,
  ETIME = 62,
  EPROTO = 71,
  EMSGSIZE = 90,
  EADDRINUSE = 98,
  EADDRNOTAVAIL = 99,
  ENETDOWN = 100,
  ENETUNREACH = 101,
  ECONNABORTED = 103,
  ECONNRESET = 104,
  ENOBUFS = 105,
  EISCONN = 106,
  ENOTCONN = 107,
  ESHUTDOWN = 108,
  ETIMEDOUT = 110,
  ECONNREFUSED = 111,
  EHOSTUNREACH = 113,
  EALREADY = 114,
  EINPROGRESS = 115,
  /** Name resolution failed (libuv's EAI_NONAME, as Node reports it). */
  ENOTFOUND = 3008,
}
