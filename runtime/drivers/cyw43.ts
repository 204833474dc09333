// The Pico W / Pico 2 W network driver: an adapter that turns the firmware's native CYW43 netdev
// (PicoCYW43Network, quirks in kaluma-platform.md §6.1) into the netdev contract, plus Wi-Fi
// bring-up with the firmware's ieee80211 driver. Behaviour choices are documented in cyw43.md.

import { ERRNO, SockState } from '../netdev-contract';
import type { Ieee80211dev, Netdev, NetdevCallback, NetdevSocket, Ptcl, WifiConnectInfo } from '../netdev-contract';

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

export interface Cyw43Handle {
  netdev: Cyw43Netdev;
  /** Stops Wi-Fi retries and link waits (the sockets stay as they are). */
  stop(): void;
}

/** The firmware's PicoCYW43Network as the adapter drives it (method callbacks omitted: they
 *  run synchronously and their `err` is always 0, so `errno` is read after each call). */
interface NativeSocket {
  laddr: string;
  lport: number;
  raddr: string;
  rport: number;
  read_cb?: ((data: Uint8Array, junk?: unknown) => void) | null;
  accept_cb?: ((fd: number) => void) | null;
  connect_cb?: (() => void) | null;
  close_cb?: (() => void) | null;
}
interface NativeNetdev {
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

const EPROTONOSUPPORT = 93;
/** Bytes handed to the firmware per write() call: two segments, a quarter of its send buffer. */
const PIECE = 2920;
const MAX_RETRY_MS = 50;
const LINK_POLL_MS = 250;
const LINK_DOWN = -1;

type Fn = (...args: any[]) => void;
/** A timer id: a number on Kaluma, an object in Node (where the tests run). */
type Timer = ReturnType<typeof setTimeout>;

// Every call into the consumer goes through one FIFO queue drained by a timer, so events reach
// `net` in the order they happened, never re-entrantly, and never inside a firmware callback
// (where the firmware would swallow whatever they throw).
let deferred: (() => void)[] = [];
let drainTimer: Timer | null = null;

function defer(fn: () => void): void {
  deferred.push(fn);
  if (drainTimer === null) drainTimer = setTimeout(drainDeferred, 0);
}

function drainDeferred(): void {
  drainTimer = null;
  const batch = deferred;
  deferred = [];
  for (let i = 0; i < batch.length; i++) batch[i]();
}

/** Calls a consumer callback; what it throws is rethrown from a timer so it is reported. */
function call(fn: Fn | null | undefined, ...args: unknown[]): void {
  if (typeof fn !== 'function') return;
  try {
    fn.apply(undefined, args);
  } catch (e) {
    setTimeout(() => {
      throw e;
    }, 0);
  }
}

function stopTimer(id: Timer | null): null {
  if (id !== null) clearTimeout(id);
  return null;
}

function messageOf(e: unknown): string {
  return e && (e as Error).message ? String((e as Error).message) : String(e);
}

/** Bytes as the Latin-1 "byte string" the firmware's write() takes. */
function latin1(bytes: Uint8Array, start: number, end: number): string {
  let s = '';
  for (let i = start; i < end; i += 1024) {
    const codes = Array.prototype.slice.call(bytes, i, Math.min(end, i + 1024)) as number[];
    s += String.fromCharCode.apply(null, codes);
  }
  return s;
}

function storedSetting(key: string): string | null {
  try {
    const st = (global as any).storage;
    return st ? st.getItem(key) : null;
  } catch (e) {
    return null;
  }
}

// ---------------------------------------------------------------------------------------------
// Wi-Fi bring-up

interface LinkWaiter {
  done: (up: boolean, message: string) => void;
  timer: Timer;
}

class WifiLink {
  up = false;
  private attemptTimer: Timer | null = null;
  private pollTimer: Timer | null = null;
  private delay: number;
  private stopped = false;
  private waiters: LinkWaiter[] = [];
  private readonly linkTimeout: number;
  private readonly retryDelay: number;
  private readonly retryMaxDelay: number;

  constructor(
    private readonly dev: Ieee80211dev,
    private readonly config: Cyw43Config,
  ) {
    this.linkTimeout = config.linkTimeout || 30000;
    this.retryDelay = config.retryDelay || 1000;
    this.retryMaxDelay = config.retryMaxDelay || 30000;
    this.delay = this.retryDelay;
  }

  start(): void {
    this.scheduleAttempt(0);
  }

  stop(): void {
    this.stopped = true;
    this.attemptTimer = stopTimer(this.attemptTimer);
    this.pollTimer = stopTimer(this.pollTimer);
    const waiters = this.waiters;
    this.waiters = [];
    for (let i = 0; i < waiters.length; i++) clearTimeout(waiters[i].timer);
  }

  /** Asks the firmware (get_connection answers synchronously; its `err` is meaningless). */
  isUp(): boolean {
    let up = false;
    try {
      this.dev.get_connection((_err, info) => {
        up = !!info;
      });
    } catch (e) {
      up = false;
    }
    return up;
  }

  /** Something showed the link is down (the firmware never says so itself): rejoin. */
  lost(): void {
    this.up = false;
    if (this.attemptTimer === null) this.scheduleAttempt(0);
  }

  /** Calls done(true) once the link is up, or done(false, why) after linkTimeout. */
  wait(done: (up: boolean, message: string) => void): () => void {
    const waiter: LinkWaiter = {
      done,
      timer: setTimeout(() => {
        this.removeWaiter(waiter);
        done(false, this.notConnectedMessage());
      }, this.linkTimeout),
    };
    this.waiters.push(waiter);
    if (this.pollTimer === null && !this.stopped) this.pollTimer = setTimeout(() => this.poll(), LINK_POLL_MS);
    return () => {
      clearTimeout(waiter.timer);
      this.removeWaiter(waiter);
    };
  }

  credentials(): WifiConnectInfo {
    const w = this.config.wifi && typeof this.config.wifi === 'object' ? this.config.wifi : {};
    const pick = (v: string | null | undefined, key: string) => (v !== undefined && v !== null ? v : storedSetting(key));
    return {
      ssid: pick(w.ssid, 'WIFI_SSID'),
      password: pick(w.password, 'WIFI_PASSWORD'),
      security: pick(w.security, 'WIFI_SECURITY'),
    };
  }

  notConnectedMessage(): string {
    const ssid = this.credentials().ssid;
    if (!ssid) {
      return (
        'Wi-Fi is not connected: no credentials. Set "wifi": {"ssid", "password"} in the kaluma-net ' +
        'build config, or store WIFI_SSID and WIFI_PASSWORD with storage.setItem()'
      );
    }
    return (
      'Wi-Fi is not connected: joining "' + ssid + '" has not succeeded within ' + this.linkTimeout +
      ' ms (check wifi.ssid/wifi.password in the build config or the WIFI_SSID/WIFI_PASSWORD storage slots)'
    );
  }

  private scheduleAttempt(ms: number): void {
    if (this.stopped) return;
    this.attemptTimer = setTimeout(() => this.attempt(), ms);
  }

  /** One join: the firmware's connect blocks (up to 30 s) and calls back before returning. */
  private attempt(): void {
    this.attemptTimer = null;
    if (this.check()) return;
    const info = this.credentials();
    if (info.ssid) {
      try {
        this.dev.connect(info, () => {});
      } catch (e) {
        // a malformed setting: nothing to do but retry later (the user may fix the storage slot)
      }
      if (this.check()) return;
    }
    this.scheduleAttempt(this.delay);
    this.delay = Math.min(this.delay * 2, this.retryMaxDelay);
  }

  /** While someone waits, notice a link brought up by other code (e.g. the `wifi` module). */
  private poll(): void {
    this.pollTimer = null;
    if (this.check() || !this.waiters.length) return;
    this.pollTimer = setTimeout(() => this.poll(), LINK_POLL_MS);
  }

  private check(): boolean {
    if (!this.isUp()) return false;
    this.up = true;
    this.delay = this.retryDelay;
    this.attemptTimer = stopTimer(this.attemptTimer);
    this.pollTimer = stopTimer(this.pollTimer);
    const waiters = this.waiters;
    this.waiters = [];
    for (let i = 0; i < waiters.length; i++) {
      clearTimeout(waiters[i].timer);
      waiters[i].done(true, '');
    }
    return true;
  }

  private removeWaiter(waiter: LinkWaiter): void {
    const i = this.waiters.indexOf(waiter);
    if (i >= 0) this.waiters.splice(i, 1);
  }
}

// ---------------------------------------------------------------------------------------------
// Sockets

interface WriteItem {
  /** null: the FIN that shutdown(fd, 1) queues behind the data. */
  data: Uint8Array | null;
  off: number;
  cb: NetdevCallback;
}

interface ServerState {
  /** The one accepted connection being served; every byte on the listening socket is its. */
  current: Conn | null;
  /** Native fds of later clients, in arrival order, not yet announced. */
  held: number[];
}

class Conn {
  readonly sock: NetdevSocket;
  /** The firmware's fd, -1 while there is none (Wi-Fi not up yet, or the firmware freed it). */
  nfd = -1;
  /** The adapter fd was closed by the consumer. */
  closed = false;
  /** The connection is over (peer closed, failed); the consumer has been or will be told. */
  gone = false;
  connecting = false;
  readShut = false;
  writeShut = false;
  wq: WriteItem[] = [];
  pumpTimer: Timer | null = null;
  retryMs = 1;
  stalledMs = 0;
  connectTimer: Timer | null = null;
  cancelWait: (() => void) | null = null;
  /** connect/bind/listen run one after another, each possibly waiting for Wi-Fi. */
  ops: ((done: () => void) => void)[] = [];
  /** For an accepted connection: its listening socket. */
  listener: Conn | null = null;
  /** For a listening socket. */
  srv: ServerState | null = null;

  constructor(fd: number, ptcl: Ptcl) {
    this.sock = { fd, ptcl, state: SockState.Closed, laddr: '0.0.0.0', lport: 0, raddr: '0.0.0.0', rport: 0 };
  }
}

export class Cyw43Netdev implements Netdev {
  errno = 0;
  /** kaluma-net extension: a human-readable detail of the last error (e.g. how to set Wi-Fi credentials). */
  errmsg = '';
  mac = '';
  ip = '';
  private conns: (Conn | undefined)[] = [];
  private readonly connectTimeout: number;
  private readonly writeTimeout: number;

  constructor(
    private readonly native: NativeNetdev,
    private readonly link: WifiLink,
    config: Cyw43Config,
  ) {
    this.connectTimeout = config.connectTimeout || 10000;
    this.writeTimeout = config.writeTimeout || 30000;
  }

  socket(_domain: string, ptcl: Ptcl): number {
    if (ptcl !== 'STREAM') return this.failNow(EPROTONOSUPPORT, 'only STREAM sockets are supported on the CYW43');
    let fd = 0;
    while (this.conns[fd]) fd++;
    const c = new Conn(fd, ptcl);
    // With the link up the firmware socket exists at once (so EMFILE is reported here); without
    // it, the fd is ours alone and the firmware socket is made when the link comes up.
    if (this.openNative(c) === ERRNO.EMFILE) return this.failNow(ERRNO.EMFILE, 'all 16 CYW43 sockets are in use');
    this.conns[fd] = c;
    this.errno = 0;
    return fd;
  }

  get(fd: number): NetdevSocket | undefined {
    const c = this.conns[fd];
    return c ? c.sock : undefined;
  }

  connect(fd: number, host: string, port: number, cb: NetdevCallback): void {
    const c = this.conns[fd];
    if (!c) return this.fail(cb, ERRNO.EBADF, 'bad file descriptor');
    if (c.connecting || c.srv || c.sock.state !== SockState.Closed) return this.fail(cb, ERRNO.EISCONN, 'socket already in use');
    c.connecting = true;
    this.serial(c, (done) =>
      this.whenNative(c, (code, msg) => {
        if (code) {
          c.connecting = false;
          this.fail(cb, code, msg);
        } else {
          this.startConnect(c, host, port, cb);
        }
        done();
      }),
    );
  }

  write(fd: number, data: Uint8Array | string, cb: NetdevCallback): void {
    const c = this.conns[fd];
    if (!c) return this.fail(cb, ERRNO.EBADF, 'bad file descriptor');
    if (c.writeShut || c.gone) return this.fail(cb, ERRNO.EPIPE, 'write after end');
    if (c.srv || (c.sock.state === SockState.Closed && !c.connecting)) return this.fail(cb, ERRNO.ENOTCONN, 'socket is not connected');
    c.wq.push({ data: typeof data === 'string' ? new TextEncoder().encode(data) : data, off: 0, cb });
    if (c.pumpTimer === null) this.pump(c);
  }

  close(fd: number, cb: NetdevCallback): void {
    const c = this.conns[fd];
    if (!c) return this.fail(cb, ERRNO.EBADF, 'bad file descriptor');
    this.conns[fd] = undefined;
    c.closed = true;
    c.wq = [];
    c.ops = [];
    if (c.cancelWait) c.cancelWait();
    c.pumpTimer = stopTimer(c.pumpTimer);
    c.connectTimer = stopTimer(c.connectTimer);
    if (c.srv) this.closeListener(c);
    else this.closeNative(c);
    if (c.listener && !c.gone) {
      c.gone = true;
      this.currentEnded(c.listener, c);
    }
    this.succeed(cb);
  }

  shutdown(fd: number, how: 0 | 1 | 2, cb: NetdevCallback): void {
    const c = this.conns[fd];
    if (!c) return this.fail(cb, ERRNO.EBADF, 'bad file descriptor');
    if (how !== 1) c.readShut = true;
    if (how === 0 || c.srv || c.writeShut || c.gone) {
      c.writeShut = c.writeShut || how !== 0;
      return this.succeed(cb);
    }
    c.writeShut = true;
    c.wq.push({ data: null, off: 0, cb });
    if (c.pumpTimer === null) this.pump(c);
  }

  bind(fd: number, addr: string, port: number, cb: NetdevCallback): void {
    const c = this.conns[fd];
    if (!c) return this.fail(cb, ERRNO.EBADF, 'bad file descriptor');
    if (c.connecting || c.sock.state !== SockState.Closed) return this.fail(cb, ERRNO.EINVAL, 'socket already in use');
    this.serial(c, (done) =>
      this.whenNative(c, (code, msg) => {
        if (code) this.fail(cb, code, msg);
        else this.doBind(c, addr, port, cb);
        done();
      }),
    );
  }

  listen(fd: number, cb: NetdevCallback): void {
    const c = this.conns[fd];
    if (!c) return this.fail(cb, ERRNO.EBADF, 'bad file descriptor');
    this.serial(c, (done) => {
      this.doListen(c, cb);
      done();
    });
  }

  // --- plumbing -------------------------------------------------------------------------------

  private failNow(code: number, msg: string): number {
    this.errno = code;
    this.errmsg = msg;
    return -1;
  }

  private fail(cb: NetdevCallback, code: number, msg: string): void {
    defer(() => {
      this.errno = code;
      this.errmsg = msg;
      call(cb, code);
    });
  }

  private succeed(cb: NetdevCallback): void {
    defer(() => {
      this.errno = 0;
      call(cb, 0);
    });
  }

  private serial(c: Conn, op: (done: () => void) => void): void {
    c.ops.push(op);
    if (c.ops.length === 1) this.runOps(c);
  }

  private runOps(c: Conn): void {
    const op = c.ops[0];
    if (!op) return;
    op(() => {
      if (c.closed) return;
      c.ops.shift();
      this.runOps(c);
    });
  }

  /** 0, LINK_DOWN, or EMFILE. */
  private openNative(c: Conn): number {
    let nfd: number;
    try {
      nfd = this.native.socket('PF_INET', 'STREAM');
    } catch (e) {
      if (/not connected|not initiali[sz]ed/i.test(messageOf(e))) {
        this.link.lost();
        return LINK_DOWN;
      }
      return ERRNO.EMFILE;
    }
    c.nfd = nfd;
    this.mac = this.native.mac || this.mac;
    this.ip = this.native.ip || this.ip;
    return 0;
  }

  /** Runs then(0) once the connection has a firmware socket, waiting for Wi-Fi if need be. */
  private whenNative(c: Conn, then: (code: number, msg: string) => void): void {
    if (c.nfd >= 0) return then(0, '');
    const r = this.openNative(c);
    if (r === 0) return then(0, '');
    if (r === ERRNO.EMFILE) return then(ERRNO.EMFILE, 'all 16 CYW43 sockets are in use');
    c.cancelWait = this.link.wait((up, msg) => {
      c.cancelWait = null;
      if (c.closed) return;
      if (up) this.whenNative(c, then);
      else then(ERRNO.ENETUNREACH, msg);
    });
  }

  private closeNative(c: Conn): void {
    if (c.nfd < 0) return;
    const o = this.native.get(c.nfd);
    if (o) o.read_cb = o.accept_cb = o.connect_cb = o.close_cb = null; // close() would call close_cb
    this.native.close(c.nfd);
    c.nfd = -1;
  }

  // --- client connections ---------------------------------------------------------------------

  private startConnect(c: Conn, host: string, port: number, cb: NetdevCallback): void {
    const o = this.native.get(c.nfd);
    if (!o) {
      c.connecting = false;
      c.nfd = -1;
      return this.fail(cb, ERRNO.ENETDOWN, 'the CYW43 firmware dropped the socket (Wi-Fi reset?)');
    }
    o.read_cb = (data) => this.received(c, data);
    o.close_cb = () => this.peerClosed(c);
    o.connect_cb = () => this.connected(c, cb);
    try {
      this.native.connect(c.nfd, host, port);
    } catch (e) {
      c.connecting = false;
      const m = messageOf(e);
      const dns = /DNS/.test(m);
      return this.fail(cb, dns ? ERRNO.ENOTFOUND : ERRNO.EINVAL, dns ? 'getaddrinfo ENOTFOUND ' + host + ' (' + m + ')' : m);
    }
    if (this.native.errno !== 0) {
      c.connecting = false;
      if (this.link.isUp()) return this.fail(cb, ERRNO.EIO, 'the CYW43 firmware could not start the connection');
      this.link.lost();
      return this.fail(cb, ERRNO.ENETUNREACH, 'Wi-Fi link lost');
    }
    c.sock.raddr = o.raddr;
    c.sock.rport = port;
    c.connectTimer = setTimeout(() => {
      c.connectTimer = null;
      if (!c.connecting) return;
      c.connecting = false;
      this.closeNative(c);
      if (!this.link.isUp()) {
        this.link.lost();
        return this.fail(cb, ERRNO.ENETUNREACH, 'Wi-Fi link lost');
      }
      this.fail(
        cb,
        ERRNO.ETIMEDOUT,
        'connect ETIMEDOUT ' + host + ':' + port + ': no answer within ' + this.connectTimeout +
          ' ms (refused or unreachable: the CYW43 firmware reports neither)',
      );
    }, this.connectTimeout);
  }

  private connected(c: Conn, cb: NetdevCallback): void {
    if (!c.connecting) return;
    c.connecting = false;
    c.connectTimer = stopTimer(c.connectTimer);
    const o = this.native.get(c.nfd);
    c.sock.state = SockState.Connected;
    if (o) c.sock.laddr = o.laddr;
    defer(() => {
      if (c.closed) return;
      this.errno = 0;
      call(cb, 0);
      call(c.sock.connect_cb);
    });
    this.pump(c);
  }

  private received(c: Conn, data: Uint8Array): void {
    defer(() => {
      if (!c.closed && !c.readShut) call(c.sock.read_cb, data);
    });
  }

  /** The firmware's close_cb: the peer closed (the firmware then closes our side too and frees
   *  the fd). Only now does the consumer hear 'end' (shutdown_cb), then close_cb. */
  private peerClosed(c: Conn): void {
    c.nfd = -1;
    this.endConnection(c, 0, '');
  }

  /** Aborts the connection with an error (the firmware socket is closed). */
  private abort(c: Conn, code: number, msg: string): void {
    this.closeNative(c);
    this.endConnection(c, code, msg);
  }

  private endConnection(c: Conn, code: number, msg: string): void {
    if (c.gone) return;
    c.gone = true;
    c.pumpTimer = stopTimer(c.pumpTimer);
    c.sock.state = SockState.Closed;
    const pending = c.wq;
    c.wq = [];
    defer(() => {
      if (c.closed) return;
      for (let i = 0; i < pending.length; i++) {
        const failed = pending[i].data !== null || code !== 0;
        this.errno = failed ? code || ERRNO.EPIPE : 0;
        call(pending[i].cb, this.errno);
      }
      if (code) {
        this.errno = code;
        this.errmsg = msg;
        call(c.sock.error_cb, code);
      } else {
        call(c.sock.shutdown_cb);
      }
      call(c.sock.close_cb);
    });
    if (c.listener) this.currentEnded(c.listener, c); // after: the consumer hears this close first
  }

  /** Hands queued bytes to the firmware in pieces its send buffer takes; when it is full, tries
   *  again on a later loop pass (the firmware only frees buffer space between JS callbacks).
   *  A write's callback fires once its last byte was handed over. */
  private pump(c: Conn): void {
    c.pumpTimer = null;
    if (c.nfd < 0 || c.gone || c.sock.state !== SockState.Connected) return;
    let progressed = false;
    while (c.wq.length) {
      const item = c.wq[0];
      if (item.data === null) {
        this.native.shutdown(c.nfd, 1); // its synchronous local shutdown_cb is not ours: not set
        c.wq.shift();
        if (this.native.errno === 0) this.succeed(item.cb);
        else this.fail(item.cb, ERRNO.ENOTCONN, 'the CYW43 firmware could not send FIN');
        progressed = true;
        continue;
      }
      const end = Math.min(item.data.length, item.off + PIECE);
      if (item.off < end) {
        this.native.write(c.nfd, latin1(item.data, item.off, end));
        if (this.native.errno !== 0) break;
        item.off = end;
        progressed = true;
        if (end < item.data.length) continue;
      }
      c.wq.shift();
      this.succeed(item.cb);
    }
    if (!c.wq.length || progressed) {
      c.retryMs = 1;
      c.stalledMs = 0;
      if (!c.wq.length) return;
    } else {
      c.stalledMs += c.retryMs;
      if (!this.native.get(c.nfd)) return this.abort(c, ERRNO.ECONNRESET, 'the CYW43 firmware dropped the connection');
      if (c.stalledMs >= this.writeTimeout) {
        if (this.link.isUp()) return this.abort(c, ERRNO.ETIMEDOUT, 'no write progress for ' + this.writeTimeout + ' ms');
        this.link.lost();
        return this.abort(c, ERRNO.ENETDOWN, 'Wi-Fi link lost');
      }
      c.retryMs = Math.min(c.retryMs * 2, MAX_RETRY_MS);
    }
    c.pumpTimer = setTimeout(() => this.pump(c), c.retryMs);
  }

  // --- servers --------------------------------------------------------------------------------

  private doBind(c: Conn, addr: string, port: number, cb: NetdevCallback): void {
    // Port 0: the firmware would not tell which port lwIP chose, so the adapter picks one.
    let tries = port === 0 ? 16 : 1;
    while (tries-- > 0) {
      const p = port === 0 ? 49152 + Math.floor(Math.random() * 16384) : port;
      try {
        this.native.bind(c.nfd, addr, p);
      } catch (e) {
        return this.fail(cb, ERRNO.ENOTFOUND, 'getaddrinfo ENOTFOUND ' + addr + ' (' + messageOf(e) + ')');
      }
      if (this.native.errno === 0) {
        const o = this.native.get(c.nfd);
        c.sock.state = SockState.Bound;
        c.sock.laddr = o ? o.laddr : addr;
        c.sock.lport = p;
        return this.succeed(cb);
      }
    }
    this.fail(cb, ERRNO.EADDRINUSE, 'port ' + port + ' is in use');
  }

  private doListen(c: Conn, cb: NetdevCallback): void {
    const o = c.nfd >= 0 && c.sock.state === SockState.Bound ? this.native.get(c.nfd) : undefined;
    if (!o) return this.fail(cb, ERRNO.EINVAL, 'listen on a socket that is not bound');
    const srv: ServerState = { current: null, held: [] };
    o.accept_cb = (nfd) => this.accepted(c, srv, nfd);
    // Bytes of every accepted connection arrive here; they belong to the one being served.
    o.read_cb = (data) => {
      if (srv.current) this.received(srv.current, data);
    };
    this.native.listen(c.nfd);
    if (this.native.errno !== 0) return this.fail(cb, ERRNO.EINVAL, 'the CYW43 firmware could not listen');
    c.srv = srv;
    c.sock.state = SockState.Listening;
    this.succeed(cb);
  }

  private accepted(l: Conn, srv: ServerState, nfd: number): void {
    const o = this.native.get(nfd);
    if (!o) return;
    if (l.closed) {
      this.native.close(nfd);
      return;
    }
    if (srv.current) {
      srv.held.push(nfd);
      o.close_cb = () => {
        const i = srv.held.indexOf(nfd);
        if (i >= 0) srv.held.splice(i, 1);
      };
      return;
    }
    this.serve(l, srv, nfd);
  }

  /** Makes nfd the connection being served and announces it to the consumer. */
  private serve(l: Conn, srv: ServerState, nfd: number): void {
    const o = this.native.get(nfd) as NativeSocket;
    let fd = 0;
    while (this.conns[fd]) fd++;
    const c = new Conn(fd, 'STREAM');
    c.nfd = nfd;
    c.listener = l;
    c.sock.state = SockState.Connected;
    c.sock.laddr = o.laddr;
    c.sock.lport = l.sock.lport;
    c.sock.raddr = o.raddr;
    c.sock.rport = o.rport;
    o.close_cb = () => this.peerClosed(c);
    this.conns[fd] = c;
    srv.current = c;
    defer(() => {
      if (!l.closed) return call(l.sock.accept_cb, fd);
      // the server was closed before this client's turn came: let it go
      this.conns[fd] = undefined;
      c.closed = true;
      if (c.gone) return;
      c.gone = true;
      this.closeNative(c);
      this.currentEnded(l, c);
    });
  }

  /** The served connection is over: the next held client (if still there) is served. */
  private currentEnded(l: Conn, c: Conn): void {
    const srv = l.srv;
    if (!srv || srv.current !== c) return;
    srv.current = null;
    while (srv.held.length) {
      const nfd = srv.held.shift() as number;
      if (this.native.get(nfd)) return this.serve(l, srv, nfd);
    }
    if (l.closed) this.closeNative(l);
  }

  /** The consumer closed a listening socket: held clients are let go; the firmware listener
   *  stays until the served connection ends, because that connection's bytes arrive on it. */
  private closeListener(l: Conn): void {
    const srv = l.srv as ServerState;
    const held = srv.held;
    srv.held = [];
    for (let i = 0; i < held.length; i++) {
      const o = this.native.get(held[i]);
      if (o) o.close_cb = null;
      this.native.close(held[i]);
    }
    if (!srv.current) this.closeNative(l);
  }
}

/** Wraps the firmware's `global.__netdev` (the pico-w board script installs it) and starts
 *  joining Wi-Fi. Returns the installed netdev and a stop() for the Wi-Fi retries. */
export function install(config: Cyw43Config = {}): Cyw43Handle {
  const native = (global as any).__netdev as NativeNetdev | undefined;
  const wifi = (global as any).__ieee80211dev as Ieee80211dev | undefined;
  if (!native || typeof native.socket !== 'function' || !wifi || typeof wifi.connect !== 'function') {
    throw new Error(
      'cyw43: the firmware CYW43 drivers are missing (global.__netdev / global.__ieee80211dev); ' +
        'this program needs a pico-w or pico2-w board',
    );
  }
  const link = new WifiLink(wifi, config);
  const netdev = new Cyw43Netdev(native, link, config);
  (global as any).__netdev = netdev;
  link.start();
  return { netdev, stop: () => link.stop() };
}
