// net.Server: listens through the adapter; each accepted connection is a Socket on its own driver fd.
// Callbacks that need no closure are bound functions: on the board a bound function has no byte code.
import { EventEmitter } from '../events';
import { call, dev, open, type NetError } from '../netdev';
import { attach, checkPort, Socket, type SocketOptions } from './socket';
import { codedError, later } from './util';

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
      if (typeof fd === 'number') call('close', [fd]);
      if (e.code === 'EADDRINUSE') e.message = 'listen EADDRINUSE: address already in use ' + host + ':' + port;
      this.emit('error', e);
    };
    if (typeof fd !== 'number') {
      later(fail, fd);
      return this;
    }
    dev().get(fd)!.accept_cb = accept.bind(null, this);
    call(
      'bind',
      [fd, host, port],
      (e) =>
        e
          ? fail(e)
          : call(
              'listen',
              [fd],
              (e) => {
                if (e) return fail(e);
                this._fd = fd;
                this.listening = true;
                this.emit('listening');
              },
              host,
              port,
            ),
      host,
      port,
    );
    return this;
  }

  /** Stops accepting; 'close' (and `cb`) follow once every connection has closed. */
  close(cb?: (err?: Error) => void): this {
    if (cb) this.once('close', cb.bind(null, this.listening ? undefined : codedError('Server is not running.', 'ERR_SERVER_NOT_RUNNING')));
    const fd = this._fd;
    this.listening = false;
    this._closing = true;
    if (fd >= 0) {
      this._fd = -2;
      call('close', [fd], () => {
        this._fd = -1;
        maybeClose(this);
      });
    } else maybeClose(this);
    return this;
  }

  address(): { address: string; family: string; port: number } | null {
    if (!this.listening) return null;
    const s = dev().get(this._fd)!;
    return { address: s.laddr, family: 'IPv4', port: s.lport };
  }

  getConnections(cb: (err: Error | null, count: number) => void): this {
    later(cb, null, this._n);
    return this;
  }
}

function accept(server: Server, fd: number): void {
  const s = new Socket(server._o);
  attach(s, fd, true);
  server._n++;
  // As Node: a connection stops counting when it is destroyed, before its 'close'.
  s._ondestroy = maybeClose.bind(null, server, true);
  if (server._o.pauseOnConnect) s.pause();
  server.emit('connection', s);
}

/** 'close' once close() was called, the listening fd is closed and no connection is left
 *  (`dropped`: one connection less). */
function maybeClose(server: Server, dropped?: boolean): void {
  if (dropped) server._n--;
  if (server._closing && server._fd === -1 && !server._n) {
    server._closing = false;
    later(server.emit.bind(server, 'close'));
  }
}

/** createServer([options][, connectionListener]) */
export function createServer(o?: ServerOptions | ConnectionListener, fn?: ConnectionListener): Server {
  return new Server(o, fn);
}
