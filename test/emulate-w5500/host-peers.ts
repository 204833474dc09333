// Host-side peers (node:net / node:dgram on 127.0.0.1) for the W5500 emulator tests.

import * as net from 'node:net';

export interface Peer {
  port: number;
  /** Connections the server accepted, in order. */
  conns: net.Socket[];
  close(): Promise<void>;
}

/** A TCP server on 127.0.0.1 with an ephemeral port. */
export async function tcpServer(onConnection: (conn: net.Socket) => void, allowHalfOpen = false): Promise<Peer> {
  const conns: net.Socket[] = [];
  const server = net.createServer({ allowHalfOpen }, (conn) => {
    conns.push(conn);
    conn.on('error', () => {});
    onConnection(conn);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    conns,
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of conns) c.destroy();
        server.close(() => resolve());
      }),
  };
}

export const echo = (conn: net.Socket): void => {
  conn.pipe(conn);
};

/** A port on 127.0.0.1 where nothing listens (bound once, then released). */
export async function freePort(): Promise<number> {
  const peer = await tcpServer(() => {});
  await peer.close();
  return peer.port;
}

/** A host client connection that records what it receives and how it ended. */
export interface Client {
  socket: net.Socket;
  received: () => Buffer;
  ended: Promise<'end' | 'close' | string>;
  connected: Promise<void>;
}

export function tcpClient(port: number, host = '127.0.0.1'): Client {
  const socket = net.connect({ port, host, allowHalfOpen: true });
  const chunks: Buffer[] = [];
  socket.on('data', (d: Buffer) => chunks.push(d));
  const ended = new Promise<string>((resolve) => {
    socket.on('end', () => resolve('end'));
    socket.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
    socket.on('close', () => resolve('close'));
  });
  const connected = new Promise<void>((resolve) => socket.on('connect', () => resolve()));
  return { socket, received: () => Buffer.concat(chunks), ended, connected };
}

export function bytes(length: number, seed = 0): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = (i * 7 + seed) & 0xff;
  return out;
}
