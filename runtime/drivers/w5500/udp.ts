// UDP datagrams on a hardware socket, for DHCP and DNS (programs get TCP only).
import { Cmd, command, r16, readSpi, Reg, rxBuf, setPeer, sreg, stable16, txBuf, w16, W, writeSpi } from './chip';
import { phys } from './sockets';

/** Constants (a const enum: inlined, nothing in the heap). */
const enum K {
  UDP_BUSY_MS = 1000,
}

/** Sends `data` to `to`:`port` unless the previous datagram still waits for SEND_OK (or TX is full). */
export function udpSend(n: number, to: number[], port: number, data: Uint8Array, now: number): boolean {
  const p = phys[n];
  if (p.udpBusyUntil && now < p.udpBusyUntil) return false;
  const b = sreg(n);
  setPeer(n, to, port);
  if (stable16(n, Reg.Sn_TX_FSR) < data.length) return false;
  const wr = r16(b, Reg.Sn_TX_WR);
  writeSpi(txBuf(n), wr, data);
  w16(b, Reg.Sn_TX_WR, (wr + data.length) & 0xffff);
  command(n, Cmd.SEND);
  p.udpBusyUntil = now + K.UDP_BUSY_MS;
  return true;
}

/** One datagram out of RX (8-byte header: peer IP, port, length — §7), or null. Interrupt bits
 *  `ir` of a finished SEND (SEND_OK, TIMEOUT) let the next datagram go. */
export function udpReceive(n: number, ir: number): { ip: number[]; port: number; data: Uint8Array } | null {
  if (ir & (W.IR_SEND_OK | W.IR_TIMEOUT)) phys[n].udpBusyUntil = 0;
  const b = sreg(n);
  const rsr = stable16(n, Reg.Sn_RX_RSR);
  if (rsr < 8) return null;
  const rd = r16(b, Reg.Sn_RX_RD);
  const h = readSpi(rxBuf(n), rd, 8);
  const length = (h[6] << 8) | h[7];
  const whole = rsr <= W.BUF && 8 + length <= rsr;
  const data = whole ? readSpi(rxBuf(n), (rd + 8) & 0xffff, length) : null;
  // A header that does not fit what arrived means garbage: drop everything received.
  w16(b, Reg.Sn_RX_RD, (rd + (whole ? 8 + length : rsr)) & 0xffff);
  command(n, Cmd.RECV);
  return data ? { ip: [h[0], h[1], h[2], h[3]], port: (h[4] << 8) | h[5], data } : null;
}
