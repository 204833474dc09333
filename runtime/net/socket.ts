// net.Socket over the netdev contract, reached only through the adapter (../netdev). Callbacks that
// need no closure are bound functions: on the board a bound function has no byte code.
import { call, dev, netError, open, pauseFd, type NetError } from '../netdev';
import { Duplex, type Callback, type DuplexOptions } from '../stream';

export interface SocketOptions extends DuplexOptions {
  /** Idle timeout in ms, as socket.setTimeout(). */
  timeout?: number;
}

export interface ConnectOptions extends SocketOptions {
  port: number | string;
  host?: string;
}

type Listener = () => void;

export function checkPort(p: unknown): number {
  const n = +(p as number);
  if (!(n >= 0 && n < 65536)) throw new RangeError('port out of range: ' + p);
  return n;
}

export class Socket extends Duplex {
  declare connecting: boolean;
  declare bytesRead: number;
  declare remoteAddress?: string;
  declare remotePort?: number;
  declare localAddress?: string;
  declare localPort?: number;
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

  get readyState(): string {
    const s = this;
    return s.connecting ? 'opening' : s.readable ? (s.writable ? 'open' : 'readOnly') : s.writable ? 'writeOnly' : 'closed';
  }

  /** connect(options[, listener]) or connect(port[, host][, listener]); returns this. */
  connect(a: number | string | ConnectOptions, b?: string | Listener, c?: Listener): this {
    const s = this;
    const o: ConnectOptions = typeof a === 'object' ? a : { port: a, host: typeof b === 'string' ? b : undefined };
    const port = checkPort(o.port);
    const host = o.host || 'localhost';
    const cb = typeof b === 'function' ? b : c;
    const fd = open();
    if (cb) s.once('connect', cb);
    if (o.timeout) s.setTimeout(o.timeout);
    s.connecting = true;
    if (typeof fd !== 'number') return s.destroy(fd);
    attach(s, fd);
    call(
      'connect',
      [fd, host, port],
      (e) => {
        if (e) return void s.destroy(e);
        s.connecting = false;
        attach(s, fd, true);
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
    if (this._p && this._fd >= 0) pauseFd(this._fd, (this._p = false));
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

  _destroy(err: Error | null, cb: Callback): void {
    const s = this;
    const fd = s._fd;
    s.connecting = false;
    s._fd = -1;
    s.setTimeout(0);
    if (s._ondestroy) s._ondestroy();
    if (fd < 0) cb(err);
    else call('close', [fd], cb.bind(null, err));
  }

  /** 'timeout' after `ms` without activity (0 disables); the socket stays open. */
  setTimeout(ms: number, cb?: Listener): this {
    this._tm = ms;
    if (cb) ms ? this.once('timeout', cb) : this.off('timeout', cb);
    touch(this);
    return this;
  }

  address(): { address?: string; family: string; port?: number } {
    return { address: this.localAddress, family: 'IPv4', port: this.localPort };
  }

  /** Accepted; the drivers have no such option. */
  setNoDelay(): this {
    return this;
  }

  setKeepAlive(): this {
    return this;
  }
}

/** Takes the driver socket `fd`'s callbacks; `connected`: also its addresses (a Server's accepted
 *  connections come connected). */
export function attach(s: Socket, fd: number, connected?: boolean): void {
  const k = dev().get(fd)!;
  s._fd = fd;
  k.read_cb = (data) => {
    s.bytesRead += data.length;
    touch(s);
    if (!s.push(data) && !s._p && s._fd >= 0) pauseFd(fd, (s._p = true));
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
    touch(s);
  }
}

/** Activity: restarts the idle timer. */
function touch(s: Socket): void {
  if (s._tt != null) clearTimeout(s._tt);
  s._tt = s._tm && !s.destroyed ? setTimeout(s.emit.bind(s, 'timeout'), s._tm) : null;
}

export type { NetError };

/** createConnection(options[, listener]) or (port[, host][, listener]): a connecting Socket. */
export function createConnection(a: number | string | ConnectOptions, b?: string | Listener, c?: Listener): Socket {
  return new Socket(typeof a === 'object' ? a : undefined).connect(a, b, c);
}

export const connect = createConnection;
