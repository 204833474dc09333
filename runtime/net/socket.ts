// net.Socket over the netdev contract, reached only through the adapter (../netdev).
import { call, netError, open, pauseFd, sock, type NetError } from '../netdev';
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

const EPIPE = 32;

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

  /** Bytes accepted by write() so far. */
  get bytesWritten(): number {
    return this._wt;
  }

  get readyState(): string {
    if (this.connecting) return 'opening';
    if (this.readable) return this.writable ? 'open' : 'readOnly';
    return this.writable ? 'writeOnly' : 'closed';
  }

  /** connect(options[, listener]) or connect(port[, host][, listener]); returns this. */
  connect(a: number | string | ConnectOptions, b?: string | Listener, c?: Listener): this {
    const o: ConnectOptions = typeof a === 'object' ? a : { port: a, host: typeof b === 'string' ? b : undefined };
    const port = checkPort(o.port);
    const host = o.host || 'localhost';
    const cb = typeof b === 'function' ? b : c;
    const fd = open();
    if (cb) this.once('connect', cb);
    if (o.timeout) this.setTimeout(o.timeout);
    this.connecting = true;
    if (typeof fd !== 'number') return this.destroy(fd);
    this._attach(fd);
    call(
      'connect',
      (d, k) => d.connect(fd, host, port, k),
      (e) => {
        if (e) return void this.destroy(e);
        this.connecting = false;
        this._attach(fd, true);
        this.emit('connect');
        this.emit('ready');
      },
      host,
      port,
    );
    return this;
  }

  /** Takes the driver socket `fd` (Server uses it for accepted connections, `connected` true). */
  _attach(fd: number, connected?: boolean): void {
    const s = sock(fd);
    this._fd = fd;
    if (connected) {
      this.remoteAddress = s.raddr;
      this.remotePort = s.rport;
      this.localAddress = s.laddr;
      this.localPort = s.lport;
      this._touch();
      return;
    }
    s.read_cb = (data) => {
      this.bytesRead += data.length;
      this._touch();
      if (!this.push(data)) this._pause(true);
    };
    s.shutdown_cb = () => this.push(null);
    s.close_cb = () => {
      this._gone = true;
      this.push(null);
    };
    s.error_cb = (errno) => this.destroy(netError(errno, 'read'));
  }

  _pause(p: boolean): void {
    if (this._fd >= 0 && !this._p !== !p) pauseFd(this._fd, (this._p = p));
  }

  _read(): void {
    this._pause(false);
  }

  _write(data: Uint8Array, enc: string, cb: Callback): void {
    if (this.connecting) return void this.once('connect', () => this._write(data, enc, cb));
    if (this._gone) return cb(netError(EPIPE, 'write'));
    this._touch();
    call(
      'write',
      (d, k) => d.write(this._fd, data, k),
      (e) => {
        this._touch();
        cb(e);
      },
    );
  }

  _final(cb: Callback): void {
    if (this.connecting) return void this.once('connect', () => this._final(cb));
    if (this._gone || this._fd < 0) return cb();
    call('shutdown', (d, k) => d.shutdown(this._fd, 1, k), () => cb());
  }

  _destroy(err: Error | null, cb: Callback): void {
    const fd = this._fd;
    this.connecting = false;
    this._fd = -1;
    this.setTimeout(0);
    if (this._ondestroy) this._ondestroy();
    if (fd < 0) return cb(err);
    call('close', (d, k) => d.close(fd, k), () => cb(err));
  }

  /** 'timeout' after `ms` without activity (0 disables); the socket stays open. */
  setTimeout(ms: number, cb?: Listener): this {
    this._tm = ms;
    if (cb) ms ? this.once('timeout', cb) : this.off('timeout', cb);
    this._touch();
    return this;
  }

  _touch(): void {
    if (this._tt != null) clearTimeout(this._tt);
    this._tt = this._tm && !this.destroyed ? setTimeout(() => this.emit('timeout'), this._tm) : null;
  }

  address(): { address?: string; family: string; port?: number } {
    return { address: this.localAddress, family: 'IPv4', port: this.localPort };
  }

  setNoDelay(): this {
    return this;
  }

  setKeepAlive(): this {
    return this;
  }
}

export type { NetError };

/** createConnection(options[, listener]) or (port[, host][, listener]): a connecting Socket. */
export function createConnection(a: number | string | ConnectOptions, b?: string | Listener, c?: Listener): Socket {
  return new Socket(typeof a === 'object' ? a : undefined).connect(a, b, c);
}

export const connect = createConnection;
