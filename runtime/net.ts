// The `net` module programs import. Each export lives in its own module so that a program bundles
// only what it uses (a client-only program carries no Server code).
import { isIP, isIPv4, isIPv6 } from './net/ip';
import { createServer, Server } from './net/server';
import { connect, createConnection, Socket } from './net/socket';

export { connect, createConnection, createServer, isIP, isIPv4, isIPv6, Server, Socket };
export type { ConnectOptions, NetError, SocketOptions } from './net/socket';
export type { ListenOptions, ServerOptions } from './net/server';

export default { Socket, Server, createConnection, connect, createServer, isIP, isIPv4, isIPv6 };
