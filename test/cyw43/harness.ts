// Shared pieces of the CYW43 tests: a trivial realm, an emulated Pico W booted like the board
// script does, and small host-side helpers (free ports, echo servers, waiting).

import net from 'node:net';
import type { Realm } from '../../cli/emulate/devices';
import { bootPicoW, createPicoCyw43Module, Cyw43Air, type Cyw43AirOptions } from '../../cli/emulate/cyw43';

export const AP = { ssid: 'test-ap', password: 'secret-pass' };
export const FAST = { associateMs: 0, failMs: 0, scanMs: 0, resetMs: 0, dnsTimeoutMs: 0 };

/** Realm of the test process itself; counts callbacks and records any error one leaks. */
export function trivialRealm(): Realm & { callbacks: number; leaked: unknown[] } {
  const realm = {
    callbacks: 0,
    leaked: [] as unknown[],
    bytes: (b: Uint8Array | ArrayLike<number>) => Uint8Array.from(b),
    callback(fn: () => void) {
      realm.callbacks++;
      try {
        fn();
      } catch (e) {
        realm.leaked.push(e);
      }
    },
  };
  return realm;
}

export type AnyDev = Record<string, any>;

export interface EmulatedBoard {
  air: Cyw43Air;
  realm: ReturnType<typeof trivialRealm>;
  wifi: AnyDev;
  netdev: AnyDev;
  global: Record<string, unknown>;
}

/** A freshly booted emulated Pico W (not yet on Wi-Fi). */
export function emulatedBoard(options: Cyw43AirOptions = {}): EmulatedBoard {
  const air = new Cyw43Air({ networks: [AP], timing: FAST, ...options });
  const realm = trivialRealm();
  const global: Record<string, unknown> = {};
  bootPicoW(global, createPicoCyw43Module(realm, air));
  return { air, realm, wifi: global.__ieee80211dev as AnyDev, netdev: global.__netdev as AnyDev, global };
}

export function joinWifi(wifi: AnyDev): void {
  wifi.connect({ ssid: AP.ssid, password: AP.password }, () => {});
  if (wifi.errno !== 0) throw new Error('test AP join failed');
}

export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface HostServer {
  port: number;
  sockets: net.Socket[];
  close(): Promise<void>;
}

/** A host TCP server on the loopback; `onSocket` defaults to echoing until the peer ends. */
export async function hostServer(onSocket?: (s: net.Socket) => void): Promise<HostServer> {
  const sockets: net.Socket[] = [];
  const server = net.createServer({ allowHalfOpen: true }, (s) => {
    sockets.push(s);
    s.on('error', () => {});
    if (onSocket) onSocket(s);
    else {
      s.on('data', (d) => s.write(d));
      s.on('end', () => s.end());
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    sockets,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export async function waitFor(what: string, cond: () => boolean, timeoutMs = 3000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

/** A host client on the loopback that records what it receives. */
export function hostClient(port: number): { socket: net.Socket; received: () => string; ended: () => boolean } {
  const socket = net.connect({ host: '127.0.0.1', port, allowHalfOpen: true });
  const chunks: Buffer[] = [];
  let ended = false;
  socket.on('data', (d) => chunks.push(d));
  socket.on('end', () => (ended = true));
  socket.on('error', () => {});
  return { socket, received: () => Buffer.concat(chunks).toString('latin1'), ended: () => ended };
}

export function busyWait(ms: number): void {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    // the board's JS is running: nothing else may happen
  }
}
