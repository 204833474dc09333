// The state one `pico_cyw43` module instance shares between its classes, as the firmware keeps it
// in C globals: radio initialised or not, link up or not, the 16-entry socket table, and the
// lwIP poll loop that delivers network events to the board between its JS callbacks.

import type net from 'node:net';
import type { Realm } from '../devices';
import type { AirChip, Cyw43Air } from './air';
import { TcpListener, TcpPcb } from './tcp';

export const MAX_SOCKETS = 16;

export const SOCK_CLOSED = 0;
export const SOCK_BOUND = 1;
export const SOCK_CONNECTED = 2;
export const SOCK_LISTENING = 3;

/** The object `get(fd)` returns; the board assigns its callback slots on it. */
export interface SocketObject {
  fd: number;
  ptcl: 'STREAM' | 'DGRAM';
  state: number;
  laddr: string;
  lport: number;
  raddr: string;
  rport: number;
  [slot: string]: unknown;
}

export interface Slot {
  fd: number;
  ptcl: 'STREAM' | 'DGRAM';
  state: number;
  /** For an accepted connection: the listening socket's fd, where its received bytes go. */
  serverFd: number;
  obj: SocketObject;
  /** The connection (client or accepted). */
  pcb: TcpPcb | null;
  /** The bound/listening server pcb. */
  listener: TcpListener | null;
}

export class Chip implements AirChip {
  initialised = false;
  linkUp = false;
  /** Set by every Wi-Fi connect (even a failed one); reported by get_connection. */
  currentSsid = '';
  currentBssid = '';
  readonly gpio = [false, false, false];
  readonly slots: (Slot | null)[] = new Array<Slot | null>(MAX_SOCKETS).fill(null);
  private readonly pcbs = new Set<TcpPcb>();
  /** Use-after-free of lwIP pcbs the board's program caused (see hazard()). */
  readonly hazards: string[] = [];

  constructor(
    readonly realm: Realm,
    readonly air: Cyw43Air,
  ) {
    air.attach(this);
  }

  /** cyw43_arch_init + STA mode, when the radio is off. */
  init(): void {
    this.initialised = true;
  }

  /** km_cyw43_deinit: every socket is dropped without a callback, the radio goes off. */
  deinit(): void {
    for (const slot of this.slots) {
      if (slot?.pcb?.freed) this.hazard(`Wi-Fi de-init (reset) closes socket ${slot.fd}, whose pcb lwIP already freed (refused or reset): on the board this tcp_closes freed memory`);
    }
    this.dropAllSockets();
    this.initialised = false;
    this.linkUp = false;
  }

  /** The Network constructor forgets the socket table (the firmware leaks what was open; here
   *  its host sockets are closed so nothing outlives the emulation). */
  forgetSockets(): void {
    this.dropAllSockets();
  }

  /** The link going down does not touch lwIP's connections: they stall (nothing in or out)
   *  and go on when it comes back, unless the peer gave up meanwhile. */
  setLink(up: boolean): void {
    if (this.linkUp === up) return;
    this.linkUp = up;
    for (const pcb of this.pcbs) pcb.setLink(up);
    for (const slot of this.slots) {
      if (up) slot?.listener?.linkUp();
      else slot?.listener?.linkDown();
    }
  }

  destroy(): void {
    this.deinit();
  }

  /** km_get_socket_fd: the lowest free entry, or -1 when all 16 are taken. */
  allocFd(): number {
    return this.slots.indexOf(null);
  }

  /** The live entry for an fd argument (int8_t in the firmware), or null. */
  slot(fd: number): Slot | null {
    const i = Math.trunc(fd);
    return i >= 0 && i < MAX_SOCKETS ? this.slots[i] : null;
  }

  connectPcb(ip: string, port: number): TcpPcb {
    return this.track(TcpPcb.connect(ip, port, this.post, this.forget, this.linkUp));
  }

  acceptedPcb(socket: net.Socket): TcpPcb {
    return this.track(TcpPcb.accepted(socket, this.post, this.forget, this.linkUp));
  }

  newListener(port: number): TcpListener {
    return new TcpListener(port, this.air.log);
  }

  /** tcp_bind's check: another live server pcb or accepted connection holds the local port. */
  portInUse(port: number): boolean {
    return this.slots.some((s) => s !== null && (s.listener?.port === port || (s.serverFd >= 0 && s.obj.lport === port)));
  }

  /** lwIP poll mode: network events reach the board in the network step of a loop pass
   *  (km_custom_infinite_loop: cyw43_arch_poll), never while board JS is running. */
  readonly post = (event: () => void): void => this.realm.callback(event);

  /** cyw43_arch_poll from inside a blocking native call (scan, DNS, join): the events waiting
   *  now run in it, before the call returns. */
  pollLwip(): void {
    this.realm.pollNetwork?.();
  }

  /** What the firmware does to memory it no longer owns (a freed pcb): reported, as on the board
   *  it corrupts lwIP's pcb pool. */
  hazard(message: string): void {
    this.hazards.push(message);
    this.air.log(`pico_cyw43 emulator: ${message}`);
  }

  private readonly forget = (pcb: TcpPcb): void => {
    this.pcbs.delete(pcb);
  };

  private track(pcb: TcpPcb): TcpPcb {
    this.pcbs.add(pcb);
    return pcb;
  }

  private dropAllSockets(): void {
    for (const slot of this.slots) slot?.listener?.close();
    for (const pcb of [...this.pcbs]) pcb.kill();
    this.slots.fill(null);
  }
}
