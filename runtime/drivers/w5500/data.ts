// A connection's data: RX drained into read_cb, writes copied into TX and SENT one at a time (their
// callbacks fire on SEND_OK), the peer's FIN, half-close, and how a connection ends or fails.
import { ERRNO, SockState } from '../../netdev-contract';
import { Cmd, command, frame, hardClose, hex2, r16, r8, readSpi, Reg, rxBuf, sreg, Sr, stable16, T, txBuf, w16, W, xfer } from './chip';
import { chipLost, emit, report, safe, setError, soon, stage } from './core';
import { dropHw, failWrites } from './sockets';
import type { Rec } from './types';

/** Constants (a const enum: inlined, nothing in the heap). */
const enum K {
  FSR_POLL_MS = 5,
}

/** Moves up to `budget` received bytes to read_cb; returns the bytes moved. */
function readRx(rec: Rec, n: number, budget: number): number {
  const b = sreg(n);
  const rsr = stable16(n, Reg.Sn_RX_RSR);
  if (rsr > W.BUF) {
    lose(rec, ERRNO.EIO, globalThis.KN_ERRMSG !== false && ('socket ' + n + ' reports ' + rsr + ' bytes received in a ' + W.BUF + '-byte buffer (SPI errors?)'));
    return 0;
  }
  const len = Math.min(rsr, budget);
  rec.rxCheck = rsr > len;
  if (len <= 0) return 0;
  const rd = r16(b, Reg.Sn_RX_RD);
  const data = readSpi(rxBuf(n), rd, len);
  w16(b, Reg.Sn_RX_RD, (rd + len) & 0xffff);
  command(n, Cmd.RECV);
  if (!rec.readShut) {
    emit(() => {
      if (!rec.freed) safe(rec.sock.read_cb, data);
    });
  }
  return len;
}

/** Copies queued bytes into TX (as many as TX_FSR allows) and SENDs them. */
function fillTx(rec: Rec, n: number, budget: number, now: number): number {
  const b = sreg(n);
  const fsr = stable16(n, Reg.Sn_TX_FSR);
  if (fsr > W.BUF) {
    lose(rec, ERRNO.EIO, globalThis.KN_ERRMSG !== false && ('socket ' + n + ' reports ' + fsr + ' bytes free in a ' + W.BUF + '-byte buffer (SPI errors?)'));
    return 0;
  }
  const len = Math.min(fsr, rec.queued - rec.taken, budget);
  if (len <= 0) return 0;
  const wr = r16(b, Reg.Sn_TX_WR);
  const tx = frame(txBuf(n), wr, true, len);
  let filled = 0;
  while (filled < len) {
    const chunk = rec.txq[0];
    const k = Math.min(chunk.length - rec.txOff, len - filled);
    tx.set(chunk.subarray(rec.txOff, rec.txOff + k), 3 + filled);
    filled += k;
    rec.txOff += k;
    if (rec.txOff === chunk.length) {
      rec.txq.shift();
      rec.txOff = 0;
    }
  }
  xfer(tx);
  w16(b, Reg.Sn_TX_WR, (wr + len) & 0xffff);
  command(n, Cmd.SEND);
  rec.taken += len;
  rec.inflight = len;
  rec.deadline = now + T.send;
  return len;
}

/** The connection failed: error_cb(err), then close_cb. */
export function lose(rec: Rec, err: number, msg: string | false): void {
  if (rec.phase !== 'connected') return;
  rec.phase = 'closed';
  rec.sock.state = SockState.Closed;
  failWrites(rec, err);
  if (rec.hw >= 0 && stage !== 'dead') {
    hardClose(rec.hw);
    dropHw(rec);
  }
  emit(() => {
    if (rec.freed) return;
    setError(err, msg);
    safe(rec.sock.error_cb, err);
    safe(rec.sock.close_cb);
  });
}

/** Both sides finished: the rest of RX, shutdown_cb (if not yet), close_cb. */
function finish(rec: Rec): void {
  rec.phase = 'closed';
  rec.sock.state = SockState.Closed;
  dropHw(rec);
  const fin = !rec.finDelivered;
  rec.finDelivered = true;
  emit(() => {
    if (rec.freed) return;
    if (fin) safe(rec.sock.shutdown_cb);
    safe(rec.sock.close_cb);
  });
}

export function pollConnected(rec: Rec, n: number, ir: number, sr: number, now: number, budget: number): number {
  if (ir & W.IR_DISCON || sr === Sr.CLOSE_WAIT || sr === Sr.TIME_WAIT || sr === Sr.LAST_ACK || sr === Sr.CLOSING) rec.peerFin = true;
  if (ir & W.IR_RECV) rec.rxCheck = true;
  if (ir & W.IR_TIMEOUT) rec.timedOut = true;
  if (rec.inflight > 0 && ir & W.IR_SEND_OK) {
    rec.acked += rec.inflight;
    rec.inflight = 0;
  }
  while (rec.writes.length && rec.writes[0].end <= rec.acked) {
    const cb = rec.writes.shift()!.cb;
    emit(() => report(cb, 0));
  }
  const peer = globalThis.KN_ERRMSG !== false && rec.sock.raddr + ':' + rec.sock.rport;
  if (rec.inflight > 0 && !rec.timedOut && sr !== Sr.CLOSED && now >= rec.deadline) {
    lose(rec, ERRNO.ETIMEDOUT, globalThis.KN_ERRMSG !== false && 'send to ' + peer + ' not acknowledged within ' + T.send / 1000 + ' s');
    return 0;
  }
  if (sr === Sr.CLOSED) {
    if (rec.timedOut) {
      lose(rec, ERRNO.ETIMEDOUT, globalThis.KN_ERRMSG !== false && 'connection to ' + peer + ' timed out (data not acknowledged)');
      return 0;
    }
    if (!(rec.peerFin && rec.finSent)) {
      const v = r8(0, Reg.VERSIONR);
      if (v !== 0x04) chipLost('the W5500 stopped answering (VERSIONR reads 0x' + hex2(v) + ', expected 0x04)');
      else lose(rec, ERRNO.ECONNRESET, globalThis.KN_ERRMSG !== false && 'connection to ' + peer + ' reset by peer');
      return 0;
    }
  }
  let used = 0;
  if (!rec.paused && (rec.rxCheck || (rec.peerFin && !rec.finDelivered) || sr === Sr.CLOSED)) used = readRx(rec, n, budget);
  if (rec.phase !== 'connected') return used;
  if (rec.rxCheck && !rec.paused) soon(0);
  if (sr === Sr.CLOSED) {
    if (!rec.paused && !rec.rxCheck) finish(rec);
    return used;
  }
  if (rec.peerFin && !rec.finDelivered && !rec.rxCheck && !rec.paused) {
    rec.finDelivered = true;
    emit(() => {
      if (!rec.freed) safe(rec.sock.shutdown_cb);
    });
  }
  let stalled = false;
  if (rec.inflight === 0 && (sr === Sr.ESTABLISHED || sr === Sr.CLOSE_WAIT)) {
    if (rec.taken < rec.queued) {
      const sent = fillTx(rec, n, budget - used, now);
      stalled = sent === 0 && budget - used > 0;
      used += sent;
    } else if (rec.wshut && !rec.finSent) {
      command(n, Cmd.DISCON);
      rec.finSent = true;
      const cbs = rec.shutCbs;
      rec.shutCbs = [];
      for (let i = 0; i < cbs.length; i++) {
        const cb = cbs[i];
        emit(() => report(cb, 0));
      }
    }
  }
  // TX_FSR at 0 (the peer's window is shut) frees up only as the peer reads: poll gently.
  if (stalled) soon(K.FSR_POLL_MS);
  else if (rec.inflight > 0 || rec.taken < rec.queued || rec.writes.length || rec.shutCbs.length) soon(0);
  return used;
}
