// net.Socket over the netdev contract, reached only through the adapter (../netdev). Callbacks that
// need no closure are bound functions: on the board a bound function has no byte code.
import { call, netError, open, type NetError } from '../netdev';
import type { Netdev, NetdevSocket } from '../netdev-contract';
import { Duplex, type Callback, type DuplexOptions } from '../stream';
import { E, err, kind, toPort } from './errors';
import { isIP } from './ip';

export interface SocketOptions extends DuplexOptions {
  /** Idle timeout in ms, as socket.setTimeout(). */
  timeout?: number;
}

export interface ConnectOptions extends SocketOptions {
  port: number | string;
  host?: string;
  /** Validated only: the drivers pick the local address and port. */
  localAddress?: string;
  localPort?: number;
  /** dns.ADDRCONFIG | dns.V4MAPPED | dns.ALL, or 0 (checked as Node does; the drivers resolve IPv4). */
  hints?: number;
}

type Listener = () => void;

class SocketClass extends Duplex {
  declare connecting: boolean;
  declare bytesRead: number;
  declare remoteAddress?: string;
  declare remotePort?: number;
  declare remoteFamily?: string;
  declare localAddress?: string;
  declare localPort?: number;
  declare localFamily?: string;
  declare _fd: number; // driver fd, -1 when none
  declare _gone: boolean; // the driver reported the connection gone
  declare _p: boolean; // driver delivery paused
  declare _tm: number; // idle timeout in ms, 0 = none
  declare _tt: any; // idle timer id (opaque: numbers on Kaluma, objects in Node)
  declare _ondestroy?: () => void; // the Server counting this connection

  constructor(o?: SocketOptions) {
    super(o);
    this.allowHalfOpen = !!(o && o.allowHalfOpen);
    this.connecting = false;
    this.bytesRead = this._tm = 0;
    this._fd = -1;
  }

  // pending, readyState, address, setNoDelay, setKeepAlive: see below the class.
  /** Not connected yet (or no longer). */
  declare readonly pending: boolean;
  declare readonly readyState: string;
  declare address: () => { address?: string; family?: string; port?: number };
  /** Accepted; the drivers have no such option. */
  declare setNoDelay: () => this;
  declare setKeepAlive: () => this;

  /** connect(options[, listener]) or connect(port[, host][, listener]); returns this. Validates as
   *  Node does (ERR_MISSING_ARGS, ERR_INVALID_IP_ADDRESS, ERR_INVALID_ARG_TYPE, ERR_SOCKET_BAD_PORT);
   *  after 'close' the socket connects again as a new stream. */
  connect(...args: any[]): this {
    const s = this;
    const a = args[0];
    const o: ConnectOptions = a !== null && typeof a === 'object' ? a : { port: a, host: typeof args[1] === 'string' ? args[1] : undefined };
    const cb = args[args.length - 1];
    if (o.port === undefined) throw err(E.MissingArgs);
    // Checked as Node does (only where the program names them); the drivers choose the local end.
    if (globalThis.KN_M_localAddress !== false && o.localAddress && !isIP(o.localAddress)) throw err(E.BadIP, o.localAddress);
    if (globalThis.KN_M_localPort !== false && o.localPort && typeof o.localPort !== 'number')
      throw err(E.ArgType, 'options.localPort', 'number', kind(o.localPort));
    const port = toPort(o.port, 'Port');
    if (o.hints! & ~3328) throw err(E.ArgValue, 'hints', 'is invalid', o.hints);
    const host = o.host || 'localhost';
    if (s.destroyed) {
      s._undestroy();
      s._gone = s._p = false;
    }
    if (typeof cb === 'function') s.once('connect', cb);
    if (o.timeout) s.setTimeout(o.timeout);
    s.connecting = true;
    const fd = open();
    if (typeof fd !== 'number') return s.destroy(fd);
    attach(s, fd);
    touch(s);
    call(
      'connect',
      [fd, host, port],
      (e) => {
        if (s._fd !== fd) return;
        if (e) return void s.destroy(e);
        s.connecting = false;
        attach(s, fd, true);
        // Node resolves a name before connecting; the drivers resolve inside connect.
        if (host !== s.remoteAddress) s.emit('lookup', null, s.remoteAddress, 4, host);
        s.emit('connect');
        s.emit('ready');
      },
      host,
      port,
    );
    return s;
  }

  /** The buffer ran empty: the driver may deliver again. */
  _read(): void {
    const d: Netdev = (global as any).__netdev;
    if (this._p && this._fd >= 0 && d.pause) d.pause(this._fd, (this._p = false));
  }

  _write(data: Uint8Array, enc: string, cb: Callback): void {
    const s = this;
    if (s.connecting) return void s.once('connect', s._write.bind(s, data, enc, cb));
    if (s._gone) return cb(netError(32 /* EPIPE */, 'write'));
    touch(s);
    call('write', [s._fd, data], (e) => {
      touch(s);
      cb(e);
    });
  }

  /** Half-close; a failed shutdown still finishes (the connection is going anyway). */
  _final(cb: Callback): void {
    const s = this;
    if (s.connecting) return void s.once('connect', s._final.bind(s, cb));
    if (s._gone || s._fd < 0) cb();
    else call('shutdown', [s._fd, 1], cb.bind(null, null));
  }

  _destroy(e: Error | null, cb: Callback): void {
    const s = this;
    const fd = s._fd;
    s.connecting = false;
    s._fd = -1;
    touch(s);
    if (globalThis.KN_SERVER !== false && s._ondestroy) s._ondestroy();
    if (fd < 0) cb(e);
    else call('close', [fd], cb.bind(null, e));
  }

  /** 'timeout' after `ms` without activity (0 disables); the socket stays open. */
  setTimeout(ms: number, cb?: Listener): this {
    const s = this;
    if (typeof ms !== 'number') throw err(E.ArgType, 'msecs', 'number', kind(ms));
    if (!(ms >= 0 && ms < 1 / 0)) throw err(E.OutOfRange, 'msecs', ms);
    if (cb !== undefined && typeof cb !== 'function') throw err(E.ArgType, 'callback', 'function', kind(cb));
    if (s.destroyed) return s;
    s._tm = ms;
    if (cb) ms ? s.once('timeout', cb) : s.off('timeout', cb);
    touch(s);
    return s;
  }

}

export type Socket = SocketClass;
/** Socket, with the members the runtime never calls where the program may use them (cli/bundle/
 *  features.ts OPTIONAL_MEMBERS), installed in a pure call as Duplex's (../stream). */
export const Socket = /* @__PURE__ */ (function (C: typeof SocketClass): typeof SocketClass {
  if (globalThis.KN_M_pending !== false)
    Object.defineProperty(C.prototype, 'pending', {
      get(this: SocketClass) {
        return this._fd < 0 || this.connecting;
      },
    });

  if (globalThis.KN_M_readyState !== false)
    Object.defineProperty(C.prototype, 'readyState', {
      get(this: SocketClass) {
        const s = this;
        return s.connecting ? 'opening' : s.readable ? (s.writable ? 'open' : 'readOnly') : s.writable ? 'writeOnly' : 'closed';
      },
    });

  if (globalThis.KN_M_address !== false)
    C.prototype.address = function () {
      return { address: this.localAddress, family: this.localFamily, port: this.localPort };
    };

  if (globalThis.KN_M_setNoDelay !== false || globalThis.KN_M_setKeepAlive !== false)
    C.prototype.setNoDelay = C.prototype.setKeepAlive = function () {
      return this;
    };
  return C;
})(SocketClass);

/** Takes the driver socket `fd`'s callbacks; `connected`: also its addresses (a Server's accepted
 *  connections come connected). */
export function attach(s: Socket, fd: number, connected?: boolean): void {
  const k: NetdevSocket = (global as any).__netdev.get(fd);
  s._fd = fd;
  k.read_cb = (data) => {
    s.bytesRead += data.length;
    touch(s);
    // Flow control, where the driver has the contract's optional pause.
    const d: Netdev = (global as any).__netdev;
    if (!s.push(data) && !s._p && s._fd >= 0 && d.pause) d.pause(fd, (s._p = true));
  };
  k.shutdown_cb = s.push.bind(s, null);
  k.close_cb = () => {
    s._gone = true;
    s.push(null);
  };
  k.error_cb = (errno) => s.destroy(netError(errno, 'read'));
  if (connected) {
    s.remoteAddress = k.raddr;
    s.remotePort = k.rport;
    s.localAddress = k.laddr;
    s.localPort = k.lport;
    // The drivers speak IPv4; the host's real sockets may not.
    s.remoteFamily = s.localFamily = k.raddr.indexOf(':') < 0 ? 'IPv4' : 'IPv6';
    touch(s);
  }
}

/** Activity: restarts the idle timer, which runs only while there is a connection (or an attempt):
 *  as in Node, an idle timeout alone does not keep the program alive. */
function touch(s: Socket): void {
  if (s._tt != null) clearTimeout(s._tt);
  s._tt = s._tm && s._fd >= 0 ? setTimeout(timedOut.bind(null, s), s._tm) : null;
}

/** The idle timer fired: it is spent, so a 'timeout' listener that destroys the socket or sets
 *  another timeout must not clear it (on Kaluma, clearing the timer that is running is unsafe). */
function timedOut(s: Socket): void {
  s._tt = null;
  s.emit('timeout');
}

export type { NetError };

/** createConnection(options[, listener]) or (port[, host][, listener]): a connecting Socket. */
export function createConnection(...args: any[]): Socket {
  const a = args[0];
  const s = new Socket(a !== null && typeof a === 'object' ? a : undefined);
  return s.connect(...args);
}

export const connect = createConnection;
