// A minimal host side for the W5500 emulator tests: raw SPI frames and the datasheet flows
// (shared/docs/w5500.md §2, §8, §10) exactly as a driver would issue them.

import { performance } from 'node:perf_hooks';
import type { W5500Chip } from '../../cli/emulate/w5500';

export const C = { MR: 0x00, GAR: 0x01, SUBR: 0x05, SHAR: 0x09, SIPR: 0x0f, IR: 0x15, IMR: 0x16, SIR: 0x17, SIMR: 0x18, RTR: 0x19, RCR: 0x1b, UIPR: 0x28, UPORTR: 0x2c, PHYCFGR: 0x2e, VERSIONR: 0x39 };
export const S = { MR: 0x00, CR: 0x01, IR: 0x02, SR: 0x03, PORT: 0x04, DHAR: 0x06, DIPR: 0x0c, DPORT: 0x10, RXBUF: 0x1e, TXBUF: 0x1f, TX_FSR: 0x20, TX_RD: 0x22, TX_WR: 0x24, RX_RSR: 0x26, RX_RD: 0x28, RX_WR: 0x2a, IMR: 0x2c };
export const CR = { OPEN: 0x01, LISTEN: 0x02, CONNECT: 0x04, DISCON: 0x08, CLOSE: 0x10, SEND: 0x20, RECV: 0x40 };
export const SR = { CLOSED: 0x00, INIT: 0x13, LISTEN: 0x14, SYNSENT: 0x15, SYNRECV: 0x16, ESTABLISHED: 0x17, FIN_WAIT: 0x18, TIME_WAIT: 0x1b, CLOSE_WAIT: 0x1c, LAST_ACK: 0x1d, UDP: 0x22 };
export const IRB = { CON: 0x01, DISCON: 0x02, RECV: 0x04, TIMEOUT: 0x08, SEND_OK: 0x10 };

export const sregBsb = (n: number): number => 1 + 4 * n;
export const txBsb = (n: number): number => 2 + 4 * n;
export const rxBsb = (n: number): number => 3 + 4 * n;

export function ip(text: string): number[] {
  return text.split('.').map(Number);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Poll `fn` until it returns a truthy value, failing after `ms`. */
export async function waitFor<T>(what: string, fn: () => T, ms = 3000): Promise<Exclude<T, false | null | undefined>> {
  const end = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v) return v as Exclude<T, false | null | undefined>;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(2);
  }
}

export class SpiHost {
  constructor(readonly chip: W5500Chip) {}

  /** One VDM frame: CS low, bytes, CS high. Returns all MISO bytes (header included). */
  frame(bytes: ArrayLike<number>): Uint8Array {
    this.chip.select();
    const miso = this.chip.transfer(Uint8Array.from(bytes));
    this.chip.deselect();
    return miso;
  }

  read(bsb: number, offset: number, length: number): Uint8Array {
    const miso = this.frame([offset >> 8, offset & 0xff, bsb << 3, ...new Array<number>(length).fill(0)]);
    return miso.slice(3);
  }

  write(bsb: number, offset: number, data: ArrayLike<number>): void {
    this.frame([offset >> 8, offset & 0xff, (bsb << 3) | 0x04, ...Array.from(data)]);
  }

  common8(offset: number): number {
    return this.read(0, offset, 1)[0];
  }

  setCommon(offset: number, data: ArrayLike<number>): void {
    this.write(0, offset, data);
  }

  s8(n: number, offset: number): number {
    return this.read(sregBsb(n), offset, 1)[0];
  }

  s16(n: number, offset: number): number {
    const b = this.read(sregBsb(n), offset, 2);
    return (b[0] << 8) | b[1];
  }

  setS(n: number, offset: number, data: ArrayLike<number>): void {
    this.write(sregBsb(n), offset, data);
  }

  setS16(n: number, offset: number, value: number): void {
    this.setS(n, offset, [value >> 8, value & 0xff]);
  }

  /** §8: read a 16-bit counter until two consecutive reads agree. */
  stable16(n: number, offset: number): number {
    let last = this.s16(n, offset);
    for (let i = 0; i < 100; i++) {
      const v = this.s16(n, offset);
      if (v === last) return v;
      last = v;
    }
    throw new Error('counter never stable');
  }

  status(n: number): number {
    return this.s8(n, S.SR);
  }

  /** §5: write Sn_CR, then poll it until the chip clears it (bounded). Returns the reads needed. */
  command(n: number, cmd: number): number {
    this.setS(n, S.CR, [cmd]);
    for (let reads = 1; reads <= 50; reads++) if (this.s8(n, S.CR) === 0) return reads;
    throw new Error(`Sn_CR 0x${cmd.toString(16)} never cleared`);
  }

  clearIr(n: number, bits: number): void {
    this.setS(n, S.IR, [bits]);
  }

  /** §9.4: MAC, gateway, mask, IP. */
  configure(addr = '127.0.0.1', mac = [0x02, 0x08, 0xdc, 0x01, 0x02, 0x03]): void {
    this.setCommon(C.SHAR, mac);
    this.setCommon(C.GAR, ip('127.0.0.254'));
    this.setCommon(C.SUBR, ip('255.0.0.0'));
    this.setCommon(C.SIPR, ip(addr));
  }

  /** §10 open: CLOSE, Sn_MR, Sn_PORT, clear Sn_IR, OPEN, wait for the expected state. */
  open(n: number, protocol: 'tcp' | 'udp', port: number): void {
    this.command(n, CR.CLOSE);
    this.setS(n, S.MR, [protocol === 'tcp' ? 0x21 : 0x02]);
    this.setS16(n, S.PORT, port);
    this.clearIr(n, 0xff);
    this.command(n, CR.OPEN);
    const want = protocol === 'tcp' ? SR.INIT : SR.UDP;
    if (this.status(n) !== want) throw new Error(`S${n} did not open (SR 0x${this.status(n).toString(16)})`);
  }

  /** §10 TCP client: destination, CONNECT; resolves on ESTABLISHED, rejects on TIMEOUT / CLOSED. */
  async connect(n: number, addr: string, port: number, seen?: number[]): Promise<void> {
    this.setS(n, S.DIPR, ip(addr));
    this.setS16(n, S.DPORT, port);
    this.command(n, CR.CONNECT);
    await waitFor('connect outcome', () => {
      const sr = this.status(n);
      if (seen && seen[seen.length - 1] !== sr) seen.push(sr);
      if (sr === SR.ESTABLISHED) return true;
      if (this.s8(n, S.IR) & IRB.TIMEOUT) throw new Error('ETIMEDOUT');
      if (sr === SR.CLOSED) throw new Error('ECONNREFUSED');
      return false;
    });
    this.clearIr(n, IRB.CON);
  }

  /** §10 send: wait for room (stable TX_FSR), write at TX_WR in one frame, advance, SEND, wait SEND_OK. */
  async send(n: number, data: Uint8Array): Promise<void> {
    await waitFor('TX space', () => this.stable16(n, S.TX_FSR) >= data.length);
    const wr = this.s16(n, S.TX_WR);
    this.write(txBsb(n), wr, data);
    this.setS16(n, S.TX_WR, (wr + data.length) & 0xffff);
    this.command(n, CR.SEND);
    await waitFor('SEND_OK', () => {
      const ir = this.s8(n, S.IR);
      if (ir & IRB.TIMEOUT) throw new Error('ETIMEDOUT');
      return (ir & IRB.SEND_OK) !== 0;
    });
    this.clearIr(n, IRB.SEND_OK);
  }

  /** §10 receive: stable RX_RSR, read at RX_RD, advance, RECV. Returns what was there (maybe nothing). */
  receive(n: number, max = 0xffff): Uint8Array {
    const size = this.stable16(n, S.RX_RSR);
    if (size === 0) return new Uint8Array(0);
    const take = Math.min(size, max);
    const rd = this.s16(n, S.RX_RD);
    const data = this.read(rxBsb(n), rd, take);
    this.setS16(n, S.RX_RD, (rd + take) & 0xffff);
    this.command(n, CR.RECV);
    return data;
  }

  /** Receive until `length` bytes came in. */
  async receiveExactly(n: number, length: number): Promise<Uint8Array> {
    const parts: number[] = [];
    await waitFor(`${length} bytes on S${n}`, () => {
      parts.push(...this.receive(n));
      return parts.length >= length;
    });
    return Uint8Array.from(parts);
  }

  /** One UDP datagram from RX: header (peer IP, port, length) + payload. */
  receiveDatagram(n: number): { ip: string; port: number; data: Uint8Array } | undefined {
    if (this.stable16(n, S.RX_RSR) < 8) return undefined;
    const rd = this.s16(n, S.RX_RD);
    const head = this.read(rxBsb(n), rd, 8);
    const length = (head[6] << 8) | head[7];
    const data = this.read(rxBsb(n), (rd + 8) & 0xffff, length);
    this.setS16(n, S.RX_RD, (rd + 8 + length) & 0xffff);
    this.command(n, CR.RECV);
    return { ip: Array.from(head.subarray(0, 4)).join('.'), port: (head[4] << 8) | head[5], data };
  }

  /** UDP: destination + data + SEND; waits for SEND_OK (or returns 'timeout'). */
  async sendTo(n: number, addr: string, port: number, data: Uint8Array): Promise<'ok' | 'timeout'> {
    this.setS(n, S.DIPR, ip(addr));
    this.setS16(n, S.DPORT, port);
    const wr = this.s16(n, S.TX_WR);
    this.write(txBsb(n), wr, data);
    this.setS16(n, S.TX_WR, (wr + data.length) & 0xffff);
    this.command(n, CR.SEND);
    const ir = await waitFor('SEND_OK or TIMEOUT', () => this.s8(n, S.IR) & (IRB.SEND_OK | IRB.TIMEOUT));
    this.clearIr(n, IRB.SEND_OK | IRB.TIMEOUT);
    return ir & IRB.SEND_OK ? 'ok' : 'timeout';
  }
}

/** The board's pins as the sandbox would wire them. */
export class FakePins {
  private readonly outputs = new Map<number, (level: 0 | 1) => void>();
  private readonly inputs = new Map<number, () => 0 | 1>();
  onOutput(pin: number, listener: (level: 0 | 1) => void): void {
    this.outputs.set(pin, listener);
  }
  driveInput(pin: number, level: () => 0 | 1): void {
    this.inputs.set(pin, level);
  }
  /** digitalWrite(pin, level) on the board. */
  write(pin: number, level: 0 | 1): void {
    this.outputs.get(pin)?.(level);
  }
  /** digitalRead(pin) on the board. */
  read(pin: number): 0 | 1 {
    const level = this.inputs.get(pin);
    if (!level) throw new Error(`nothing drives GP${pin}`);
    return level();
  }
}

/** Busy-wait, as the board's delay() does. */
export function spin(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end);
}

/** Resolves with the error message `promise` rejects with; fails if it resolves or the message differs. */
export async function rejects(promise: Promise<unknown>, pattern: RegExp): Promise<void> {
  let message: string | null = null;
  try {
    await promise;
  } catch (err) {
    message = (err as Error).message;
  }
  if (message === null) throw new Error(`expected a rejection matching ${pattern}, it resolved`);
  if (!pattern.test(message)) throw new Error(`expected a rejection matching ${pattern}, got '${message}'`);
}
