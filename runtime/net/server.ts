// net.Server: listens through the adapter; each accepted connection is a Socket on its own driver fd.
import { EventEmitter, later } from '../events';
import { call, open, sock, type NetError } from '../netdev';
import { streamError } from '../stream';
import { checkPort, Socket, type SocketOptions } from './socket';

export interface ServerOptions extends SocketOptions {
  pauseOnConnect?: boolean;
}

export interface ListenOptions {
  port?: number | string;
  host?: string;
  backlog?: number;
}

type ConnectionListener = (socket: Socket) => void;

export class Server extends EventEmitter {
  declare listening: boolean;
  declare _o: ServerOptions;
  declare _fd: number; // listening fd; -1 none, -2 closing
  declare _n: number; // open connections
  declare _closing: boolean; // close() called, 'close' not yet emitted

  constructor(o?: ServerOptions | ConnectionListener, fn?: ConnectionListener) {
    super();
    if (typeof o === 'function') fn = o;
    this._o = (typeof o === 'object' && o) || {};
    this._fd = -1;
    this._n = 0;
    this.listening = false;
    if (fn) this.on('connection', fn);
  }

  /** listen(port[, host][, backlog][, cb]) or listen({port, host}[, cb]); returns this. */
  listen(...args: any[]): this {
    const a = args[0];
    const o: ListenOptions = a !== null && typeof a === 'object' ? a : { port: a, host: typeof args[1] === 'string' ? args[1] : undefined };
    const port = checkPort(o.port || 0);
    const host = o.host || '0.0.0.0';
    const cb = args[args.length - 1];
    if (typeof cb === 'function') this.once('listening', cb);
    const fd = open();
    const fail = (e: NetError) => {
      if (typeof fd === 'number') call('close', (d, k) => d.close(fd, k), () => {});
      if (e.code === 'EADDRINUSE') e.message = 'listen EADDRINUSE: address already in use ' + host + ':' + port;
      this.emit('error', e);
    };
    if (typeof fd !== 'number') {
      later(() => fail(fd));
      return this;
    }
    sock(fd).accept_cb = (nfd) => this._accept(nfd);
    call(
      'listen',
      (d, k) => d.bind(fd, host, port, k),
      (e) => {
        if (e) return fail(e);
        call(
          'listen',
          (d, k) => d.listen(fd, k),
          (e) => {
            if (e) return fail(e);
            this._fd = fd;
            this.listening = true;
            this.emit('listening');
          },
          host,
          port,
        );
      },
      host,
      port,
    );
    return this;
  }

  _accept(fd: number): void {
    const s = new Socket(this._o);
    s._attach(fd);
    s._attach(fd, true);
    this._n++;
    // As Node: a connection stops counting when it is destroyed, before its 'close'.
    s._ondestroy = () => {
      this._n--;
      this._maybeClose();
    };
    if (this._o.pauseOnConnect) s.pause();
    this.emit('connection', s);
  }

  /** Stops accepting; 'close' (and `cb`) follow once every connection has closed. */
  close(cb?: (err?: Error) => void): this {
    if (cb) {
      const e = this.listening ? undefined : streamError('Server is not running.', 'ERR_SERVER_NOT_RUNNING');
      this.once('close', () => cb(e));
    }
    const fd = this._fd;
    this.listening = false;
    this._closing = true;
    if (fd >= 0) {
      this._fd = -2;
      call('close', (d, k) => d.close(fd, k), () => {
        this._fd = -1;
        this._maybeClose();
      });
    } else this._maybeClose();
    return this;
  }

  _maybeClose(): void {
    if (this._closing && this._fd === -1 && !this._n) {
      this._closing = false;
      later(() => this.emit('close'));
    }
  }

  address(): { address: string; family: string; port: number } | null {
    if (!this.listening) return null;
    const s = sock(this._fd);
    return { address: s.laddr, family: 'IPv4', port: s.lport };
  }

  getConnections(cb: (err: Error | null, count: number) => void): this {
    later(() => cb(null, this._n));
    return this;
  }
}

/** createServer([options][, connectionListener]) */
export function createServer(o?: ServerOptions | ConnectionListener, fn?: ConnectionListener): Server {
  return new Server(o, fn);
}
