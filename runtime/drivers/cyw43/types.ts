// The CYW43 adapter's types: its options, the firmware's native netdev as the adapter drives it,
// and the adapter's per-connection record.
import type { Netdev, NetdevCallback, NetdevSocket } from '../../netdev-contract';

export interface Cyw43Config {
  /** Build-time credentials; a missing/null field falls back to the storage slot WIFI_SSID,
   *  WIFI_PASSWORD or WIFI_SECURITY, as Kaluma's `wifi` module does. `true` (the target's flag
   *  when the build got no credentials) or null: storage only. */
  wifi?: { ssid?: string | null; password?: string | null; security?: string | null } | boolean | null;
  /** How long connect/bind/listen wait for the Wi-Fi link before failing with ENETUNREACH (ms). */
  linkTimeout?: number;
  /** How long a connect may go unanswered before failing with ETIMEDOUT (ms); the firmware never
   *  reports refusals, resets or its own timeouts. */
  connectTimeout?: number;
  /** How long queued writes may make no progress before the connection fails with ETIMEDOUT (ms). */
  writeTimeout?: number;
  /** First delay between Wi-Fi join attempts (ms), doubling up to retryMaxDelay. */
  retryDelay?: number;
  retryMaxDelay?: number;
}

export type Cyw43Netdev = Netdev & {
  /** kaluma-net extension: a human-readable detail of the last error (e.g. how to set Wi-Fi credentials). */
  errmsg: string;
};

export interface Cyw43Handle {
  netdev: Cyw43Netdev;
  /** Stops Wi-Fi retries and link waits (the sockets stay as they are). */
  stop(): void;
}

/** The firmware's PicoCYW43Network as the adapter drives it (method callbacks omitted: they
 *  run synchronously and their `err` is always 0, so `errno` is read after each call). */
export interface NativeSocket {
  /** 0 closed, 1 bound, 2 connected (from connect(), before the handshake), 3 listening. */
  state: number;
  laddr: string;
  lport: number;
  raddr: string;
  rport: number;
  read_cb?: ((data: Uint8Array, junk?: unknown) => void) | null;
  accept_cb?: ((fd: number) => void) | null;
  connect_cb?: (() => void) | null;
  close_cb?: (() => void) | null;
}

export interface NativeNetdev {
  errno: number;
  mac?: string;
  ip?: string;
  socket(domain: string, ptcl: string): number;
  get(fd: number): NativeSocket | undefined;
  connect(fd: number, host: string, port: number): void;
  write(fd: number, data: string): void;
  close(fd: number): void;
  shutdown(fd: number, how: number): void;
  bind(fd: number, addr: string, port: number): void;
  listen(fd: number): void;
}

/** A timer id: a number on Kaluma, an object in Node (where the tests run). */
export type Timer = ReturnType<typeof setTimeout>;

export interface WriteItem {
  /** null: the FIN that shutdown(fd, 1) queues behind the data. */
  data: Uint8Array | null;
  off: number;
  cb: NetdevCallback;
}

export interface ServerState {
  /** The one accepted connection being served; every byte on the listening socket is its. */
  current: Conn | null;
  /** Native fds of later clients, in arrival order, not yet announced. */
  held: number[];
}

export interface Conn {
  sock: NetdevSocket;
  /** The firmware's fd, -1 while there is none (Wi-Fi not up yet, or the firmware freed it). */
  nfd: number;
  /** The adapter fd was closed by the consumer. */
  closed: boolean;
  /** The connection is over (peer closed, failed); the consumer has been or will be told. */
  gone: boolean;
  connecting: boolean;
  readShut: boolean;
  writeShut: boolean;
  /** Our FIN went to the firmware (shutdown(fd, 1)). */
  finSent: boolean;
  wq: WriteItem[];
  pumpTimer: Timer | null;
  retryMs: number;
  stalledMs: number;
  connectTimer: Timer | null;
  cancelWait: (() => void) | null;
  /** For an accepted connection: its listening socket. */
  listener: Conn | null;
  /** For a listening socket. */
  srv: ServerState | null;
}
