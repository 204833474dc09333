// The W5500 over SPI (shared/docs/w5500.md): register map, frames, socket commands. `hw` and `T` are
// the running driver's (one driver per program; core.ts sets them when it starts).
import type { W5500Hardware, W5500Timeouts } from './types';

/** Common registers (BSB 0) and socket registers (BSB 1+4n). */
export const enum Reg {
  MR = 0x00,
  GAR = 0x01,
  SHAR = 0x09,
  SIPR = 0x0f,
  SIR = 0x17,
  SIMR = 0x18,
  RTR = 0x19,
  RCR = 0x1b,
  PHYCFGR = 0x2e,
  VERSIONR = 0x39,
  Sn_MR = 0x00,
  Sn_CR = 0x01,
  Sn_IR = 0x02,
  Sn_SR = 0x03,
  Sn_PORT = 0x04,
  Sn_DIPR = 0x0c,
  Sn_TX_FSR = 0x20,
  Sn_TX_WR = 0x24,
  Sn_RX_RSR = 0x26,
  Sn_RX_RD = 0x28,
}

/** Sn_CR commands. */
export const enum Cmd {
  OPEN = 0x01,
  LISTEN = 0x02,
  CONNECT = 0x04,
  DISCON = 0x08,
  CLOSE = 0x10,
  SEND = 0x20,
  RECV = 0x40,
}

/** Sn_SR states. */
export const enum Sr {
  CLOSED = 0x00,
  INIT = 0x13,
  LISTENING = 0x14,
  SYNRECV = 0x16,
  ESTABLISHED = 0x17,
  FIN_WAIT = 0x18,
  CLOSING = 0x1a,
  TIME_WAIT = 0x1b,
  CLOSE_WAIT = 0x1c,
  LAST_ACK = 0x1d,
  UDP = 0x22,
}

/** Sn_IR bits, Sn_MR modes (TCP with ND: no delayed ACK), sizes. */
export const enum W {
  IR_DISCON = 0x02,
  IR_RECV = 0x04,
  IR_TIMEOUT = 0x08,
  IR_SEND_OK = 0x10,
  MODE_TCP = 0x21,
  MODE_UDP = 0x02,
  SOCKETS = 8,
  /** Per socket and direction (the reset value of Sn_TXBUF_SIZE / Sn_RXBUF_SIZE). */
  BUF = 2048,
}

export let hw: W5500Hardware;
export let T: W5500Timeouts;

export function attach(h: W5500Hardware, t: W5500Timeouts): void {
  hw = h;
  T = t;
}

export function hex2(v: number): string {
  return (v < 16 ? '0' : '') + v.toString(16);
}

export function ipText(b: ArrayLike<number>): string {
  return b[0] + '.' + b[1] + '.' + b[2] + '.' + b[3];
}

export function parseIp(s: string): number[] | null {
  const parts = String(s).split('.');
  if (parts.length !== 4) return null;
  const out: number[] = [];
  for (let i = 0; i < 4; i++) {
    if (!/^\d{1,3}$/.test(parts[i]) || +parts[i] > 255) return null;
    out.push(+parts[i]);
  }
  return out;
}

export function isZero(b: number[]): boolean {
  return !(b[0] || b[1] || b[2] || b[3]);
}

export const sreg = (n: number) => 1 + 4 * n;
export const txBuf = (n: number) => 2 + 4 * n;
export const rxBuf = (n: number) => 3 + 4 * n;

export function xfer(tx: Uint8Array): Uint8Array {
  hw.cs(0);
  let rx: Uint8Array;
  try {
    rx = hw.transfer(tx);
  } finally {
    hw.cs(1);
  }
  if (!rx || rx.length !== tx.length) throw new Error('SPI transfer returned ' + (rx ? rx.length : 0) + ' bytes for ' + tx.length);
  return rx;
}

/** A frame (§2) with room for `length` data bytes after its 3-byte header. */
export function frame(bsb: number, addr: number, write: boolean, length: number): Uint8Array {
  const tx = new Uint8Array(3 + length);
  tx[0] = (addr >> 8) & 0xff;
  tx[1] = addr & 0xff;
  tx[2] = (bsb << 3) | (write ? 0x04 : 0);
  return tx;
}

export function readSpi(bsb: number, addr: number, length: number): Uint8Array {
  return xfer(frame(bsb, addr, false, length)).slice(3);
}

export function writeSpi(bsb: number, addr: number, data: ArrayLike<number>): void {
  const tx = frame(bsb, addr, true, data.length);
  tx.set(data, 3);
  xfer(tx);
}

export function r8(bsb: number, addr: number): number {
  return readSpi(bsb, addr, 1)[0];
}

export function w8(bsb: number, addr: number, v: number): void {
  writeSpi(bsb, addr, [v]);
}

export function r16(bsb: number, addr: number): number {
  const b = readSpi(bsb, addr, 2);
  return (b[0] << 8) | b[1];
}

export function w16(bsb: number, addr: number, v: number): void {
  writeSpi(bsb, addr, [(v >> 8) & 0xff, v & 0xff]);
}

/** TX_FSR / RX_RSR change under our feet: read until two reads agree (§8). */
export function stable16(n: number, addr: number): number {
  let v = r16(sreg(n), addr);
  for (let i = 0; i < 8; i++) {
    const again = r16(sreg(n), addr);
    if (again === v) return v;
    v = again;
  }
  return v;
}

/** Writes Sn_CR and waits until the chip took the command (§5); a chip that never does is lost. */
export function command(n: number, cmd: number): void {
  w8(sreg(n), Reg.Sn_CR, cmd);
  const t0 = hw.millis();
  for (let i = 0; ; i++) {
    if (r8(sreg(n), Reg.Sn_CR) === 0) return;
    if (i >= 3 && hw.millis() - t0 > T.command) throw new Error('socket ' + n + ' did not take command 0x' + hex2(cmd) + ' within ' + T.command + ' ms');
  }
}

export function waitStatus(n: number, want: number): boolean {
  const t0 = hw.millis();
  for (let i = 0; ; i++) {
    if (r8(sreg(n), Reg.Sn_SR) === want) return true;
    if (i >= 3 && hw.millis() - t0 > T.command) return false;
  }
}

export function hardClose(n: number): void {
  command(n, Cmd.CLOSE);
  waitStatus(n, Sr.CLOSED);
  w8(sreg(n), Reg.Sn_IR, 0xff);
}

/** CLOSE if needed, then OPEN in `mode` on `port` (§10 "Open a TCP socket"). */
export function openSocket(n: number, mode: number, port: number): boolean {
  const b = sreg(n);
  if (r8(b, Reg.Sn_SR) !== Sr.CLOSED) hardClose(n);
  w8(b, Reg.Sn_MR, mode);
  w16(b, Reg.Sn_PORT, port);
  w8(b, Reg.Sn_IR, 0xff);
  command(n, Cmd.OPEN);
  return waitStatus(n, mode === W.MODE_UDP ? Sr.UDP : Sr.INIT);
}

/** Sn_DIPR and Sn_DPORT. */
export function setPeer(n: number, ip: number[], port: number): void {
  writeSpi(sreg(n), Reg.Sn_DIPR, [ip[0], ip[1], ip[2], ip[3], (port >> 8) & 0xff, port & 0xff]);
}
