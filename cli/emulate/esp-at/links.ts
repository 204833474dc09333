// The modem's TCP side on real host sockets: links 0..4, the one server, +IPD delivery (active
// mode), per-link buffers (passive mode) and the CIPSTO idle timer of server-side links.

import net from 'node:net';
import type { ModemCore } from './core';

export const LINK_COUNT = 5;
/** One TCP segment: the largest +IPD record the ESP8266 emits. */
const IPD_MAX = 1460;
/** Passive-mode receive window per link (ESP8266); beyond it the peer is flow-controlled. */
const PASSIVE_WINDOW = 5760;

function discard(socket: net.Socket): void {
  socket.removeAllListeners();
  socket.on('error', () => {});
  socket.destroy();
}

export class Link {
  /** 'peer-closed': the peer is gone but passive-mode data is still buffered. */
  state: 'connecting' | 'open' | 'peer-closed' = 'connecting';
  raddr = '';
  rport = 0;
  lport = 0;
  rx: Buffer[] = [];
  rxLen = 0;
  /** A passive-mode notice was sent and the host has not read since. */
  notified = false;
  /** `<id>,CLOSED` already went out while data stayed buffered (NonOS). */
  closedReported = false;
  idleTimer: NodeJS.Timeout | null = null;

  constructor(
    readonly id: number,
    readonly socket: net.Socket,
    /** Accepted by our server (tetype 1), rather than opened by CIPSTART. */
    readonly fromServer: boolean,
  ) {}
}

export class LinkTable {
  readonly slots: (Link | null)[] = new Array<Link | null>(LINK_COUNT).fill(null);
  private listener: { port: number; server: net.Server } | null = null;

  constructor(private readonly m: ModemCore) {}

  get(id: number): Link | null {
    return this.slots[id] ?? null;
  }

  /** Open for sending: connected and the peer still there. */
  connected(id: number): Link | null {
    const link = this.get(id);
    return link && link.state === 'open' ? link : null;
  }

  lowestFree(): number {
    return this.slots.findIndex((l) => l === null);
  }

  inUse(): Link[] {
    return this.slots.filter((l): l is Link => l !== null);
  }

  get serverPort(): number | null {
    return this.listener ? this.listener.port : null;
  }

  /** The host address our server listens on (after mapping through options.hostPort). */
  hostAddress(): net.AddressInfo | null {
    const address = this.listener?.server.address();
    return address && typeof address === 'object' ? address : null;
  }

  // ---- client links (CIPSTART) ----

  /** Connects link `id`; emits the CONNECT URC the moment the connection is up. */
  async connect(id: number, ip: string, port: number): Promise<boolean> {
    const socket = net.connect({ host: ip, port });
    const link = new Link(id, socket, false);
    this.slots[id] = link;
    const ok = await new Promise<boolean>((resolve) => {
      const timer = this.m.after(this.m.o.timing.connectTimeoutMs, () => resolve(false));
      socket.once('connect', () => {
        this.m.cancel(timer);
        resolve(true);
      });
      socket.once('error', () => {
        this.m.cancel(timer);
        resolve(false);
      });
    });
    if (this.slots[id] !== link) return false;
    if (!ok) {
      this.slots[id] = null;
      discard(socket);
      return false;
    }
    this.open(link, socket.remotePort ?? port, socket.localPort ?? 0);
    return true;
  }

  private open(link: Link, rport: number, lport: number): void {
    const socket = link.socket;
    link.state = 'open';
    link.raddr = (socket.remoteAddress ?? '').replace(/^::ffff:/, '');
    link.rport = rport;
    link.lport = lport;
    socket.setNoDelay(true);
    socket.on('data', (data: Buffer) => this.onData(link, data));
    socket.on('error', () => {});
    socket.on('close', () => this.onPeerClose(link));
    this.m.s.hadLinks = true;
    this.m.linkUrc(link.id, 'CONNECT');
    if (link.fromServer) this.touch(link);
  }

  // ---- the server (CIPSERVER) ----

  async listen(port: number): Promise<boolean> {
    const server = net.createServer();
    const listener = { port, server };
    this.listener = listener;
    const ok = await new Promise<boolean>((resolve) => {
      server.once('error', () => resolve(false));
      server.listen({ host: this.m.o.stationIp, port: this.m.o.hostPort(port), exclusive: true }, () => resolve(true));
    });
    if (this.listener !== listener) return false;
    if (!ok) {
      this.listener = null;
      server.close();
      return false;
    }
    server.on('connection', (socket) => this.accept(socket));
    return true;
  }

  unlisten(): void {
    this.listener?.server.close();
    this.listener = null;
  }

  private accept(socket: net.Socket): void {
    const id = this.lowestFree();
    const clients = this.inUse().filter((l) => l.fromServer).length;
    if (!this.listener || this.m.s.wifi !== 'connected' || id < 0 || clients >= this.m.s.maxConn) {
      discard(socket);
      return;
    }
    const link = new Link(id, socket, true);
    this.slots[id] = link;
    this.open(link, socket.remotePort ?? 0, this.listener.port);
  }

  /** Restarts the CIPSTO idle timer of a server-side link (only traffic from the client counts). */
  touch(link: Link): void {
    this.m.cancel(link.idleTimer);
    link.idleTimer = null;
    if (!link.fromServer || this.m.s.cipsto === 0 || link.state !== 'open') return;
    link.idleTimer = this.m.after(this.m.s.cipsto * this.m.o.timing.secondMs, () => {
      link.idleTimer = null;
      if (this.slots[link.id] !== link) return;
      this.close(link.id);
      this.m.linkUrc(link.id, 'CLOSED');
    });
  }

  touchAll(): void {
    for (const link of this.inUse()) this.touch(link);
  }

  // ---- data ----

  send(link: Link, data: Uint8Array): Promise<boolean> {
    const socket = link.socket;
    if (link.state !== 'open' || socket.destroyed) return Promise.resolve(false);
    return new Promise((resolve) => {
      const onClose = () => resolve(false);
      socket.once('close', onClose);
      socket.write(data, (err) => {
        socket.off('close', onClose);
        resolve(!err);
      });
    });
  }

  private onData(link: Link, data: Buffer): void {
    if (this.slots[link.id] !== link) return;
    this.touch(link);
    if (this.m.s.recvMode === 0) {
      this.emitIpd(link, data);
      return;
    }
    link.rx.push(Buffer.from(data));
    link.rxLen += data.length;
    if (link.rxLen >= PASSIVE_WINDOW) link.socket.pause();
    if (!link.notified) {
      link.notified = true;
      this.m.raw(`\r\n${this.m.s.mux ? `+IPD,${link.id}` : '+IPD'},${link.rxLen}\r\n`);
    }
  }

  private emitIpd(link: Link, data: Uint8Array): void {
    for (let off = 0; off < data.length; ) {
      const max = this.m.o.chunking === 'random' ? this.m.rng.int(1, IPD_MAX) : IPD_MAX;
      const part = data.subarray(off, off + max);
      let header = this.m.s.mux ? `+IPD,${link.id},${part.length}` : `+IPD,${part.length}`;
      if (this.m.s.dinfo) header += this.m.nonos ? `,${link.raddr},${link.rport}` : `,"${link.raddr}",${link.rport}`;
      this.m.raw(`\r\n${header}:`);
      this.m.raw(part);
      off += part.length;
    }
  }

  /** Passive mode: takes up to `max` buffered bytes. */
  read(link: Link, max: number): Buffer {
    const out = Buffer.alloc(Math.min(max, link.rxLen));
    let filled = 0;
    while (filled < out.length) {
      const head = link.rx[0];
      const n = Math.min(head.length, out.length - filled);
      head.copy(out, filled, 0, n);
      filled += n;
      if (n === head.length) link.rx.shift();
      else link.rx[0] = head.subarray(n);
    }
    link.rxLen -= out.length;
    link.notified = false;
    if (link.state === 'open' && link.rxLen < PASSIVE_WINDOW) link.socket.resume();
    return out;
  }

  /** A peer-closed link whose buffer is now empty is freed; reports CLOSED if not done yet. */
  releaseIfDrained(link: Link): void {
    if (link.state !== 'peer-closed' || link.rxLen > 0 || this.slots[link.id] !== link) return;
    this.slots[link.id] = null;
    if (!link.closedReported) this.m.linkUrc(link.id, 'CLOSED');
  }

  /** Back to active mode: buffered data goes out as +IPD. */
  flushPassive(): void {
    for (const link of this.inUse()) {
      if (link.rxLen === 0) continue;
      const data = this.read(link, link.rxLen);
      this.emitIpd(link, data);
      this.releaseIfDrained(link);
    }
  }

  private onPeerClose(link: Link): void {
    if (this.slots[link.id] !== link) return;
    this.m.cancel(link.idleTimer);
    link.idleTimer = null;
    if (link.rxLen > 0) {
      // Passive mode: the data stays readable. ESP-AT reports CLOSED once it is drained.
      link.state = 'peer-closed';
      if (this.m.nonos) {
        link.closedReported = true;
        this.m.linkUrc(link.id, 'CLOSED');
      }
      return;
    }
    this.slots[link.id] = null;
    this.m.linkUrc(link.id, 'CLOSED');
  }

  // ---- closing ----

  /** Our side closes (CIPCLOSE, CIPSTO): FIN after pending data, slot freed at once.
   *  Returns false if CLOSED was already reported for this link. */
  close(id: number): boolean {
    const link = this.slots[id];
    if (!link) return false;
    this.slots[id] = null;
    this.m.cancel(link.idleTimer);
    const socket = link.socket;
    socket.removeAllListeners('data');
    socket.removeAllListeners('close');
    socket.on('error', () => {});
    socket.end(() => socket.destroy());
    return !link.closedReported;
  }

  /** The peer vanishes (fault injection): its socket is reset; CLOSED follows as for a peer close. */
  drop(id: number): boolean {
    const link = this.slots[id];
    if (!link || link.state !== 'open') return false;
    link.socket.resetAndDestroy();
    return true;
  }

  /** Wi-Fi lost: every link closes with a CLOSED report. */
  closeAll(): void {
    for (const link of this.inUse()) {
      if (this.close(link.id)) this.m.linkUrc(link.id, 'CLOSED');
    }
  }

  /** Modem reset or power-off: everything vanishes without a word. */
  reset(): void {
    for (const link of this.inUse()) {
      this.m.cancel(link.idleTimer);
      discard(link.socket);
    }
    this.slots.fill(null);
    this.unlisten();
  }
}
