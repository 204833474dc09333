// A scripted ESP8266 AT modem for driver unit tests, answering with the exact byte sequences of
// shared/docs/esp-at.md (both dialects). It is the driver's UART (on/write/close), runs on a
// FakeClock, and lets a test override any command, inject URCs, play peers and garble its output.

import type { FakeClock } from './clock';

/** What the modem needs of a clock (a FakeClock, or the device side of a FirmwareLoop). */
export type ModemClock = Pick<FakeClock, 'now' | 'setTimeout'>;

export type Dialect = 'nonos' | 'esp-at';

/** A scripted answer: text (sent at once) or timed pieces [delayMs, text]. `null` = say nothing. */
export type Answer = string | [number, string][] | null;

export interface FakeModemOptions {
  dialect: Dialect;
  /** Networks the modem can join: ssid -> password. */
  networks?: Record<string, string>;
  /** DNS: name -> address. */
  hosts?: Record<string, string>;
  /** Which peers accept a connection ('ip:port'); others refuse. Default: all accept. */
  accepts?: (ip: string, port: number) => boolean;
  /** Max bytes per 'data' event the driver gets (Kaluma delivers what arrived in one loop pass). */
  chunk?: number;
  /** AT+CIPRECVMODE supported. */
  passiveSupported?: boolean;
  /** Start with echo on (a freshly booted modem). Default true. */
  echo?: boolean;
  /** Already joined at start. */
  joined?: string | null;
  /** Delay (ms) before a CIPSTART answers. */
  connectDelay?: number;
}

interface Link {
  ip: string;
  rport: number;
  lport: number;
  server: boolean;
  rx: number[];
  notified: boolean;
}

const enc = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0) & 0xff);
const str = (u8: Uint8Array | number[]): string => String.fromCharCode(...u8);

export class FakeModem {
  /** Command lines received, without CRLF. */
  readonly commands: string[] = [];
  /** CIPSEND payloads received, per link. */
  readonly sent: Map<number, number[]> = new Map();
  /** Called for every CIPSEND payload (e.g. a peer that echoes). */
  onPayload: ((link: number, data: Uint8Array) => void) | null = null;
  /** Mangles each output chunk before delivery (fuzzing). */
  garble: ((bytes: Uint8Array) => Uint8Array) | null = null;
  /** Scripted answers, tried before the built-in ones; return undefined to fall through. */
  readonly scripts: ((cmd: string) => Answer | undefined)[] = [];
  closed = false;

  echo: boolean;
  mux = 0;
  passive = false;
  joined: string | null;
  server: { port: number; max: number } | null = null;
  links: (Link | null)[] = [null, null, null, null, null];
  ip = '192.168.1.50';
  mac = '5c:cf:7f:01:02:03';

  private listener: ((chunk: Uint8Array) => void) | null = null;
  private inbuf: number[] = [];
  private busyUntil = -1;
  private dataMode: { link: number; left: number; got: number[] } | null = null;
  private outQueue: number[] = [];
  private flushing = false;

  constructor(readonly clock: ModemClock, readonly opts: FakeModemOptions) {
    this.echo = opts.echo !== false;
    this.joined = opts.joined || null;
  }

  // ------------------------------------------------------------ UART side (the driver's view)
  on(_event: 'data', fn: (chunk: Uint8Array) => void): void {
    this.listener = fn;
  }

  close(): void {
    this.closed = true;
  }

  write(data: Uint8Array | string): void {
    const bytes = typeof data === 'string' ? enc(data) : data;
    if (bytes.byteOffset !== 0 || bytes.byteLength !== bytes.buffer.byteLength) {
      throw new Error('uart.write got a view: Kaluma would send the whole underlying buffer');
    }
    for (const b of bytes) this.byteIn(b);
  }

  /** Nothing left to send to the driver. */
  get quiet(): boolean {
    return this.outQueue.length === 0 && this.clock.now >= this.busyUntil;
  }

  // ------------------------------------------------------------ output
  /** Queues bytes for the driver; delivered over the next clock ticks in `chunk`-sized pieces. */
  out(text: string | Uint8Array): void {
    const bytes = typeof text === 'string' ? enc(text) : text;
    for (const b of bytes) this.outQueue.push(b);
    if (!this.flushing) {
      this.flushing = true;
      this.clock.setTimeout(() => this.deliver(), 1);
    }
  }

  private deliver(): void {
    if (!this.outQueue.length || this.closed) {
      this.flushing = false;
      return;
    }
    const n = Math.min(this.outQueue.length, this.opts.chunk || 4096);
    let piece: Uint8Array = Uint8Array.from(this.outQueue.splice(0, n));
    if (this.garble) piece = this.garble(piece);
    if (this.listener && piece.length) this.listener(piece);
    this.clock.setTimeout(() => this.deliver(), 1);
  }

  private play(a: Answer, cmdBusy: boolean): void {
    if (a === null) return;
    if (typeof a === 'string') {
      this.out(a);
      return;
    }
    let t = 0;
    for (const [delay, text] of a) {
      t += delay;
      this.clock.setTimeout(() => this.out(text), t);
    }
    if (cmdBusy) this.busyUntil = this.clock.now + t;
  }

  // ------------------------------------------------------------ input
  private byteIn(b: number): void {
    if (this.dataMode) {
      const d = this.dataMode;
      d.got.push(b);
      if (--d.left === 0) {
        this.dataMode = null;
        const data = Uint8Array.from(d.got);
        const all = this.sent.get(d.link) || [];
        all.push(...data);
        this.sent.set(d.link, all);
        this.out(`\r\nRecv ${data.length} bytes\r\n`);
        this.busyUntil = this.clock.now + 2;
        this.clock.setTimeout(() => {
          this.out('\r\nSEND OK\r\n');
          if (this.onPayload) this.onPayload(d.link, data);
        }, 2);
      }
      return;
    }
    this.inbuf.push(b);
    const n = this.inbuf.length;
    if (n >= 2 && this.inbuf[n - 2] === 13 && this.inbuf[n - 1] === 10) {
      const line = str(this.inbuf.slice(0, n - 2));
      this.inbuf = [];
      this.command(line);
    }
  }

  private command(line: string): void {
    if (this.clock.now < this.busyUntil) {
      this.out('busy p...\r\n');
      return;
    }
    this.commands.push(line);
    if (this.echo) this.out(line + '\r\r\n');
    for (const s of this.scripts) {
      const a = s(line);
      if (a !== undefined) {
        this.play(a, true);
        return;
      }
    }
    this.play(this.builtin(line), true);
  }

  // ------------------------------------------------------------ built-in behaviour (fact sheet)
  get nonos(): boolean {
    return this.opts.dialect === 'nonos';
  }

  private builtin(cmd: string): Answer {
    const OK = '\r\nOK\r\n';
    const ERROR = '\r\nERROR\r\n';
    let m: RegExpExecArray | null;
    if (cmd === 'AT') return OK;
    if (cmd === 'ATE0') {
      this.echo = false;
      return OK;
    }
    if (cmd === 'AT+GMR') {
      return this.nonos
        ? 'AT version:1.7.4.0(May 11 2020 19:13:04)\r\nSDK version:3.0.4(9532ceb)\r\ncompile time:May 27 2020 10:12:17\r\nBin version(Wroom 02):1.7.4\r\nOK\r\n'
        : 'AT version:2.2.0.0(b097cdf - ESP8266 - Jun 17 2021 12:57:45)\r\nSDK version:v3.4-22-g967752e2\r\ncompile time(6800286):Aug  4 2021 17:20:05\r\nBin version:2.2.0(Cytron_ESP-01S)\r\n\r\nOK\r\n';
    }
    if (cmd === 'AT+SYSSTORE=0') return this.nonos ? ERROR : OK;
    if (cmd === 'AT+CWMODE_CUR=1') return this.nonos ? OK : ERROR;
    if (cmd === 'AT+CWMODE=1') return OK;
    if (cmd === 'AT+CIPMUX=1') {
      if (this.server || this.links.some((l) => l)) return ERROR;
      this.mux = 1;
      return OK;
    }
    if (cmd === 'AT+CIPMUX?') return `+CIPMUX:${this.mux}\r\n\r\nOK\r\n`;
    if (cmd === 'AT+CIPRECVMODE=1') {
      if (!this.opts.passiveSupported) return ERROR;
      this.passive = true;
      return OK;
    }
    if (cmd === 'AT+CIFSR') {
      const ip = this.joined ? this.ip : '0.0.0.0';
      return `+CIFSR:STAIP,"${ip}"\r\n+CIFSR:STAMAC,"${this.mac}"\r\n\r\nOK\r\n`;
    }
    if ((m = /^AT\+CWJAP(_CUR)?="((?:[^"\\]|\\.)*)","((?:[^"\\]|\\.)*)"(?:,"[^"]*")?$/.exec(cmd))) {
      if (m[1] && !this.nonos) return ERROR;
      const ssid = m[2].replace(/\\(.)/g, '$1');
      const pwd = m[3].replace(/\\(.)/g, '$1');
      const nets = this.opts.networks || {};
      const pre = this.joined ? 'WIFI DISCONNECT\r\n' : '';
      this.joined = null;
      if (!(ssid in nets)) return [[30, pre + `+CWJAP:3\r\n\r\n${this.nonos ? 'FAIL' : 'ERROR'}\r\n`]];
      if (nets[ssid] !== pwd) return [[30, pre + `+CWJAP:2\r\n\r\n${this.nonos ? 'FAIL' : 'ERROR'}\r\n`]];
      this.clock.setTimeout(() => (this.joined = ssid), 30);
      return [[10, pre + 'WIFI CONNECTED\r\n'], [20, 'WIFI GOT IP\r\n\r\nOK\r\n']];
    }
    if (cmd === 'AT+CWJAP?') {
      if (this.joined) return `+CWJAP:"${this.joined}","aa:bb:cc:dd:ee:ff",6,-55\r\n\r\nOK\r\n`;
      return this.nonos ? 'No AP\r\n\r\nOK\r\n' : OK;
    }
    if (cmd === 'AT+CWQAP') {
      const was = this.joined;
      this.joined = null;
      return was ? [[0, OK], [5, 'WIFI DISCONNECT\r\n']] : OK;
    }
    if (cmd === 'AT+CWLAP') {
      return [[50, '+CWLAP:(3,"home",-51,"aa:bb:cc:dd:ee:ff",6,-12,0)\r\n+CWLAP:(0,"caf\xc3\xa9",-80,"11:22:33:44:55:66",11,3,0)\r\n\r\nOK\r\n']];
    }
    if ((m = /^AT\+CIPDOMAIN="(.*)"$/.exec(cmd))) {
      const ip = (this.opts.hosts || {})[m[1]];
      if (!ip) return [[20, this.nonos ? 'DNS Fail\r\n\r\nERROR\r\n' : ERROR]];
      return [[20, `+CIPDOMAIN:${this.nonos ? ip : '"' + ip + '"'}\r\n\r\nOK\r\n`]];
    }
    if ((m = /^AT\+CIPSTART=(\d),"TCP","([^"]*)",(\d+)$/.exec(cmd))) {
      const id = Number(m[1]);
      if (!this.mux) return ERROR;
      if (this.links[id]) return this.nonos ? 'ALREADY CONNECTED\r\n\r\nERROR\r\n' : 'ALREADY CONNECTED\r\n\r\nERROR\r\n';
      let ip = m[2];
      if (!/^\d+\.\d+\.\d+\.\d+$/.test(ip)) {
        const h = (this.opts.hosts || {})[ip];
        if (!h) return [[20, this.nonos ? 'DNS Fail\r\n\r\nERROR\r\n' : ERROR]];
        ip = h;
      }
      const port = Number(m[3]);
      const delay = this.opts.connectDelay || 20;
      if (!this.joined || (this.opts.accepts && !this.opts.accepts(ip, port))) {
        return [[delay, `${ERROR}${id},CLOSED\r\n`]];
      }
      this.clock.setTimeout(() => {
        this.links[id] = { ip, rport: port, lport: 40000 + id, server: false, rx: [], notified: false };
      }, delay);
      return [[delay, `${id},CONNECT\r\n\r\nOK\r\n`]];
    }
    if ((m = /^AT\+CIPSEND=(\d),(\d+)$/.exec(cmd))) {
      const id = Number(m[1]);
      const len = Number(m[2]);
      if (!this.links[id]) return this.nonos ? 'link is not valid\r\n\r\nERROR\r\n' : ERROR;
      if (len < 1 || len > 2048) return ERROR;
      this.dataMode = { link: id, left: len, got: [] };
      return this.nonos ? '\r\nOK\r\n> ' : '\r\nOK\r\n\r\n>';
    }
    if ((m = /^AT\+CIPCLOSE=(\d)$/.exec(cmd))) {
      const id = Number(m[1]);
      if (id === 5) {
        if (!this.mux) return ERROR;
        let s = '';
        this.links.forEach((l, i) => {
          if (l) s += `${i},CLOSED\r\n`;
        });
        this.links = [null, null, null, null, null];
        return s + OK;
      }
      if (!this.links[id]) return this.nonos ? 'UNLINK\r\n\r\nERROR\r\n' : ERROR;
      this.links[id] = null;
      return `${id},CLOSED\r\n\r\nOK\r\n`;
    }
    if ((m = /^AT\+CIPSERVERMAXCONN=(\d)$/.exec(cmd))) return OK;
    if ((m = /^AT\+CIPSERVER=1,(\d+)$/.exec(cmd))) {
      if (!this.mux) return ERROR;
      const port = Number(m[1]);
      if (this.server && this.server.port !== port) return ERROR;
      this.server = { port, max: 5 };
      return OK;
    }
    if (cmd === 'AT+CIPSERVER=0') {
      if (!this.mux) return ERROR;
      const had = this.server;
      this.server = null;
      return had || !this.nonos ? OK : 'no change\r\n\r\nOK\r\n';
    }
    if (/^AT\+CIPSTO=\d+$/.test(cmd)) return OK;
    if (cmd === 'AT+CIPSTATUS' || cmd === 'AT+CIPSTATE?') {
      const tag = cmd === 'AT+CIPSTATUS' ? '+CIPSTATUS:' : '+CIPSTATE:';
      let s = cmd === 'AT+CIPSTATUS' ? 'STATUS:3\r\n' : '';
      this.links.forEach((l, i) => {
        if (l) s += `${tag}${i},"TCP","${l.ip}",${l.rport},${l.lport},${l.server ? 1 : 0}\r\n`;
      });
      return s + OK;
    }
    if ((m = /^AT\+CIPRECVDATA=(\d),(\d+)$/.exec(cmd))) {
      const l = this.links[Number(m[1])];
      if (!l) return ERROR;
      const data = l.rx.splice(0, Number(m[2]));
      l.notified = false;
      const head = this.nonos ? `+CIPRECVDATA,${data.length}:` : `+CIPRECVDATA:${data.length},`;
      return head + str(data) + '\r\nOK\r\n';
    }
    if (cmd === 'AT+RST') {
      this.clock.setTimeout(() => this.reboot(), 20);
      return OK;
    }
    return ERROR;
  }

  // ------------------------------------------------------------ test controls
  /** Power cycle / crash: state lost, boot noise, then `ready`. */
  reboot(noise = '\x00\xff\x8e ets Jan  8 2013,rst cause:2\xd3\xa1'): void {
    this.echo = true;
    this.mux = 0;
    this.passive = false;
    this.joined = this.opts.joined || null;
    this.server = null;
    this.links = [null, null, null, null, null];
    this.dataMode = null;
    this.inbuf = [];
    this.busyUntil = this.clock.now + 30;
    this.out(noise);
    this.clock.setTimeout(() => this.out('\r\nready\r\n'), 30);
  }

  /** A client connects to our server: lowest free id. Returns the id, or -1. */
  clientConnect(ip = '192.168.1.77', rport = 51000): number {
    if (!this.server) return -1;
    const id = this.links.findIndex((l) => !l);
    if (id < 0) return -1;
    this.links[id] = { ip, rport, lport: this.server.port, server: true, rx: [], notified: false };
    this.out(`${id},CONNECT\r\n`);
    return id;
  }

  /** The peer of link `id` sends bytes. Active: +IPD records (≤ 1460); passive: buffer + notice. */
  peerSend(id: number, data: Uint8Array | string): void {
    const l = this.links[id];
    if (!l) throw new Error('no link ' + id);
    const bytes = typeof data === 'string' ? enc(data) : data;
    if (this.passive) {
      l.rx.push(...bytes);
      if (!l.notified) {
        l.notified = true;
        this.out(`+IPD,${id},${l.rx.length}\r\n`);
      }
      return;
    }
    for (let i = 0; i < bytes.length; i += 1460) {
      const piece = bytes.subarray(i, i + 1460);
      this.out(`\r\n+IPD,${id},${piece.length}:`);
      this.out(Uint8Array.from(piece));
    }
  }

  /** The peer of link `id` closes it. */
  peerClose(id: number): void {
    if (!this.links[id]) return;
    this.links[id] = null;
    this.out(`${id},CLOSED\r\n`);
  }

  /** Bytes received on link `id` so far, as a Latin-1 string. */
  sentOn(id: number): string {
    return str(this.sent.get(id) || []);
  }
}
