// net.Server: listens through the adapter; each accepted connection is a Socket on its own driver fd.
// Callbacks that need no closure are bound functions: on the board a bound function has no byte code.
import { EventEmitter } from '../events';
import { call, open, type NetError } from '../netdev';
import { E, err, kind, toPort } from './errors';
import { attach, Socket, type SocketOptions } from './socket';
import { later } from './util';

export interface ServerOptions extends SocketOptions {
  pauseOnConnect?: boolean;
}

export interface ListenOptions {
  port?: number | string | null;
  host?: string;
  backlog?: number;
}

type ConnectionListener = (socket: Socket) => void;

class ServerClass extends EventEmitter {
  declare listening: boolean;
  /** Connections beyond this many are closed at once (Node's maxConnections). */
  declare maxConnections?: number;
  declare _o: ServerOptions;
  declare _fd: number; // listening fd (also while it binds); -1 none
  declare _n: number; // open connections
  declare _closing: boolean; // close() called, 'close' not yet emitted

  constructor(o?: ServerOptions | ConnectionListener, fn?: ConnectionListener) {
    super();
    if (typeof o === 'function') fn = o;
    else if (o != null && typeof o !== 'object') throw err(E.ArgType, 'options', 'object', kind(o));
    this._o = (typeof o === 'object' && o) || {};
    this._fd = -1;
    this._n = 0;
    this.listening = false;
    if (fn) this.on('connection', fn);
  }

  /** listen([port[, host[, backlog]]][, cb]) or listen(options[, cb]), validated as Node does; returns
   *  this. Node binds at once; the drivers bind asynchronously, so until 'listening' address()
   *  reports what the driver knows (port 0 for an arbitrary port). */
  listen(...args: any[]): this {
    const a = args[0];
    const o: ListenOptions = a !== null && typeof a === 'object' ? a : { port: a, host: typeof args[1] === 'string' ? args[1] : undefined };
    let port = o.port;
    if (this._fd >= 0) throw err(E.AlreadyListen);
    if (!args.length || typeof a === 'function' || port === null || (port === undefined && 'port' in o)) port = 0;
    if (typeof port !== 'number' && typeof port !== 'string') throw err(E.ArgValue, 'options', 'port' in o || 'path' in o ? 'is invalid' : 'must have the property "port" or "path"', JSON.stringify(o));
    port = toPort(port, 'options.port');
    const host = o.host || '0.0.0.0';
    const cb = args[args.length - 1];
    if (typeof cb === 'function') this.once('listening', cb);
    const fd = open();
    const fail = (e: NetError) => {
      // close() came first: it closed the fd, and there is nothing to report.
      if (this._fd !== fd) return;
      this._fd = -1;
      call('close', [fd]);
      if (e.code === 'EADDRINUSE') e.message = 'listen EADDRINUSE: address already in use ' + host + ':' + port;
      this.emit('error', e);
    };
    if (typeof fd !== 'number') {
      later(this.emit.bind(this, 'error', fd));
      return this;
    }
    this._fd = fd;
    (global as any).__netdev.get(fd).accept_cb = accept.bind(null, this);
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
                if (this._fd !== fd) return;
                this.listening = true;
                this.emit('listening');
              },
              host,
              port as number,
            ),
      host,
      port,
    );
    return this;
  }

  /** Stops accepting; 'close' (and `cb`) follow once every connection has closed. */
  close(cb?: (err?: Error) => void): this {
    const fd = this._fd;
    if (typeof cb === 'function') this.once('close', cb.bind(null, fd < 0 ? err(E.NotRunning) : undefined));
    this.listening = false;
    this._closing = true;
    this._fd = -1;
    if (fd >= 0) call('close', [fd], maybeClose.bind(null, this, false));
    else maybeClose(this);
    return this;
  }

  // address and getConnections: see below the class.
  declare address: () => { address: string; family: string; port: number } | null;
  declare getConnections: (cb: (err: Error | null, count: number) => void) => this;
}

export type Server = ServerClass;
/** Server, with the members the runtime never calls where the program may use them (cli/bundle/
 *  features.ts OPTIONAL_MEMBERS), installed in a pure call as Duplex's (../stream). */
export const Server = /* @__PURE__ */ (function (C: typeof ServerClass): typeof ServerClass {
  if (globalThis.KN_M_address !== false)
    C.prototype.address = function () {
      if (this._fd < 0) return null;
      const s = (global as any).__netdev.get(this._fd);
      return { address: s.laddr, family: 'IPv4', port: s.lport };
    };

  if (globalThis.KN_M_getConnections !== false)
    C.prototype.getConnections = function (cb) {
      later(cb, null, this._n);
      return this;
    };
  return C;
})(ServerClass);

function accept(server: Server, fd: number): void {
  if (server._n >= server.maxConnections!) return call('close', [fd]);
  const s = new Socket(server._o);
  attach(s, fd, true);
  server._n++;
  // As Node: a connection stops counting when it is destroyed, before its 'close'.
  s._ondestroy = maybeClose.bind(null, server, true);
  if (server._o.pauseOnConnect) s.pause();
  server.emit('connection', s);
}

/** 'close' once close() was called, its fd closed and no connection is left (`dropped`: one
 *  connection less). */
function maybeClose(server: Server, dropped?: boolean): void {
  if (dropped) server._n--;
  if (server._closing && !server._n) {
    server._closing = false;
    later(server.emit.bind(server, 'close'));
  }
}

/** createServer([options][, connectionListener]) */
export function createServer(o?: ServerOptions | ConnectionListener, fn?: ConnectionListener): Server {
  return new Server(o, fn);
}
