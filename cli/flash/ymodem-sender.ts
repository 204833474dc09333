// YMODEM-1K sender with CRC-16, shaped by what Kaluma 1.2.1's receiver does (src/ymodem.c): `C` once a
// second until the first packet (the first after 1 s); the header's ACK (then `C`) comes only after the
// whole program region is erased; a bad or cut-off packet gets `C`, a wrong sequence number `NAK` (also
// a repeat of a block it already has); EOT gets one ACK; the closing empty header ends the session and
// writes the terminating NUL, and "Done" follows 500 ms later. More than 5 bad packets in a row get
// CA CA, but the receiver keeps running: only CA CA from us, `a`, or a refused write end it.
import { crc16Xmodem } from './crc16';
import { SerialTimeoutError, type SerialLink } from './serial-link';

const STX = 0x02;
const EOT = 0x04;
const CA = 0x18;
const BLOCK = 1024;

export interface YmodemTimeouts {
  /** The receiver's first `C`. */
  startMs: number;
  /** The header's ACK: the board erases its program region first (10 s or more). */
  headerMs: number;
  /** Any other answer. Must exceed the receiver's own 1 s packet timeout, or a resend lands mid-packet. */
  blockMs: number;
}

export interface YmodemSendOptions {
  name: string;
  data: Uint8Array;
  timeouts: YmodemTimeouts;
  /** Attempts per packet before giving up with CA CA. */
  maxRetries: number;
  /** Send the header without waiting for the first `C`: Kaluma's receiver reads from the moment it
   *  announces itself, but asks with `C` only after a 1 s timeout. */
  headerFirst?: boolean;
  onProgress?: (sent: number, total: number) => void;
}

export interface YmodemResult {
  blocks: number;
  /** Packets sent more than once. */
  resends: number;
}

export class YmodemError extends Error {
  constructor(
    message: string,
    /** A fresh session may succeed (lost bytes, a stall that cleared); false for a refusal by the board. */
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = 'YmodemError';
  }
}

const SESSION_END = /Done|Aborted|Failed to receive|Verification failed|The file size is too large/;
const REPLY = /\x06|\x15|C|\x18\x18|Done|Aborted|Failed to receive|Verification failed|The file size is too large/;

/** The board's answers to a program it cannot store: a new session would fail the same way. */
const REFUSALS = ['Verification failed', 'The file size is too large'];

type Reply = 'ack' | 'nak' | 'c' | 'ca' | 'timeout' | { end: string };

export function ymodemPacket(seq: number, payload: Uint8Array): Uint8Array {
  if (payload.length > BLOCK) throw new Error(`YMODEM payload of ${payload.length} bytes exceeds ${BLOCK}`);
  const packet = new Uint8Array(3 + BLOCK + 2);
  packet[0] = STX;
  packet[1] = seq & 0xff;
  packet[2] = 0xff - (seq & 0xff);
  const data = packet.subarray(3, 3 + BLOCK);
  data.fill(0xff);
  data.set(payload);
  const crc = crc16Xmodem(data);
  packet[3 + BLOCK] = crc >> 8;
  packet[4 + BLOCK] = crc & 0xff;
  return packet;
}

/** Block 0: `<name>\0<size in decimal> `, zero-padded. An all-zero block 0 ends the session. */
export function ymodemHeader(name: string, size: number): Uint8Array {
  const payload = new Uint8Array(BLOCK);
  payload.set(Buffer.from(`${name}\0${size} `, 'latin1'));
  return ymodemPacket(0, payload);
}

export async function sendYmodem(link: SerialLink, o: YmodemSendOptions): Promise<YmodemResult> {
  const { data, timeouts, maxRetries } = o;
  const count = Math.ceil(data.length / BLOCK);
  let resends = 0;

  const reply = async (timeoutMs: number): Promise<Reply> => {
    try {
      const m = await link.expect(REPLY, timeoutMs, 'YMODEM answer');
      const t = m[0];
      return t === '\x06' ? 'ack' : t === '\x15' ? 'nak' : t === 'C' ? 'c' : t === '\x18\x18' ? 'ca' : { end: t };
    } catch (e) {
      if (e instanceof SerialTimeoutError) return 'timeout';
      throw e;
    }
  };
  const boardAborted = async (at: string): Promise<never> => {
    let said = '';
    try {
      said = (await link.expect(SESSION_END, timeouts.blockMs, 'message'))[0];
    } catch (e) {
      if (!(e instanceof SerialTimeoutError)) throw e;
    }
    const refused = REFUSALS.includes(said);
    throw new YmodemError(
      `the board aborted the transfer at ${at}` + (said ? ` and said "${said}"` : '') + (refused ? ' (the program does not fit its program region, or writing the flash failed)' : ''),
      !refused,
    );
  };
  const giveUp = async (why: string): Promise<never> => {
    await link.write(new Uint8Array([CA, CA])).catch(() => undefined);
    throw new YmodemError(why, true);
  };
  const unexpectedEnd = (r: { end: string }, at: string): never => {
    throw new YmodemError(`the board ended the transfer at ${at} and said "${r.end}"`, !REFUSALS.includes(r.end));
  };
  const dataBlock = (n: number) => ymodemPacket(n, data.subarray((n - 1) * BLOCK, n * BLOCK));

  // Header: each attempt waits for a fresh `C`, so a `C` in answer means the header was not taken, or
  // that its answer was lost and the board now asks for block 1. Block 1 tells which: the board takes it
  // only in the second case, and NAKs it in the first.
  let n = 1;
  let headerSent = false;
  let eager = !!o.headerFirst;
  for (let attempt = 1; ; attempt++) {
    if (attempt > maxRetries) await giveUp(`no ACK for the header block after ${maxRetries} attempts (the board erases its program region before it answers)`);
    if (headerSent) {
      resends++;
      link.discard();
      await link.write(dataBlock(1));
      const p = await reply(timeouts.blockMs);
      if (p === 'ack') {
        n = 2;
        break;
      }
      if (p === 'ca') await boardAborted('the header block');
      if (typeof p === 'object') unexpectedEnd(p, 'the header block');
    }
    if (!eager) {
      link.discard();
      const r = await reply(timeouts.startMs);
      if (r === 'ca') await boardAborted('the start');
      if (r === 'ack' && headerSent) {
        // The header's ACK, late: the erase took longer than headerMs. Its `C` follows.
        await reply(timeouts.blockMs);
        break;
      }
      if (r !== 'c') {
        if (!headerSent) throw new YmodemError(`the board did not start its YMODEM receiver (no "C" within ${timeouts.startMs} ms after .flash -w)`, true);
        continue;
      }
    }
    eager = false;
    await link.write(ymodemHeader(o.name, data.length));
    headerSent = true;
    const h = await reply(timeouts.headerMs);
    if (h === 'ca') await boardAborted('the header block');
    if (typeof h === 'object') unexpectedEnd(h, 'the header block');
    if (h === 'ack') {
      // The receiver asks for the first data block with one more `C`.
      const go = await reply(timeouts.blockMs);
      if (go === 'ca') await boardAborted('the header block');
      if (typeof go === 'object') unexpectedEnd(go, 'the header block');
      break;
    }
  }
  o.onProgress?.(Math.min((n - 1) * BLOCK, data.length), data.length);

  let attempts = 0;
  while (n <= count) {
    if (attempts >= maxRetries) await giveUp(`block ${n} of ${count} was not acknowledged after ${maxRetries} attempts`);
    if (attempts > 0) resends++;
    attempts++;
    link.discard();
    await link.write(dataBlock(n));
    let r = await reply(timeouts.blockMs);
    if (r === 'nak' && attempts > 1 && n < count) {
      // A NAK for a repeat means the board may already hold block n (its ACK was lost). Block n+1 is
      // accepted only if so; if not, it gets a NAK too, and block n goes again. Either way nothing is skipped.
      link.discard();
      await link.write(dataBlock(n + 1));
      const probe = await reply(timeouts.blockMs);
      if (probe === 'ack') {
        n++;
        r = 'ack';
      } else if (probe === 'ca' || typeof probe === 'object') r = probe;
    }
    if (r === 'ack') {
      n++;
      attempts = 0;
      o.onProgress?.(Math.min((n - 1) * BLOCK, data.length), data.length);
    } else if (r === 'ca') await boardAborted(`block ${n} of ${count}`);
    else if (typeof r === 'object') unexpectedEnd(r, `block ${n} of ${count}`);
  }

  for (let attempt = 1; ; attempt++) {
    if (attempt > maxRetries) await giveUp(`no ACK for the end of the file (EOT) after ${maxRetries} attempts`);
    if (attempt > 1) resends++;
    link.discard();
    await link.write(new Uint8Array([EOT]));
    const r = await reply(timeouts.blockMs);
    // `C` here: the board took EOT (its ACK was lost) and already asks for the next header.
    if (r === 'ack' || r === 'c') break;
    if (r === 'ca') await boardAborted('the end of the file');
    if (typeof r === 'object') unexpectedEnd(r, 'the end of the file');
  }

  // The closing empty header. Its ACK may be lost while the board still says "Done": watch for both.
  const closing = ymodemPacket(0, new Uint8Array(BLOCK));
  for (let attempt = 1; ; attempt++) {
    if (attempt > maxRetries) await giveUp(`no answer to the closing header block after ${maxRetries} attempts; the program is not finished on the board`);
    if (attempt > 1) resends++;
    link.discard();
    await link.write(closing);
    const r = await reply(timeouts.blockMs);
    if (typeof r === 'object') {
      if (r.end === 'Done') return { blocks: count, resends };
      unexpectedEnd(r, 'the closing header block');
    }
    if (r === 'ca') await boardAborted('the closing header block');
    if (r === 'c' || r === 'nak') continue;
    // ACK, or nothing: the board may be back in its REPL, where a resent block would be typed text.
    try {
      const m = await link.expect(SESSION_END, timeouts.blockMs, 'end of the YMODEM session');
      if (m[0] === 'Done') return { blocks: count, resends };
      unexpectedEnd({ end: m[0] }, 'the closing header block');
    } catch (e) {
      if (!(e instanceof SerialTimeoutError)) throw e;
      if (r === 'ack') await giveUp('the board acknowledged the closing header block but did not say "Done"');
    }
  }
}
