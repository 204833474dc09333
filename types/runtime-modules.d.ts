// kaluma-net's board-side runtime modules (runtime/events.ts, runtime/stream.ts, runtime/net.ts).

declare module 'events' {
  type Listener = (...args: any[]) => void;
  export class EventEmitter {
    on(event: string, listener: Listener): this;
    addListener(event: string, listener: Listener): this;
    prependListener(event: string, listener: Listener): this;
    once(event: string, listener: Listener): this;
    off(event: string, listener: Listener): this;
    removeListener(event: string, listener: Listener): this;
    removeAllListeners(event?: string): this;
    emit(event: string, ...args: any[]): boolean;
    listeners(event: string): Listener[];
    listenerCount(event: string): number;
  }
  export default EventEmitter;
}

declare module 'stream' {
  import { EventEmitter } from 'events';
  export type Chunk = Uint8Array | string;
  export interface ReadableOptions {
    highWaterMark?: number;
  }
  export interface WritableOptions {
    highWaterMark?: number;
  }
  export interface DuplexOptions extends ReadableOptions, WritableOptions {
    allowHalfOpen?: boolean;
    readableHighWaterMark?: number;
    writableHighWaterMark?: number;
  }
  export class Readable extends EventEmitter {
    constructor(options?: ReadableOptions);
    readonly readable: boolean;
    readonly readableEnded: boolean;
    readonly readableFlowing: boolean | null;
    readonly destroyed: boolean;
    push(chunk: Chunk | null): boolean;
    pause(): this;
    resume(): this;
    isPaused(): boolean;
    setEncoding(encoding: 'utf8' | 'utf-8'): this;
    pipe<T extends Writable>(destination: T, options?: { end?: boolean }): T;
    unpipe(destination?: Writable): this;
    destroy(error?: Error): this;
  }
  export class Writable extends EventEmitter {
    constructor(options?: WritableOptions);
    readonly writable: boolean;
    readonly writableEnded: boolean;
    readonly writableFinished: boolean;
    readonly writableLength: number;
    readonly writableHighWaterMark: number;
    readonly writableNeedDrain: boolean;
    readonly destroyed: boolean;
    write(chunk: Chunk, callback?: (error?: Error | null) => void): boolean;
    write(chunk: Chunk, encoding: 'utf8' | 'utf-8', callback?: (error?: Error | null) => void): boolean;
    end(callback?: () => void): this;
    end(chunk: Chunk, callback?: () => void): this;
    end(chunk: Chunk, encoding: 'utf8' | 'utf-8', callback?: () => void): this;
    destroy(error?: Error): this;
  }
  export class Duplex extends Readable {
    constructor(options?: DuplexOptions);
    allowHalfOpen: boolean;
  }
  // A Duplex is also a Writable: the interface merges Writable's members into the class.
  export interface Duplex extends Omit<Writable, keyof Readable> {}
}

declare module 'net' {
  import { EventEmitter } from 'events';
  import { Duplex, DuplexOptions } from 'stream';

  /** Errors carry Node's `code` (ECONNREFUSED, ETIMEDOUT, EADDRINUSE, ENOTFOUND, ...) and `errno`. */
  export interface NetError extends Error {
    code: string;
    errno: number;
    syscall?: string;
    address?: string;
    port?: number;
  }
  export interface AddressInfo {
    address: string;
    family: string;
    port: number;
  }
  export interface ConnectOptions {
    host?: string;
    port: number;
  }
  export interface SocketOptions extends DuplexOptions {}
  export interface ListenOptions {
    port?: number;
    host?: string;
    backlog?: number;
  }
  export interface ServerOptions {
    allowHalfOpen?: boolean;
    pauseOnConnect?: boolean;
  }

  export class Socket extends Duplex {
    constructor(options?: SocketOptions);
    connect(options: ConnectOptions, connectListener?: () => void): this;
    connect(port: number, host?: string, connectListener?: () => void): this;
    connect(port: number, connectListener?: () => void): this;
    setTimeout(timeout: number, callback?: () => void): this;
    setNoDelay(noDelay?: boolean): this;
    setKeepAlive(enable?: boolean, initialDelay?: number): this;
    address(): AddressInfo | {};
    readonly bytesRead: number;
    readonly bytesWritten: number;
    readonly connecting: boolean;
    readonly pending: boolean;
    readonly readyState: 'opening' | 'open' | 'readOnly' | 'writeOnly' | 'closed';
    readonly localAddress?: string;
    readonly localPort?: number;
    readonly remoteAddress?: string;
    readonly remotePort?: number;
    readonly remoteFamily?: string;
    readonly timeout?: number;
    on(event: 'connect' | 'ready' | 'end' | 'finish' | 'drain' | 'timeout', listener: () => void): this;
    on(event: 'data', listener: (data: any) => void): this;
    on(event: 'error', listener: (err: NetError) => void): this;
    on(event: 'close', listener: (hadError: boolean) => void): this;
    on(event: string, listener: (...args: any[]) => void): this;
    once(event: 'connect' | 'ready' | 'end' | 'finish' | 'drain' | 'timeout', listener: () => void): this;
    once(event: 'data', listener: (data: any) => void): this;
    once(event: 'error', listener: (err: NetError) => void): this;
    once(event: 'close', listener: (hadError: boolean) => void): this;
    once(event: string, listener: (...args: any[]) => void): this;
  }

  export class Server extends EventEmitter {
    constructor(connectionListener?: (socket: Socket) => void);
    constructor(options?: ServerOptions, connectionListener?: (socket: Socket) => void);
    listen(port?: number, host?: string, backlog?: number, callback?: () => void): this;
    listen(port?: number, host?: string, callback?: () => void): this;
    listen(port?: number, callback?: () => void): this;
    listen(options: ListenOptions, callback?: () => void): this;
    close(callback?: (err?: Error) => void): this;
    address(): AddressInfo | null;
    readonly listening: boolean;
    on(event: 'listening' | 'close', listener: () => void): this;
    on(event: 'connection', listener: (socket: Socket) => void): this;
    on(event: 'error', listener: (err: NetError) => void): this;
    on(event: string, listener: (...args: any[]) => void): this;
  }

  export function createConnection(options: ConnectOptions, connectListener?: () => void): Socket;
  export function createConnection(port: number, host?: string, connectListener?: () => void): Socket;
  export function createConnection(port: number, connectListener?: () => void): Socket;
  export const connect: typeof createConnection;
  export function createServer(connectionListener?: (socket: Socket) => void): Server;
  export function createServer(options?: ServerOptions, connectionListener?: (socket: Socket) => void): Server;
  export function isIP(input: string): 0 | 4 | 6;
  export function isIPv4(input: string): boolean;
  export function isIPv6(input: string): boolean;

  const net: {
    Socket: typeof Socket;
    Server: typeof Server;
    createConnection: typeof createConnection;
    connect: typeof createConnection;
    createServer: typeof createServer;
    isIP: typeof isIP;
    isIPv4: typeof isIPv4;
    isIPv6: typeof isIPv6;
  };
  export default net;
}

declare module 'node:net' {
  export * from 'net';
  export { default } from 'net';
}
declare module 'node:events' {
  export * from 'events';
  export { default } from 'events';
}
declare module 'node:stream' {
  export * from 'stream';
}
