// The `net` module programs import. Each export lives in its own module so that a program bundles
// only what it uses (a client-only program carries no Server code).
import { isIP, isIPv4, isIPv6 } from './net/ip';
import { createServer, Server as ServerClass } from './net/server';
import { connect, createConnection, Socket as SocketClass } from './net/socket';
import { callable } from './net/util';

/** net.Socket, also callable without `new` as in Node. */
export const Socket = /* @__PURE__ */ callable(SocketClass);
export type Socket = SocketClass;
/** Node's old name for Socket. */
export const Stream = Socket;
/** net.Server, also callable without `new` as in Node. */
export const Server = /* @__PURE__ */ callable(ServerClass);
export type Server = ServerClass;

export { connect, createConnection, createServer, isIP, isIPv4, isIPv6 };
export type { ConnectOptions, NetError, SocketOptions } from './net/socket';
export type { ListenOptions, ServerOptions } from './net/server';

export default { Socket, Stream, Server, createConnection, connect, createServer, isIP, isIPv4, isIPv6 };
