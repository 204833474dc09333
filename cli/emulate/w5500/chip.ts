// The emulated WIZnet W5500 at register level (shared/docs/w5500.md): SPI frames in, register
// file + 8 sockets + 2×16 KB buffer RAM, pins (CS, RSTn, INTn), and fault injection.
//
// Time-driven behaviour (transient states, timeouts, delayed ACKs, link-up delay, reset timing) is
// evaluated lazily whenever the board looks at the chip (an SPI call or a read of the INT pin), so
// the emulator owns no timers; host sockets deliver their events as they come.

import { performance } from 'node:perf_hooks';
import type { PinBus, SpiDevice } from '../devices';
import { bytesToIp, bytesToMac, ipToBytes } from './addr';
import { FrameDecoder } from './frame';
import { EmulatedNetwork } from './network';
import { type ResolvedOptions, type W5500Options, resolveOptions } from './options';
import { COMMON, COMMON_SIZE, IR, MR_RST, MR_STORED, PHY, SN, commonResetValues, decodeBsb } from './registers';
import { type BufferDir, ChipSocket } from './socket';

export interface W5500Wiring {
  /** Chip select (SCSn) pin the board drives; omitted = tied low (always selected). */
  cs?: number;
  /** RSTn pin the board drives (active low). */
  rst?: number;
  /** INTn pin the chip drives (active low). */
  int?: number;
}

const RAM_SIZE = 16 * 1024;
const SOCKETS = 8;
/** RSTn must stay low this long to reset the chip. */
const RESET_PULSE_MS = 0.5;
/** After RSTn rises the chip answers nothing until its PLL locks (datasheet: ≤ 1 ms). */
const PLL_LOCK_MS = 1;
/** Largest retransmission wait, in RTR units: TCPTO doubles the wait up to this cap. */
const MAX_RETRY_UNITS = 0xffff;

interface Scheduled {
  at: number;
  fn: () => void;
}

export class W5500Chip implements SpiDevice {
  /** Every distinct datasheet rule a driver broke, in order (also passed to options.onWarning). */
  readonly warnings: string[] = [];
  readonly options: ResolvedOptions;
  readonly network: EmulatedNetwork;
  readonly sockets: readonly ChipSocket[];
  private readonly common = commonResetValues();
  private readonly ram: Record<BufferDir, Uint8Array> = { tx: new Uint8Array(RAM_SIZE), rx: new Uint8Array(RAM_SIZE) };
  private readonly decoder: FrameDecoder;
  private readonly warned = new Set<string>();
  private scheduled: Scheduled[] = [];
  private selected = false;
  private dead = false;
  private noLink = false;
  private phyHeld = false;
  private rstLowSince: number | null = null;
  private resetUntil = 0;
  private linkReadyAt: number;

  constructor(options: W5500Options = {}) {
    this.options = resolveOptions(options);
    this.network = new EmulatedNetwork(this);
    this.sockets = Array.from({ length: SOCKETS }, (_, n) => new ChipSocket(n, this));
    this.decoder = new FrameDecoder({
      readByte: (bsb, offset) => this.readByte(bsb, offset),
      writeByte: (bsb, offset, value) => this.writeByte(bsb, offset, value),
    });
    this.linkReadyAt = this.now() + this.options.linkDelayMs;
  }

  // ---- SpiDevice -----------------------------------------------------------------------------

  /** SCSn falling edge: a frame starts (a repeated low level is no edge and changes nothing). */
  select(): void {
    this.tick();
    if (this.selected) return;
    this.selected = true;
    this.decoder.reset();
  }

  /** SCSn rising edge: the frame ends. */
  deselect(): void {
    this.tick();
    if (!this.selected) return;
    this.selected = false;
    this.decoder.reset();
  }

  transfer(tx: Uint8Array): Uint8Array {
    this.tick();
    const miso = new Uint8Array(tx.length);
    if (!this.selected) {
      this.warn('SPI transfer while SCSn is high: the chip ignores the bus (MISO reads 0xFF)');
      return miso.fill(0xff);
    }
    if (!this.responsive()) {
      this.decoder.reset();
      return miso;
    }
    for (let i = 0; i < tx.length; i++) miso[i] = this.decoder.clock(tx[i]);
    return miso;
  }

  // ---- pins --------------------------------------------------------------------------------

  /** Wire the chip to the board: CS edges frame SPI, RSTn resets, INTn is driven from IR/SIR. */
  attach(pins: PinBus, wiring: W5500Wiring): void {
    const used = new Set<number>();
    for (const [name, pin] of Object.entries(wiring)) {
      if (pin === undefined) continue;
      if (!Number.isInteger(pin) || pin < 0 || pin > 29) throw new Error(`W5500 emulator: wiring.${name} must be a GPIO number 0..29, got ${pin}`);
      if (used.has(pin)) throw new Error(`W5500 emulator: wiring.${name} uses GP${pin} twice`);
      used.add(pin);
    }
    if (wiring.cs === undefined) this.selected = true;
    else pins.onOutput(wiring.cs, (level) => (level ? this.deselect() : this.select()));
    if (wiring.rst !== undefined) pins.onOutput(wiring.rst, (level) => this.resetPin(level));
    if (wiring.int !== undefined) pins.driveInput(wiring.int, () => this.intLevel());
  }

  /** INTn: low while (IR & IMR) ≠ 0 or (SIR & SIMR) ≠ 0. */
  intLevel(): 0 | 1 {
    this.tick();
    if (!this.responsive()) return 1;
    const asserted = (this.common[COMMON.IR] & this.common[COMMON.IMR] & 0xf0) !== 0 || (this.sir() & this.common[COMMON.SIMR]) !== 0;
    return asserted ? 0 : 1;
  }

  private resetPin(level: 0 | 1): void {
    const now = this.now();
    if (level === 0) {
      if (this.rstLowSince === null) this.rstLowSince = now;
      this.decoder.reset();
      return;
    }
    if (this.rstLowSince === null) return;
    const held = now - this.rstLowSince;
    this.rstLowSince = null;
    if (held >= RESET_PULSE_MS) this.hardwareReset(now);
    else this.warn(`RSTn pulse of ${Math.round(held * 1000)} µs is shorter than 500 µs: no reset`);
  }

  private responsive(): boolean {
    return !this.dead && this.rstLowSince === null && this.now() >= this.resetUntil;
  }

  // ---- resets ------------------------------------------------------------------------------

  private softReset(): void {
    for (const s of this.sockets) s.reset();
    this.common.set(commonResetValues());
    this.scheduled = [];
    if (this.phyHeld) {
      this.phyHeld = false;
      this.linkReadyAt = this.now() + this.options.linkDelayMs;
    }
  }

  private hardwareReset(now: number): void {
    this.softReset();
    this.decoder.reset();
    this.resetUntil = now + PLL_LOCK_MS;
    this.linkReadyAt = this.resetUntil + this.options.linkDelayMs;
  }

  // ---- fault injection ---------------------------------------------------------------------

  /** Plug (true) or unplug (false) the cable: PHYCFGR.LNK follows; traffic waits, ARP fails. */
  setLink(up: boolean): void {
    this.noLink = !up;
  }

  /** A dead chip: MISO reads 0x00 everywhere, writes do nothing, INTn stays high. */
  setDead(dead: boolean): void {
    this.dead = dead;
    this.decoder.reset();
  }

  /** CONNECTs are never answered (→ Sn_IR.TIMEOUT and CLOSED after TCPTO). */
  dropConnects(on: boolean): void {
    this.network.dropConnects = on;
  }

  /** The peer of socket `n` resets its connection now. False when `n` has no host connection. */
  resetPeer(n: number): boolean {
    return this.socket(n).injectPeerReset();
  }

  /** The peer of socket `n` stops acknowledging: queued SEND/DISCON time out after TCPTO. */
  stallPeer(n: number, on: boolean): void {
    this.socket(n).stalled = on;
  }

  /** Sn_RX_RSR of socket `n` changes between the reads of its two bytes: arriving TCP data enters
   *  RX as 1 byte first and the rest right after the next read of RX_RSR's high byte. */
  tearRxRsr(n: number, on: boolean): void {
    this.socket(n).tear = on;
  }

  private socket(n: number): ChipSocket {
    if (!Number.isInteger(n) || n < 0 || n >= SOCKETS) throw new Error(`W5500 emulator: socket must be 0..7, got ${n}`);
    return this.sockets[n];
  }

  // ---- network side ------------------------------------------------------------------------

  /** Where a host client reaches chip sockets listening on `port` (null until the host server is bound). */
  listenAddress(port: number): { address: string; port: number } | null {
    return this.network.listenAddress(port);
  }

  /** Close every host connection, server and UDP socket the chip holds. */
  close(): void {
    for (const s of this.sockets) s.toClosed();
    this.network.close();
    this.scheduled = [];
  }

  // ---- SocketHost / NetworkHost --------------------------------------------------------------

  now(): number {
    return performance.now();
  }

  warn(message: string): void {
    if (this.warned.has(message)) return;
    this.warned.add(message);
    this.warnings.push(message);
    this.options.onWarning?.(message);
  }

  schedule(delayMs: number, fn: () => void): void {
    this.scheduled.push({ at: this.now() + delayMs, fn });
  }

  linkUp(): boolean {
    if (this.noLink || this.phyHeld || this.rstLowSince !== null || this.now() < this.linkReadyAt) return false;
    const phy = this.common[COMMON.PHYCFGR];
    return !((phy & PHY.OPMD) !== 0 && (phy & PHY.OPMDC_MASK) === PHY.POWER_DOWN);
  }

  tcpTimeoutMs(): number {
    return this.options.tcpTimeoutMs ?? this.realTcpTimeoutMs();
  }

  arpTimeoutMs(): number {
    const real = (this.rtr() * (this.common[COMMON.RCR] + 1)) / 10;
    const configured = this.options.tcpTimeoutMs;
    if (configured === null) return real;
    const tcp = this.realTcpTimeoutMs();
    return tcp > 0 ? (real * configured) / tcp : 0;
  }

  private rtr(): number {
    return (this.common[COMMON.RTR] << 8) | this.common[COMMON.RTR + 1];
  }

  /** TCPTO: RCR+1 waits starting at RTR, each doubling up to the largest doubled value ≤ 65535 units of 100 µs. */
  private realTcpTimeoutMs(): number {
    let wait = this.rtr();
    let total = 0;
    for (let i = 0; i <= this.common[COMMON.RCR]; i++) {
      total += wait;
      if (wait * 2 <= MAX_RETRY_UNITS) wait *= 2;
    }
    return total / 10;
  }

  sourceIp(): string {
    return bytesToIp(this.common, COMMON.SIPR);
  }

  subnetMask(): string {
    return bytesToIp(this.common, COMMON.SUBR);
  }

  gateway(): string {
    return bytesToIp(this.common, COMMON.GAR);
  }

  mac(): string {
    return bytesToMac(this.common, COMMON.SHAR);
  }

  icmpUnreachable(ip: string, port: number): void {
    this.common[COMMON.IR] |= IR.UNREACH;
    this.common.set(ipToBytes(ip) ?? new Uint8Array(4), COMMON.UIPR);
    this.common[COMMON.UPORTR] = port >> 8;
    this.common[COMMON.UPORTR + 1] = port & 0xff;
  }

  bufferSize(dir: BufferDir, socket: number): number {
    const kb = this.sockets[socket].regs[dir === 'tx' ? SN.TXBUF_SIZE : SN.RXBUF_SIZE];
    return Math.min(kb * 1024, RAM_SIZE);
  }

  /** Socket buffers sit one after another in socket order in each 16 KB RAM; a pointer maps to
   *  base + (pointer mod size), so accesses wrap inside the socket's buffer (and sizes summing
   *  past 16 KB make buffers overlap, as on the chip). */
  private physical(dir: BufferDir, socket: number, pointer: number): number {
    let base = 0;
    for (let i = 0; i < socket; i++) base += this.bufferSize(dir, i);
    return (base + (pointer % this.bufferSize(dir, socket))) % RAM_SIZE;
  }

  readBuffer(dir: BufferDir, socket: number, pointer: number, length: number): Uint8Array {
    const out = new Uint8Array(length);
    if (this.bufferSize(dir, socket) === 0) return out;
    for (let i = 0; i < length; i++) out[i] = this.ram[dir][this.physical(dir, socket, pointer + i)];
    return out;
  }

  writeBuffer(dir: BufferDir, socket: number, pointer: number, bytes: Uint8Array): void {
    if (this.bufferSize(dir, socket) === 0) return;
    for (let i = 0; i < bytes.length; i++) this.ram[dir][this.physical(dir, socket, pointer + i)] = bytes[i];
  }

  checkBufferSizes(): void {
    for (const dir of ['tx', 'rx'] as const) {
      let total = 0;
      for (let i = 0; i < SOCKETS; i++) total += this.bufferSize(dir, i);
      if (total > RAM_SIZE) this.warn(`Sn_${dir.toUpperCase()}BUF_SIZE of all sockets sum to ${total / 1024} KB (> 16 KB): buffers overlap`);
    }
  }

  // ---- register file -----------------------------------------------------------------------

  /** Process what is due: scheduled events, then each socket's holds, deadlines and traffic. */
  private tick(): void {
    const now = this.now();
    if (this.scheduled.length > 0) {
      const due = this.scheduled.filter((e) => e.at <= now);
      if (due.length > 0) {
        this.scheduled = this.scheduled.filter((e) => e.at > now);
        due.sort((a, b) => a.at - b.at);
        for (const e of due) e.fn();
      }
    }
    for (const s of this.sockets) s.tick(now);
  }

  private readByte(bsb: number, offset: number): number {
    const block = decodeBsb(bsb);
    switch (block.kind) {
      case 'common':
        return this.readCommon(offset);
      case 'socket':
        return this.sockets[block.socket].readRegister(offset);
      case 'tx':
      case 'rx':
        return this.bufferSize(block.kind, block.socket) === 0 ? 0 : this.ram[block.kind][this.physical(block.kind, block.socket, offset)];
      default:
        this.warn(`SPI frame with reserved BSB 0x${bsb.toString(16).padStart(2, '0')} ignored`);
        return 0;
    }
  }

  private writeByte(bsb: number, offset: number, value: number): void {
    const block = decodeBsb(bsb);
    switch (block.kind) {
      case 'common':
        return this.writeCommon(offset, value);
      case 'socket':
        return this.sockets[block.socket].writeRegister(offset, value);
      case 'tx':
      case 'rx':
        if (this.bufferSize(block.kind, block.socket) > 0) this.ram[block.kind][this.physical(block.kind, block.socket, offset)] = value;
        return;
      default:
        this.warn(`SPI frame with reserved BSB 0x${bsb.toString(16).padStart(2, '0')} ignored`);
    }
  }

  private isCommonReserved(offset: number): boolean {
    return offset >= COMMON_SIZE || (offset > COMMON.PHYCFGR && offset < COMMON.VERSIONR);
  }

  private sir(): number {
    let sir = 0;
    for (const s of this.sockets) if (s.interruptPending) sir |= 1 << s.n;
    return sir;
  }

  private readCommon(offset: number): number {
    if (this.isCommonReserved(offset)) return 0;
    switch (offset) {
      case COMMON.IR:
        return this.common[COMMON.IR] & 0xf0;
      case COMMON.SIR:
        return this.sir();
      case COMMON.PHYCFGR:
        return (this.common[COMMON.PHYCFGR] & 0xf8) | this.phyStatus();
      default:
        return this.common[offset];
    }
  }

  /** DPX/SPD/LNK status bits for the configured operation mode. */
  private phyStatus(): number {
    if (!this.linkUp()) return 0;
    const phy = this.common[COMMON.PHYCFGR];
    const mode = (phy & PHY.OPMD) !== 0 ? (phy & PHY.OPMDC_MASK) >> 3 : 7;
    const speedDuplex = [0, PHY.DPX, PHY.SPD, PHY.SPD | PHY.DPX, PHY.SPD, PHY.SPD | PHY.DPX, 0, PHY.SPD | PHY.DPX][mode];
    return speedDuplex | PHY.LNK;
  }

  private writeCommon(offset: number, value: number): void {
    if (this.isCommonReserved(offset)) return;
    switch (offset) {
      case COMMON.MR:
        if (value & MR_RST) this.softReset();
        else this.common[COMMON.MR] = value & MR_STORED;
        return;
      case COMMON.IR:
        this.common[COMMON.IR] &= ~(value & 0xf0);
        return;
      case COMMON.PHYCFGR: {
        const held = (value & PHY.RST) === 0;
        if (this.phyHeld && !held) this.linkReadyAt = this.now() + this.options.linkDelayMs;
        this.phyHeld = held;
        this.common[COMMON.PHYCFGR] = value & 0xf8;
        return;
      }
      case COMMON.SIR:
      case COMMON.VERSIONR:
        this.warn(`write to read-only common register 0x${offset.toString(16).padStart(4, '0')} ignored`);
        return;
      default:
        if (offset >= COMMON.UIPR && offset < COMMON.PHYCFGR) {
          this.warn(`write to read-only common register 0x${offset.toString(16).padStart(4, '0')} ignored`);
          return;
        }
        this.common[offset] = value;
    }
  }
}
