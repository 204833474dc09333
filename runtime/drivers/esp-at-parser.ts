// Byte-level parser for the output of an ESP8266 AT modem (NonOS AT 1.x and ESP-AT 2.x).
// Lines, `+IPD` records with raw payloads, passive `+CIPRECVDATA` payloads and the CIPSEND prompt
// are told apart byte by byte, so a payload is never inspected and a URC may arrive anywhere.
// Garbage never wedges it: a malformed record header drops back to line mode (resync).

export interface AtParserSink {
  /** A complete, non-empty line without its CR/LF, as a Latin-1 string (one char per byte). */
  line(text: string): void;
  /** The payload of one active-mode `+IPD` record of link `link`, once all of it arrived. */
  ipd(link: number, data: Uint8Array): void;
  /** Passive-mode notice `+IPD,<link>,<len>`: `len` bytes are buffered in the modem. */
  notice(link: number, len: number): void;
  /** Payload bytes of a `+CIPRECVDATA` reply (either dialect); `n` is the header's byte count. */
  recvData(data: Uint8Array, n: number): void;
  /** The CIPSEND prompt (`>` or `> ` at line start) while `expectPrompt` was set. */
  prompt(): void;
}

const enum St {
  Line,
  IpdHeader,
  IpdData,
  RecvHeader,
  RecvData,
}

const CR = 13;
const LF = 10;
const PLUS = 0x2b;
const GT = 0x3e;
const MAX_LINE = 512;
const MAX_HEADER = 48;
/** Longest `+IPD`/`+CIPRECVDATA` payload believed; a bigger length is a garbled header. */
export const MAX_RECORD = 8192;

const IPD = [0x2b, 0x49, 0x50, 0x44, 0x2c]; // "+IPD,"
const RECV_PREFIX = '+CIPRECVDATA';

function isHeaderByte(b: number): boolean {
  return (b >= 0x30 && b <= 0x39) || b === 0x2c || b === 0x2e || b === 0x22; // digits , . "
}

function digitsToInt(s: string): number {
  if (s.length === 0 || s.length > 5) return -1;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return -1;
  }
  return parseInt(s, 10);
}

export class AtParser {
  /** Set by the driver while a CIPSEND waits for its prompt; cleared when the prompt is seen. */
  expectPrompt = false;
  private st = St.Line;
  private line = new Uint8Array(MAX_LINE);
  private len = 0;
  private overflow = false;
  private header = '';
  private recvNonOs = false;
  private link = 0;
  private left = 0;
  private recvN = 0;
  /** The +IPD record being received. */
  private rec: Uint8Array | null = null;
  private skipSpace = false;
  /** Bytes after a `+` in mid-line that still go through lineByte (a `+IPD,` split across chunks). */
  private slow = 0;

  constructor(private sink: AtParserSink) {}

  /** Back to line mode with nothing buffered (after a modem reset). */
  reset(): void {
    this.st = St.Line;
    this.len = 0;
    this.overflow = false;
    this.header = '';
    this.left = 0;
    this.rec = null;
    this.skipSpace = false;
    this.slow = 0;
    this.expectPrompt = false;
  }

  push(chunk: Uint8Array): void {
    let i = 0;
    const n = chunk.length;
    while (i < n) {
      switch (this.st) {
        case St.IpdData: {
          // A record is handed over whole: the UART splits it into many small events, and each
          // piece would cost the consumer a full trip through its stream.
          const take = Math.min(this.left, n - i);
          (this.rec as Uint8Array).set(chunk.subarray(i, i + take), this.rec!.length - this.left);
          i += take;
          this.left -= take;
          if (this.left === 0) {
            const rec = this.rec as Uint8Array;
            this.rec = null;
            this.st = St.Line;
            this.sink.ipd(this.link, rec);
          }
          break;
        }
        case St.RecvData: {
          const take = Math.min(this.left, n - i);
          const piece = chunk.slice(i, i + take);
          i += take;
          this.left -= take;
          if (this.left === 0) this.st = St.Line;
          this.sink.recvData(piece, this.recvN);
          break;
        }
        case St.IpdHeader:
        case St.RecvHeader: {
          // The header's digits, commas, dots and quotes at once, then its end byte on its own.
          let k = i;
          let b = chunk[k];
          while (k < n && k - i + this.header.length < MAX_HEADER && ((b >= 0x30 && b <= 0x39) || b === 0x2e || b === 0x22 || (b === 0x2c && this.st === St.IpdHeader))) b = chunk[++k];
          if (k > i) {
            this.header += latin1(chunk, i, k);
            i = k;
          } else if (this.headerByte(b)) i++;
          break;
        }
        default:
          i = this.lineBytes(chunk, i, n);
      }
    }
  }

  /** Line mode from chunk[i]; returns where it stopped. Byte by byte costs a board dearly (a JS call
   *  per byte), so runs of plain bytes are copied at once and only CR, LF, `+` (and what follows a
   *  `+` that may start a record), a prompt and the start of `+` lines go through lineByte. */
  private lineBytes(chunk: Uint8Array, i: number, n: number): number {
    const b = chunk[i];
    if (b === PLUS && i + 4 < n && chunk[i + 1] === 0x49 && chunk[i + 2] === 0x50 && chunk[i + 3] === 0x44 && chunk[i + 4] === 0x2c) {
      this.len = 0;
      this.overflow = false;
      this.header = '';
      this.skipSpace = false;
      this.slow = 0;
      this.st = St.IpdHeader;
      return i + 5;
    }
    if ((b === CR || b === LF) && !this.skipSpace) {
      const len = this.len;
      const emit = len > 0 && !this.overflow;
      this.len = 0;
      this.overflow = false;
      this.slow = 0;
      if (emit) this.sink.line(latin1(this.line, 0, len));
      return i + 1;
    }
    if (b === PLUS) this.slow = 5;
    if (this.slow > 0 || this.skipSpace || (b === GT && this.len === 0) || (this.len > 0 && this.len <= RECV_PREFIX.length && this.line[0] === PLUS)) {
      if (this.slow > 0) this.slow--;
      this.lineByte(b);
      return i + 1;
    }
    // To the next CR natively (the scan stops there), then LF and `+` within that stretch in JS.
    let stop = chunk.indexOf(CR, i);
    if (stop < 0) stop = n;
    let end = i + 1;
    let c = chunk[end];
    while (end < stop && c !== LF && c !== PLUS) c = chunk[++end];
    if (this.len + end - i > MAX_LINE) {
      // An over-long line is garbage: never emitted; `+IPD,` is still looked for.
      this.len = 0;
      this.overflow = true;
    } else {
      this.line.set(chunk.subarray(i, end), this.len);
      this.len += end - i;
    }
    return end;
  }

  private lineByte(b: number): void {
    if (this.skipSpace) {
      this.skipSpace = false;
      if (b === 0x20) return;
    }
    if (b === CR || b === LF) {
      const len = this.len;
      const overflow = this.overflow;
      this.len = 0;
      this.overflow = false;
      if (len > 0 && !overflow) this.sink.line(latin1(this.line, 0, len));
      return;
    }
    if (this.len === 0 && !this.overflow && b === 0x3e && this.expectPrompt) {
      this.expectPrompt = false;
      this.skipSpace = true;
      this.sink.prompt();
      return;
    }
    if (this.len === MAX_LINE) {
      // An over-long line is garbage: keep scanning it (for `+IPD,`) but never emit it.
      this.len = 0;
      this.overflow = true;
    }
    this.line[this.len++] = b;
    if (b === 0x2c && this.len >= 5 && this.endsWithIpd()) {
      // `+IPD,` starts a record even when it interrupts a line (garbage or an echo before it).
      this.len = 0;
      this.overflow = false;
      this.header = '';
      this.st = St.IpdHeader;
      return;
    }
    if (this.len === RECV_PREFIX.length + 1 && !this.overflow && (b === 0x2c || b === 0x3a) && this.startsWithRecv()) {
      this.len = 0;
      this.header = '';
      this.recvNonOs = b === 0x2c; // NonOS `+CIPRECVDATA,<n>:`, ESP-AT `+CIPRECVDATA:<n>,`
      this.st = St.RecvHeader;
    }
  }

  private endsWithIpd(): boolean {
    const base = this.len - 5;
    for (let k = 0; k < 5; k++) if (this.line[base + k] !== IPD[k]) return false;
    return true;
  }

  private startsWithRecv(): boolean {
    for (let k = 0; k < RECV_PREFIX.length; k++) {
      if (this.line[k] !== RECV_PREFIX.charCodeAt(k)) return false;
    }
    return true;
  }

  /** Returns false when the byte was not consumed (resync: it is reprocessed in line mode). */
  private headerByte(b: number): boolean {
    if (this.st === St.IpdHeader) {
      if (b === 0x3a) {
        this.endIpdHeader(false);
        return true;
      }
      if (b === CR || b === LF) {
        this.endIpdHeader(true);
        return false; // the CR/LF also ends the (empty) line
      }
    } else {
      const end = this.recvNonOs ? 0x3a : 0x2c;
      if (b === end) {
        this.endRecvHeader();
        return true;
      }
    }
    if (!isHeaderByte(b) || this.header.length >= MAX_HEADER || (this.st === St.RecvHeader && b === 0x2c)) {
      this.st = St.Line;
      return false;
    }
    this.header += String.fromCharCode(b);
    return true;
  }

  private endIpdHeader(notice: boolean): void {
    this.st = St.Line;
    const f = this.header.split(',');
    if (f.length !== 2 && f.length !== 4) return;
    const link = digitsToInt(f[0]);
    const len = digitsToInt(f[1]);
    if (link < 0 || link > 4 || len < 1 || len > MAX_RECORD) return;
    if (notice) {
      this.sink.notice(link, len);
      return;
    }
    this.link = link;
    this.left = len;
    this.rec = new Uint8Array(len);
    this.st = St.IpdData;
  }

  private endRecvHeader(): void {
    this.st = St.Line;
    const n = digitsToInt(this.header);
    if (n < 0 || n > MAX_RECORD) return;
    this.recvN = n;
    if (n === 0) {
      this.sink.recvData(new Uint8Array(0), 0);
      return;
    }
    this.left = n;
    this.st = St.RecvData;
  }
}

/** Bytes as a Latin-1 string, built in slices so no call gets too many arguments. */
export function latin1(u8: Uint8Array, start: number, end: number): string {
  let s = '';
  for (let i = start; i < end; i += 256) {
    s += String.fromCharCode.apply(null, u8.subarray(i, Math.min(end, i + 256)) as unknown as number[]);
  }
  return s;
}
