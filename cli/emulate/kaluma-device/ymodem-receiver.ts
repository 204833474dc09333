// Kaluma 1.2.1's YMODEM receiver (src/ymodem.c, km_ymodem_receive) ported statement by statement,
// reading from the firmware's tty ring buffer the way km_tty_read_sync does: it waits until `len`
// bytes are there or the 1 s timeout passes, and on a timeout consumes nothing, so the bytes of a
// cut-off packet are parsed afterwards as start bytes (an `a` among them aborts the session).
// Its quirks, kept: the first `C` comes only after a 1 s timeout; more than 5 errors answer CA CA
// but the session goes on; only CA CA, `a`/`A`, a refused write or a finished session end it.
import { crc16 } from './crc';

const SOH = 0x01;
const STX = 0x02;
const EOT = 0x04;
const ACK = 0x06;
const NAK = 0x15;
const CA = 0x18;
const C = 0x43;
const MAX_ERRORS = 5;

export type YmodemResult = 'ok' | 'limit' | 'data' | 'abort';

/** The firmware's message for each result (printed after its 500 ms pause). */
export const RESULT_TEXT: Record<YmodemResult, string> = {
  ok: 'Done',
  limit: 'The file size is too large',
  data: 'Verification failed',
  abort: 'Aborted',
};

export type FaultKind = 'dropAnswer' | 'badCrc' | 'nak' | 'corruptStore' | 'writeFails';

export interface ReceiverPort {
  /** km_tty_read_sync: `len` bytes once they are all there, or null after `timeoutMs` (nothing consumed). */
  read(len: number, timeoutMs: number): Promise<Uint8Array | null>;
  putc(...bytes: number[]): void;
  /** An injected fault for the block with this sequence number (consumed when it applies). */
  fault(kind: FaultKind, seq: number): boolean;
  /** An injected stall: when true, the receiver never answers again. */
  stallsAt(seq: number): boolean;
}

export interface ReceiverCallbacks {
  /** header_cb: km_prog_begin erases the whole program region (blocking). */
  header(name: string, size: number): Promise<void>;
  /** packet_cb: writes at most the bytes the header announced; false when the flash write fails. */
  packet(data: Uint8Array, seq: number): boolean;
  /** footer_cb: km_prog_end writes the terminating NUL. */
  footer(): void;
}

type Packet = { status: 'ok' | 'timeout' | 'error' | 'abort'; length: number; data: Uint8Array };

export async function receiveYmodem(port: ReceiverPort, cb: ReceiverCallbacks, timeoutMs: number): Promise<YmodemResult> {
  let errors = 0;
  let sessionDone = false;
  let sessionBegin = false;
  let result: YmodemResult = 'ok';
  while (!sessionDone && result === 'ok') {
    let packetsReceived = 0;
    let fileDone = false;
    while (!fileDone && result === 'ok') {
      const p = await receivePacket(port, timeoutMs);
      if (p.status === 'ok') {
        errors = 0;
        if (p.length === 2) {
          port.putc(ACK);
          result = 'abort';
        } else if (p.length === 0) {
          port.putc(ACK);
          fileDone = true;
        } else {
          const seq = p.data[0];
          if (port.stallsAt(seq)) await new Promise<never>(() => undefined);
          const body = p.data.subarray(2, 2 + p.length);
          if (seq !== (packetsReceived & 0xff) || port.fault('nak', seq)) {
            port.putc(NAK);
            continue;
          }
          const answer = (...bytes: number[]) => {
            if (!port.fault('dropAnswer', seq)) port.putc(...bytes);
          };
          if (packetsReceived === 0) {
            if (body[0] !== 0) {
              const text = Buffer.from(body).toString('latin1');
              const name = text.slice(0, Math.min(text.indexOf('\0'), 64));
              const sizeText = text.slice(name.length + 1).split(' ')[0].slice(0, 16);
              await cb.header(name, parseInt(sizeText, 10) || 0);
              answer(ACK, C);
            } else {
              answer(ACK);
              fileDone = true;
              sessionDone = true;
              cb.footer();
              continue;
            }
          } else if (!cb.packet(body, seq)) {
            port.putc(CA, CA);
            result = 'data';
          } else answer(ACK);
          packetsReceived++;
          sessionBegin = true;
        }
      } else if (p.status === 'abort') {
        port.putc(CA, CA);
        result = 'abort';
      } else {
        if (sessionBegin) errors++;
        if (errors > MAX_ERRORS) port.putc(CA, CA);
        else port.putc(C);
      }
    }
  }
  return result;
}

/** receive_packet: data[0] = sequence number, data[1] = its complement, then the payload and CRC. */
async function receivePacket(port: ReceiverPort, timeoutMs: number): Promise<Packet> {
  const none = new Uint8Array(0);
  const first = await port.read(1, timeoutMs);
  if (!first) return { status: 'timeout', length: 0, data: none };
  let size = 0;
  switch (first[0]) {
    case SOH:
      size = 128;
      break;
    case STX:
      size = 1024;
      break;
    case EOT:
      return { status: 'ok', length: 0, data: none };
    case CA: {
      const second = await port.read(1, timeoutMs);
      return second && second[0] === CA ? { status: 'ok', length: 2, data: none } : { status: 'error', length: 0, data: none };
    }
    case 0x41:
    case 0x61:
      return { status: 'abort', length: 0, data: none };
    default:
      return { status: 'error', length: 0, data: none };
  }
  const data = await port.read(size + 4, timeoutMs);
  if (!data) return { status: 'timeout', length: 0, data: none };
  if (data[0] !== (data[1] ^ 0xff)) return { status: 'error', length: 0, data: none };
  const crc = (data[size + 2] << 8) | data[size + 3];
  if (crc16(data.subarray(2, 2 + size)) !== crc || port.fault('badCrc', data[0])) return { status: 'error', length: 0, data: none };
  return { status: 'ok', length: size, data };
}
