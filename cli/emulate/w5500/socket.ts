// One W5500 hardware socket: its register block, command execution and state machine
// (shared/docs/w5500.md §4–§7, §10), backed by a real host TCP connection or UDP socket.
//
// Everything that arrives from the network goes through `inbox` and is applied in order by pump(),
// which stops while a transient Sn_SR state must stay visible (a "hold"), while the link is down,
// and while RX has no room (TCP zero window: the host connection is paused until RECV frees space).

import * as dgram from 'node:dgram';
import * as net from 'node:net';
import { bytesToIp, ipToBytes, isLoopback, peerMac, plainIpv4 } from './addr';
import type { EmulatedNetwork } from './network';
import type { ResolvedOptions } from './options';
import {
  CMD,
  PROTO,
  SN,
  SNIR,
  SNMR_BCASTB,
  SR,
  VALID_BUFFER_KB,
  isReadOnlySocketOffset,
  isReservedSocketOffset,
  socketResetValues,
} from './registers';

export type BufferDir = 'tx' | 'rx';

/** What a socket needs from the chip that holds it. */
export interface SocketHost {
  readonly options: ResolvedOptions;
  readonly network: EmulatedNetwork;
  now(): number;
  warn(message: string): void;
  schedule(delayMs: number, fn: () => void): void;
  linkUp(): boolean;
  tcpTimeoutMs(): number;
  arpTimeoutMs(): number;
  sourceIp(): string;
  bufferSize(dir: BufferDir, socket: number): number;
  readBuffer(dir: BufferDir, socket: number, pointer: number, length: number): Uint8Array;
  writeBuffer(dir: BufferDir, socket: number, pointer: number, bytes: Uint8Array): void;
  /** Warn when the sizes of all sockets break the ≤ 16 KB per direction rule. */
  checkBufferSizes(): void;
}

type Inbound =
  | { kind: 'established'; ip: string; port: number }
  | { kind: 'data'; data: Uint8Array; split: boolean }
  | { kind: 'datagram'; ip: string; port: number; data: Uint8Array }
  | { kind: 'fin' }
  | { kind: 'rst' };

type Outbound = { fin: false; data: Uint8Array; end: number } | { fin: true };

type DeadlineKind = 'connect' | 'send' | 'close';

interface Hold {
  readsLeft: number;
  until: number;
  then: (() => void) | null;
}

const UDP_HEADER = 8;
const PRIVILEGED_PORTS = 1024;

export class ChipSocket {
  readonly regs = socketResetValues();
  sr: number = SR.CLOSED;
  /** Fault injection: SEND/DISCON never acknowledged (→ TIMEOUT after TCPTO). */
  stalled = false;
  /** Fault injection: RX_RSR grows between the reads of its two bytes. */
  tear = false;
  private cr = 0;
  private crReadsLeft = 0;
  private hold: Hold | null = null;
  private inbox: Inbound[] = [];
  private unsent: Outbound[] = [];
  private deadlines = new Map<DeadlineKind, number>();
  private conn: net.Socket | null = null;
  private detachConn: () => void = () => {};
  private peerEnded = false;
  private finSent = false;
  private udp: dgram.Socket | null = null;
  private listenPort: number | null = null;
  private ackPointer = 0;
  private rxCommitted = 0;
  private tearHeld = false;
  /** Bumped whenever the socket is (re)opened or closed; stale async completions check it. */
  private generation = 0;

  constructor(
    readonly n: number,
    private readonly host: SocketHost,
  ) {}

  // ---- registers -------------------------------------------------------------------------

  readRegister(offset: number): number {
    if (isReservedSocketOffset(offset)) return 0;
    switch (offset) {
      case SN.CR:
        return this.readCommand();
      case SN.SR: {
        const value = this.sr;
        if (this.hold && --this.hold.readsLeft <= 0) this.endHold();
        return value;
      }
      case SN.TX_FSR:
        return this.txFree() >> 8;
      case SN.TX_FSR + 1:
        return this.txFree() & 0xff;
      case SN.RX_RSR: {
        const high = this.rxUsed() >> 8;
        if (this.tearHeld) {
          this.tearHeld = false;
          this.pump();
        }
        return high;
      }
      case SN.RX_RSR + 1:
        return this.rxUsed() & 0xff;
      default:
        return this.regs[offset];
    }
  }

  writeRegister(offset: number, value: number): void {
    if (isReservedSocketOffset(offset)) return;
    if (isReadOnlySocketOffset(offset)) {
      this.host.warn(`S${this.n}: write to read-only socket register 0x${hex(offset, 4)} ignored`);
      return;
    }
    switch (offset) {
      case SN.CR:
        this.writeCommand(value);
        return;
      case SN.IR:
        this.regs[SN.IR] &= ~(value & 0x1f);
        return;
      case SN.RXBUF_SIZE:
      case SN.TXBUF_SIZE:
        if (!VALID_BUFFER_KB.includes(value)) {
          this.host.warn(`S${this.n}: Sn_${offset === SN.RXBUF_SIZE ? 'RX' : 'TX'}BUF_SIZE = ${value} is not one of 0,1,2,4,8,16 (KB)`);
        }
        this.regs[offset] = value;
        return;
      default:
        this.regs[offset] = value;
    }
  }

  /** (Sn_IR & Sn_IMR) ≠ 0: this socket's bit in SIR. */
  get interruptPending(): boolean {
    return (this.regs[SN.IR] & this.regs[SN.IMR]) !== 0;
  }

  private get16(offset: number): number {
    return (this.regs[offset] << 8) | this.regs[offset + 1];
  }

  private set16(offset: number, value: number): void {
    this.regs[offset] = (value >> 8) & 0xff;
    this.regs[offset + 1] = value & 0xff;
  }

  private setIr(bits: number): void {
    this.regs[SN.IR] |= bits;
  }

  private get protocol(): number {
    return this.regs[SN.MR] & 0x0f;
  }

  private get port(): number {
    return this.get16(SN.PORT);
  }

  /** TCP: size − (TX_WR − ACK pointer); UDP moves the ACK pointer at SEND, giving size − (TX_WR − TX_RD). */
  private txFree(): number {
    const size = this.host.bufferSize('tx', this.n);
    return Math.max(0, size - ((this.get16(SN.TX_WR) - this.ackPointer) & 0xffff));
  }

  private rxUsed(): number {
    return (this.get16(SN.RX_WR) - this.rxCommitted) & 0xffff;
  }

  private setPointers(value: number): void {
    for (const offset of [SN.TX_RD, SN.TX_WR, SN.RX_RD, SN.RX_WR]) this.set16(offset, value);
    this.ackPointer = value;
    this.rxCommitted = value;
  }

  // ---- commands ---------------------------------------------------------------------------

  private readCommand(): number {
    if (this.cr === 0) return 0;
    const value = this.cr;
    if (--this.crReadsLeft <= 0) this.cr = 0;
    return value;
  }

  private writeCommand(command: number): void {
    if (this.cr !== 0) {
      this.host.warn(`S${this.n}: Sn_CR written (0x${hex(command)}) while the previous command 0x${hex(this.cr)} has not cleared: ignored`);
      return;
    }
    if (this.host.options.crReadsBeforeClear > 0) {
      this.cr = command;
      this.crReadsLeft = this.host.options.crReadsBeforeClear;
    }
    switch (command) {
      case CMD.OPEN:
        return this.open();
      case CMD.LISTEN:
        return this.listen();
      case CMD.CONNECT:
        return this.connect();
      case CMD.DISCON:
        return this.disconnect();
      case CMD.CLOSE:
        return this.toClosed();
      case CMD.SEND:
      case CMD.SEND_MAC:
        return this.send(command);
      case CMD.SEND_KEEP:
        if (this.sr !== SR.ESTABLISHED && this.sr !== SR.CLOSE_WAIT) this.invalid('SEND_KEEP');
        return;
      case CMD.RECV:
        return this.recv();
      default:
        this.host.warn(`S${this.n}: unknown Sn_CR command 0x${hex(command)} ignored`);
    }
  }

  private invalid(name: string): void {
    this.host.warn(`S${this.n}: ${name} ignored in Sn_SR 0x${hex(this.sr)}`);
  }

  private open(): void {
    if (this.sr !== SR.CLOSED) return this.invalid('OPEN (issue CLOSE first)');
    this.host.checkBufferSizes();
    this.forget();
    const start = this.host.options.pointerStart;
    switch (this.protocol) {
      case PROTO.TCP:
        // Pointers are set again once the connection is set up (drivers must not cache them).
        this.setPointers((start + 0x8000) & 0xffff);
        this.sr = SR.INIT;
        if (this.port === 0) this.host.warn(`S${this.n}: TCP OPEN with Sn_PORT 0`);
        return;
      case PROTO.UDP:
        this.setPointers(start);
        this.sr = SR.UDP;
        this.bindUdp();
        return;
      case PROTO.MACRAW:
        if (this.n !== 0) return this.host.warn(`S${this.n}: MACRAW exists on socket 0 only; OPEN ignored`);
        this.setPointers(start);
        this.sr = SR.MACRAW;
        return;
      default:
        this.host.warn(`S${this.n}: OPEN with Sn_MR protocol ${this.protocol} ignored`);
    }
  }

  private listen(): void {
    if (this.sr !== SR.INIT) return this.invalid('LISTEN');
    this.sr = SR.LISTEN;
    this.listenPort = this.port;
    this.host.network.listen(this, this.port);
  }

  /** A LISTEN socket that may take the next incoming connection. */
  get listening(): boolean {
    return this.sr === SR.LISTEN && this.listenPort !== null;
  }

  private connect(): void {
    if (this.sr !== SR.INIT) return this.invalid('CONNECT');
    const ip = bytesToIp(this.regs, SN.DIPR);
    const port = this.get16(SN.DPORT);
    this.transient(SR.SYNSENT, null);
    if (ip === '0.0.0.0' || ip === '255.255.255.255' || port === 0) {
      this.host.warn(`S${this.n}: CONNECT to ${ip}:${port} (invalid destination)`);
      this.deadline('connect', this.host.arpTimeoutMs());
      return;
    }
    const route = this.host.network.route(ip);
    if (route === 'no-arp') {
      this.deadline('connect', this.host.arpTimeoutMs());
      return;
    }
    this.deadline('connect', this.host.tcpTimeoutMs());
    const source = this.host.sourceIp();
    if (!isLoopback(source)) {
      this.host.warn(`S${this.n}: CONNECT with SIPR ${source}: the emulated network is loopback, no answer can come back`);
      return;
    }
    if (route === 'service') return this.push({ kind: 'rst' });
    if (route === 'void' || this.host.network.dropConnects) return;
    const conn = net.connect({ host: ip, port, localAddress: source, allowHalfOpen: true });
    conn.setNoDelay(true);
    this.adopt(conn);
    conn.once('connect', () => {
      if (this.conn === conn) this.push({ kind: 'established', ip, port });
    });
  }

  /** The network hands a new connection to this LISTEN socket. */
  accept(conn: net.Socket): void {
    this.listenPort = null;
    conn.setNoDelay(true);
    this.adopt(conn);
    this.transient(SR.SYNRECV, null);
    this.push({ kind: 'established', ip: plainIpv4(conn.remoteAddress), port: conn.remotePort ?? 0 });
  }

  private disconnect(): void {
    switch (this.sr) {
      case SR.ESTABLISHED:
        this.sendFin();
        this.transient(SR.FIN_WAIT, null);
        this.deadline('close', this.host.tcpTimeoutMs());
        return;
      case SR.CLOSE_WAIT:
        this.sendFin();
        this.transient(SR.LAST_ACK, null);
        this.deadline('close', this.host.tcpTimeoutMs());
        this.lastAckDone();
        return;
      case SR.INIT:
      case SR.LISTEN:
      case SR.SYNSENT:
      case SR.SYNRECV:
        return this.toClosed();
      default:
        this.invalid('DISCON');
    }
  }

  private sendFin(): void {
    this.finSent = true;
    this.unsent.push({ fin: true });
    this.flush();
  }

  /** LAST_ACK ends once its hold is over and our FIN went out (the host kernel ACKs at once). */
  private lastAckDone(): void {
    if (this.sr === SR.LAST_ACK && !this.hold && this.unsent.length === 0) this.toClosed();
  }

  private send(command: number): void {
    const udp = this.sr === SR.UDP;
    if (!udp && this.sr !== SR.ESTABLISHED && this.sr !== SR.CLOSE_WAIT) return this.invalid(command === CMD.SEND ? 'SEND' : 'SEND_MAC');
    const rd = this.get16(SN.TX_RD);
    const wr = this.get16(SN.TX_WR);
    const length = (wr - rd) & 0xffff;
    const size = this.host.bufferSize('tx', this.n);
    if (length > size) this.host.warn(`S${this.n}: SEND of ${length} bytes exceeds the ${size}-byte TX buffer`);
    else if (!udp && ((wr - this.ackPointer) & 0xffff) > size) {
      this.host.warn(`S${this.n}: TX_WR advanced beyond TX_FSR: unacknowledged data was overwritten`);
    }
    const data = this.host.readBuffer('tx', this.n, rd, length);
    this.set16(SN.TX_RD, wr);
    if (udp) return this.sendDatagram(data);
    if (length === 0) return this.host.warn(`S${this.n}: SEND with TX_WR = TX_RD (nothing to send; no SEND_OK follows)`);
    this.unsent.push({ fin: false, data, end: wr });
    this.flush();
  }

  private sendDatagram(data: Uint8Array): void {
    this.ackPointer = this.get16(SN.TX_WR);
    const ip = bytesToIp(this.regs, SN.DIPR);
    const port = this.get16(SN.DPORT);
    const outcome = this.host.network.sendUdp(this, ip, port, data);
    const generation = this.generation;
    const done = (bits: number) => () => {
      if (this.generation === generation) this.setIr(bits);
    };
    if (outcome === 'sent') this.host.schedule(0, done(SNIR.SEND_OK));
    else this.host.schedule(this.host.arpTimeoutMs(), done(SNIR.TIMEOUT));
  }

  private recv(): void {
    const rd = this.get16(SN.RX_RD);
    if (((rd - this.rxCommitted) & 0xffff) > this.rxUsed()) {
      this.host.warn(`S${this.n}: RECV with RX_RD advanced past RX_WR (read more than RX_RSR)`);
    }
    this.rxCommitted = rd;
    this.pump();
  }

  // ---- state machine ---------------------------------------------------------------------

  /** Show `state`; events wait until it was read `transientPolls` times or `transientMs` passed. */
  private transient(state: number, then: (() => void) | null): void {
    this.sr = state;
    const { transientPolls, transientMs } = this.host.options;
    if (transientPolls === 0) {
      if (then) then();
      return;
    }
    this.hold = { readsLeft: transientPolls, until: this.host.now() + transientMs, then };
  }

  private endHold(): void {
    const hold = this.hold;
    if (!hold) return;
    this.hold = null;
    if (hold.then) hold.then();
    this.pump();
  }

  private deadline(kind: DeadlineKind, ms: number): void {
    if (!this.deadlines.has(kind)) this.deadlines.set(kind, this.host.now() + ms);
  }

  private timeout(): void {
    this.setIr(SNIR.TIMEOUT);
    this.toClosed();
  }

  /** Time-driven progress: transient holds, deadlines, and traffic held back by a link outage. */
  tick(now: number): void {
    if (this.hold && now >= this.hold.until) this.endHold();
    for (const at of this.deadlines.values()) {
      if (now >= at) return this.timeout();
    }
    this.flush();
    this.pump();
  }

  private push(event: Inbound): void {
    this.inbox.push(event);
    this.pump();
  }

  private pump(): void {
    while (this.inbox.length > 0 && !this.hold && this.host.linkUp()) {
      const event = this.inbox[0];
      if (event.kind === 'data') {
        if (!this.takeData(event)) break;
      } else if (event.kind === 'datagram') {
        this.takeDatagram(event);
      } else if (event.kind === 'established') {
        this.established(event.ip, event.port);
      } else if (event.kind === 'fin') {
        this.peerFin();
      } else {
        this.inbox = [];
        this.toClosed();
        return;
      }
      this.inbox.shift();
    }
    this.lastAckDone();
    if (this.conn) {
      if (this.inbox.some((e) => e.kind === 'data')) this.conn.pause();
      else this.conn.resume();
    }
  }

  private established(ip: string, port: number): void {
    this.deadlines.delete('connect');
    this.setPointers(this.host.options.pointerStart);
    this.regs.set(ipToBytes(ip) ?? new Uint8Array(4), SN.DIPR);
    this.set16(SN.DPORT, port);
    this.regs.set(peerMac(ip), SN.DHAR);
    this.sr = SR.ESTABLISHED;
    this.setIr(SNIR.CON);
  }

  /** Moves TCP data into RX as far as it fits; true when the event is used up. */
  private takeData(event: Inbound & { kind: 'data' }): boolean {
    if (this.tearHeld) return false;
    const free = this.host.bufferSize('rx', this.n) - this.rxUsed();
    if (free <= 0) return false;
    if (this.tear && !event.split && event.data.length > 1) {
      // Deliver one byte now, the rest between the reads of RX_RSR's two bytes.
      event.split = true;
      this.appendRx(event.data.subarray(0, 1));
      event.data = event.data.slice(1);
      this.tearHeld = true;
      return false;
    }
    const take = Math.min(free, event.data.length);
    this.appendRx(event.data.subarray(0, take));
    if (take === event.data.length) return true;
    event.data = event.data.slice(take);
    return false;
  }

  private takeDatagram(event: Inbound & { kind: 'datagram' }): void {
    const free = this.host.bufferSize('rx', this.n) - this.rxUsed();
    if (UDP_HEADER + event.data.length > free) return; // UDP drops what does not fit
    const packet = new Uint8Array(UDP_HEADER + event.data.length);
    packet.set(ipToBytes(event.ip) ?? new Uint8Array(4), 0);
    packet[4] = event.port >> 8;
    packet[5] = event.port & 0xff;
    packet[6] = event.data.length >> 8;
    packet[7] = event.data.length & 0xff;
    packet.set(event.data, UDP_HEADER);
    this.appendRx(packet);
  }

  private appendRx(bytes: Uint8Array): void {
    const wr = this.get16(SN.RX_WR);
    this.host.writeBuffer('rx', this.n, wr, bytes);
    this.set16(SN.RX_WR, (wr + bytes.length) & 0xffff);
    this.setIr(SNIR.RECV);
  }

  private peerFin(): void {
    if (this.sr === SR.ESTABLISHED) {
      this.sr = SR.CLOSE_WAIT;
      this.setIr(SNIR.DISCON);
    } else if (this.sr === SR.FIN_WAIT) {
      this.deadlines.delete('close');
      this.setIr(SNIR.DISCON);
      this.transient(SR.TIME_WAIT, () => this.toClosed());
    }
  }

  /** Hand queued outbound data/FIN to the host connection while the link is up and the peer answers. */
  private flush(): void {
    const conn = this.conn;
    if (!conn || this.unsent.length === 0) return;
    if (!this.host.linkUp() || this.stalled) {
      this.deadline('send', this.host.tcpTimeoutMs());
      return;
    }
    for (const item of this.unsent) {
      if (item.fin) {
        conn.end();
        continue;
      }
      const end = item.end;
      conn.write(item.data, (err) => {
        if (!err && this.conn === conn) this.acknowledged(end);
      });
    }
    this.unsent = [];
    this.deadlines.delete('send');
    this.lastAckDone();
  }

  private acknowledged(end: number): void {
    this.setIr(SNIR.SEND_OK);
    const delay = this.host.options.ackDelayMs;
    if (delay <= 0) {
      this.ackPointer = end;
      return;
    }
    const generation = this.generation;
    this.host.schedule(delay, () => {
      if (this.generation === generation) this.ackPointer = end;
    });
  }

  /** → SOCK_CLOSED at once: CLOSE, completed close, timeout or peer reset. */
  toClosed(): void {
    this.sr = SR.CLOSED;
    this.forget();
  }

  /** Drop every connection-related state; the host connection is orphaned (peer gets RST on its next segment). */
  private forget(): void {
    this.generation++;
    this.hold = null;
    this.inbox = [];
    this.unsent = [];
    this.deadlines.clear();
    this.tearHeld = false;
    this.peerEnded = false;
    this.finSent = false;
    if (this.conn) {
      this.detachConn();
      this.host.network.orphan(this.conn);
    }
    this.conn = null;
    if (this.udp) this.udp.close();
    this.udp = null;
    if (this.listenPort !== null) this.host.network.unlisten(this, this.listenPort);
    this.listenPort = null;
  }

  /** Power-on / soft reset: closed, registers at reset values. */
  reset(): void {
    this.toClosed();
    this.regs.set(socketResetValues());
    this.cr = 0;
    this.crReadsLeft = 0;
  }

  // ---- host side ---------------------------------------------------------------------------

  private adopt(conn: net.Socket): void {
    this.conn = conn;
    const onData = (chunk: Buffer): void => this.push({ kind: 'data', data: new Uint8Array(chunk), split: false });
    const onEnd = (): void => {
      this.peerEnded = true;
      this.push({ kind: 'fin' });
    };
    const onError = (): void => this.peerReset();
    const onClose = (): void => {
      if (!(this.peerEnded && this.finSent)) this.peerReset();
    };
    conn.on('data', onData);
    conn.on('end', onEnd);
    conn.on('error', onError);
    conn.on('close', onClose);
    this.detachConn = () => {
      conn.off('data', onData);
      conn.off('end', onEnd);
      conn.off('error', onError);
      conn.off('close', onClose);
    };
  }

  /** A RST from the peer (or a refused SYN): pending data is lost; → CLOSED (no Sn_IR bit). */
  private peerReset(): void {
    this.inbox = [{ kind: 'rst' }];
    this.pump();
  }

  /** Fault injection: the peer resets the connection now (the host side sees ECONNRESET too). */
  injectPeerReset(): boolean {
    const conn = this.conn;
    if (!conn) return false;
    this.peerReset();
    conn.resetAndDestroy();
    return true;
  }

  private bindUdp(): void {
    const source = this.host.sourceIp();
    if (!isLoopback(source) || this.port < PRIVILEGED_PORTS) return;
    const udp = dgram.createSocket('udp4');
    this.udp = udp;
    udp.on('message', (msg, rinfo) => {
      if (this.udp === udp) this.pushDatagram(rinfo.address, rinfo.port, new Uint8Array(msg));
    });
    udp.on('error', (err: NodeJS.ErrnoException) => {
      this.host.warn(`S${this.n}: host UDP socket on ${source}:${this.port}: ${err.code ?? err.message}`);
      if (this.udp === udp) this.udp = null;
      udp.close();
    });
    udp.bind({ address: source, port: this.port, exclusive: true });
  }

  /** The host UDP socket standing for this chip socket, when it could bind. */
  get hostUdp(): dgram.Socket | null {
    return this.udp;
  }

  /** Is this an open UDP socket that takes datagrams for `port`? */
  receivesUdp(port: number, broadcast: boolean): boolean {
    return this.sr === SR.UDP && this.port === port && !(broadcast && (this.regs[SN.MR] & SNMR_BCASTB) !== 0);
  }

  pushDatagram(ip: string, port: number, data: Uint8Array): void {
    this.push({ kind: 'datagram', ip, port, data });
  }
}

function hex(value: number, digits = 2): string {
  return value.toString(16).toUpperCase().padStart(digits, '0');
}
