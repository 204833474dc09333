// ESP-AT netdev and Wi-Fi driver: an ESP8266 (ESP-01) running Espressif's AT firmware (NonOS AT 1.x
// or ESP-AT 2.x) on a Kaluma UART, target `pico-esp01` (UART0, GP0 TX / GP1 RX, 115200 baud).
// Facts: shared/docs/esp-at.md. The modem gives five TCP links (ids 0..4, CIPMUX=1) and one server.
//
// end() — AT has no half-close: AT+CIPCLOSE closes both directions. shutdown(fd, 1 or 2) therefore
// waits until every pending write got its SEND OK, then closes the link with AT+CIPCLOSE: the peer
// receives all data and then FIN. The driver then reports the read side as ended too
// (shutdown_cb, then close_cb), so `net` ends the socket cleanly ('finish', 'end', 'close').
// Bytes the peer sends after our end() are lost — a client that ends its request and then waits for
// the reply (HTTP/1.0 style half-close) gets nothing on this modem; keep the socket open instead.
// shutdown(fd, 0) only discards further incoming data.
//
// Errors (errno, positive): connect refused/failed ECONNREFUSED, name not resolved ENOTFOUND (3008),
// Wi-Fi not joined ENETUNREACH, link invalid ENOTCONN, SEND FAIL ECONNRESET, writing after the
// peer closed EPIPE, modem not answering ETIMEDOUT, modem reset ECONNRESET (error_cb then close_cb),
// second listening port EADDRINUSE. `netdev.errmsg` holds a sentence for the last error.

import { AtParser } from './esp-at-parser';
import { ERRNO, SockState } from '../netdev-contract';
import type {
  Ieee80211dev,
  Netdev,
  NetdevCallback,
  NetdevSocket,
  Ptcl,
  WifiConnectInfo,
} from '../netdev-contract';

export interface EspAtUartConfig {
  /** UART port, 0 or 1 (default 0). */
  bus?: number;
  tx?: number;
  rx?: number;
  baudrate?: number;
  /** Kaluma RX ring buffer (default 4096: one loop pass of +IPD bursts must fit). */
  bufferSize?: number;
}

export interface EspAtTimeouts {
  /** Any command not listed below. */
  command: number;
  /** AT+CIPSTART (the modem itself blocks up to ~10 s). */
  connect: number;
  /** One AT+CIPSEND chunk, prompt to SEND OK. */
  send: number;
  /** AT+CWJAP. */
  join: number;
  /** AT+CWLAP. */
  scan: number;
  /** Waiting for `ready` after AT+RST. */
  boot: number;
  /** Delay before a modem that stopped answering is initialised again. */
  recover: number;
}

export interface EspAtConfig {
  uart?: EspAtUartConfig;
  /** Join this network once the modem is initialised (and again after a modem reset). */
  wifi?: { ssid: string; password?: string | null } | null;
  /** Passive receive (AT+CIPRECVMODE=1): the modem buffers and pause() flow-controls the peer.
   *  Needs NonOS AT >= 1.7 or ESP-AT >= 2.1; falls back to active mode when refused. */
  passive?: boolean;
  /** Bytes per AT+CIPSEND, 1..2048 (default 2048). */
  chunkSize?: number;
  /** AT+CIPSERVERMAXCONN, 1..5 (default 5). */
  serverMaxConn?: number;
  /** AT+CIPSTO: seconds before the modem drops an idle server-side link, 0..7200 (default 0 = never,
   *  as in Node). */
  serverTimeout?: number;
  timeouts?: Partial<EspAtTimeouts>;
  /** Where the driver reports modem resets and failed joins (default console.log). */
  log?: (msg: string) => void;
}

/** What the driver needs of Kaluma's UART instance. */
export interface UartLike {
  on(event: 'data', listener: (chunk: Uint8Array) => void): unknown;
  write(data: Uint8Array | string): unknown;
  close(): unknown;
}

export interface Timers {
  setTimeout(cb: () => void, ms: number): number;
  clearTimeout(id: number): void;
}

export type EspAtNetdev = Netdev & {
  /** A sentence describing the last error (beyond its errno). */
  errmsg: string;
  pause(fd: number, paused: boolean): void;
};

export interface EspAtDriver {
  netdev: EspAtNetdev;
  wifi: Ieee80211dev;
  /** 'nonos' (AT 1.x) or 'esp-at' (AT 2.x) once AT+GMR was read, else ''. */
  readonly dialect: string;
  /** Passive receive mode is on (config.passive and the firmware accepted it). */
  readonly passive: boolean;
  /** cb(0) once the modem is initialised (at once if it is), cb(errno) if initialisation failed. */
  whenReady(cb: (err: number) => void): void;
  /** Stops the driver: timers cleared, UART closed, no further callbacks. */
  close(): void;
}

const LINKS = 5;
const MAX_SOCKETS = 16;
const MAX_BUSY = 40;
const BUSY_RETRY_MS = 200;
const PROBE_MS = 1000;
/** After CIPSEND's OK, the prompt is assumed lost on the wire if it has not come by then. */
const PROMPT_MS = 500;
const PROBE_TRIES = 5;
/** A deadline that passed waits for the UART to be read and then stay quiet this long. */
const QUIET_MS = 30;
const MAX_GRACE = 10;
const INIT_ATTEMPTS = 3;
const RECV_MAX = 2048;
const EPROTONOSUPPORT = 93;
const EACCES = 13;

const DEFAULT_TIMEOUTS: EspAtTimeouts = {
  command: 3000,
  connect: 20000,
  send: 10000,
  join: 25000,
  scan: 15000,
  boot: 6000,
  recover: 10000,
};

interface Result {
  ok: boolean;
  /** The final line ('' after a timeout or an abort). */
  final: string;
  /** ETIMEDOUT after a timeout, the abort errno, else 0. */
  err: number;
}

interface Cmd {
  text: string;
  timeout: number;
  /** Link the command acts on (-1: none). Such commands are dropped when the modem resets. */
  link: number;
  /** Part of the initialisation sequence: the only commands that run while initialising. */
  init: boolean;
  payload: Uint8Array | null;
  info: ((line: string) => void) | null;
  recv: ((data: Uint8Array) => void) | null;
  done: (r: Result) => void;
  sent: boolean;
  prompted: boolean;
  dropped: boolean;
  busy: number;
  timer: Tm | null;
  /** Resync probe: the final counts only after an info line starting with this (else it is the
   *  late answer of a command given up on). */
  need: string;
  seen: boolean;
}

/** A timer whose id changes while it re-arms itself; id -1 once it fired. */
interface Tm {
  id: number;
}

interface CmdOpts {
  timeout?: number;
  link?: number;
  init?: boolean;
  payload?: Uint8Array;
  info?: (line: string) => void;
  recv?: (data: Uint8Array) => void;
  need?: string;
}

interface Write {
  data: Uint8Array;
  off: number;
  cb: NetdevCallback;
}

type Phase = 'idle' | 'connecting' | 'connected' | 'bound' | 'listening' | 'closed';

interface Rec {
  fd: number;
  sock: NetdevSocket;
  phase: Phase;
  slot: Slot | null;
  /** The consumer knows the socket (connect cb / accept_cb delivered). */
  announced: boolean;
  /** Received data and the end are held back for a tick after accept_cb. */
  hold: boolean;
  freed: boolean;
  paused: boolean;
  readShut: boolean;
  /** The link is gone; shutdown_cb/close_cb follow once held-back data was delivered. */
  ended: boolean;
  endErr: number;
  broken: boolean;
  rxq: Uint8Array[];
  writes: Write[];
  /** The AT+CIPSEND of the head write, queued or under way. */
  sendCmd: Cmd | null;
  sending: boolean;
  /** Writes the CIPSEND under way carries (some of). */
  inflight: number;
  /** Passive mode: an AT+CIPRECVDATA for this socket is under way. */
  reading: boolean;
  wshut: boolean;
  shutting: boolean;
  shutdownCbs: NetdevCallback[];
  connectCb: NetdevCallback | null;
  bindPort: number;
}

interface Slot {
  id: number;
  rec: Rec | null;
  state: 'connecting' | 'open' | 'closing';
  /** CIPSTART of a connecting slot, and where it goes. */
  start: Cmd | null;
  target: { host: string; port: number; byName: boolean } | null;
  connectSeen: boolean;
  closedSeen: boolean;
  closeCmd: Cmd | null;
  closeDone: (() => void) | null;
  /** A CIPSTART that timed out: the modem may still announce `<id>,CONNECT` for it. */
  late: boolean;
  /** Passive mode: bytes the modem reported buffered, and whether a read is under way. */
  rxAvail: number;
  reading: boolean;
}

function isIPv4(s: string): boolean {
  const p = s.split('.');
  if (p.length !== 4) return false;
  for (let i = 0; i < 4; i++) {
    if (!/^\d{1,3}$/.test(p[i]) || Number(p[i]) > 255) return false;
  }
  return true;
}

/** A quoted AT string parameter (`\`, `"` and `,` escaped). */
function quote(s: string): string {
  return '"' + s.replace(/[\\",]/g, (c) => '\\' + c) + '"';
}

function utf8(s: string): Uint8Array {
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i);
    if (c >= 0xd800 && c < 0xdc00 && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d < 0xe000) {
        c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        i++;
      }
    }
    if (c < 0x80) out.push(c);
    else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 63));
    else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
    else out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
  }
  return new Uint8Array(out);
}

/** A Latin-1 string of UTF-8 bytes (as modem lines arrive) back to text; left alone if not UTF-8. */
function fromUtf8(s: string): string {
  try {
    return decodeURIComponent(s.replace(/[%\x80-\xff]/g, (c) => '%' + c.charCodeAt(0).toString(16)));
  } catch (e) {
    return s;
  }
}

/** Comma-separated fields, quotes removed, commas inside quotes kept. */
function fields(s: string): string[] {
  const out: string[] = [];
  let cur = '';
  let q = false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charAt(i);
    if (q && c === '\\' && i + 1 < s.length) cur += s.charAt(++i);
    else if (c === '"') q = !q;
    else if (c === ',' && !q) {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out;
}

function toBytes(data: Uint8Array | string): Uint8Array {
  if (typeof data !== 'string') return data;
  const u8 = new Uint8Array(data.length);
  for (let i = 0; i < data.length; i++) u8[i] = data.charCodeAt(i) & 0xff;
  return u8;
}

function intOption(v: unknown, name: string, min: number, max: number, dflt: number): number {
  if (v === undefined || v === null) return dflt;
  if (typeof v !== 'number' || v !== Math.floor(v) || v < min || v > max) {
    throw new Error('esp-at: ' + name + ' must be an integer ' + min + '..' + max + ', got ' + String(v));
  }
  return v;
}

const SECURITY = ['OPEN', 'WEP_PSK', 'WPA_PSK', 'WPA2_PSK', 'WPA2_WPA_PSK', 'WPA2_ENTERPRISE', 'WPA3_PSK', 'WPA2_WPA3_PSK'];

/** ENETUNREACH when nothing asked to join a network: how to give the board one. */
const NO_WIFI =
  'Wi-Fi is not connected and has no credentials: build with KALUMA_NET_WIFI_SSID and KALUMA_NET_WIFI_PASSWORD ' +
  "(environment or .env), store WIFI_SSID and WIFI_PASSWORD with storage.setItem(), or call require('wifi').connect()";

export function createEspAtNetdev(uart: UartLike, config: EspAtConfig = {}, timers?: Timers): EspAtDriver {
  const T: Timers = timers || {
    setTimeout: (cb, ms) => setTimeout(cb, ms) as unknown as number,
    clearTimeout: (id) => clearTimeout(id),
  };
  const to: EspAtTimeouts = {
    command: DEFAULT_TIMEOUTS.command,
    connect: DEFAULT_TIMEOUTS.connect,
    send: DEFAULT_TIMEOUTS.send,
    join: DEFAULT_TIMEOUTS.join,
    scan: DEFAULT_TIMEOUTS.scan,
    boot: DEFAULT_TIMEOUTS.boot,
    recover: DEFAULT_TIMEOUTS.recover,
  };
  const ct = config.timeouts || {};
  for (const k in to) {
    const key = k as keyof EspAtTimeouts;
    to[key] = intOption(ct[key], 'timeouts.' + key, 1, 600000, to[key]);
  }
  const chunkSize = intOption(config.chunkSize, 'chunkSize', 1, 2048, 2048);
  const maxConn = intOption(config.serverMaxConn, 'serverMaxConn', 1, 5, 5);
  const serverTimeout = intOption(config.serverTimeout, 'serverTimeout', 0, 7200, 0);
  const wantPassive = config.passive === true;
  if (config.wifi && typeof config.wifi.ssid !== 'string') throw new Error('esp-at: wifi.ssid must be a string');
  const log = config.log || ((msg: string) => console.log('esp-at: ' + msg));
  let toldNoWifi = false;

  // ---------------------------------------------------------------- state
  let phase: 'init' | 'ready' | 'down' | 'closed' = 'init';
  let dialect = '';
  let passive = false;
  const queue: Cmd[] = [];
  let current: Cmd | null = null;
  let needProbe = false;
  /** Payload bytes a CIPSEND that failed before its prompt may still be owed (see onPrompt). */
  let owed = 0;
  let probeFails = 0;
  let initGen = 0;
  let initAttempt = 0;
  /** ATE0 was answered in this initialisation: an echoed command now means the modem restarted. */
  let echoOff = false;
  let initWaiters: ((err: number) => void)[] = [];
  let bootWait: (() => void) | null = null;
  let bootTimer: Tm | null = null;
  let recoverTimer: Tm | null = null;
  /** Bytes received so far (modulo 2^30): a deadline waits while this moves. */
  let rxCount = 0;
  const pending: number[] = [];
  const links: (Slot | null)[] = [null, null, null, null, null];
  const recs: { [fd: number]: Rec } = {};
  let nextFd = 0;
  let server: Rec | null = null;
  let wifiUp = false;
  let assoc = false;
  let wantJoin: { ssid: string; password: string; bssid: string | null } | null = config.wifi
    ? { ssid: config.wifi.ssid, password: config.wifi.password || '', bssid: null }
    : null;

  const parser = new AtParser({
    line: onLine,
    ipd: onIpd,
    notice: onNotice,
    recvData: (data) => {
      if (current && current.recv) current.recv(data);
    },
    prompt: onPrompt,
  });
  parser.expectPrompt = true;

  // ---------------------------------------------------------------- helpers
  function later(fn: () => void): void {
    const id = T.setTimeout(() => {
      const i = pending.indexOf(id);
      if (i >= 0) pending.splice(i, 1);
      fn();
    }, 0);
    pending.push(id);
  }

  /** Calls a consumer callback; an exception in it is rethrown from a timer (reported like any
   *  uncaught error) instead of unwinding through the driver's state. */
  function safe<A extends unknown[]>(fn: ((...a: A) => void) | null | undefined, ...args: A): void {
    if (typeof fn !== 'function') return;
    try {
      fn(...args);
    } catch (e) {
      T.setTimeout(() => {
        throw e;
      }, 0);
    }
  }

  function fail(cb: NetdevCallback, err: number, msg: string): void {
    later(() => {
      netdev.errno = err;
      netdev.errmsg = msg;
      safe(cb, err);
    });
  }

  function report(cb: NetdevCallback | null | undefined, err: number, msg?: string): void {
    if (err) {
      netdev.errno = err;
      netdev.errmsg = msg || '';
    }
    safe(cb, err);
  }

  function clearTimer(t: Tm | null): null {
    if (t && t.id >= 0) T.clearTimeout(t.id);
    return null;
  }

  function timer(ms: number, fn: () => void): Tm {
    const t = { id: -1 };
    t.id = T.setTimeout(() => {
      t.id = -1;
      fn();
    }, ms);
    return t;
  }

  /** A timeout for an answer. Kaluma runs due timers before it reads the UART in each loop pass,
   *  and its clock can be stale (stamped before the program was parsed, or before a long pass):
   *  so once due, the deadline waits until the UART was read and stayed quiet for QUIET_MS, and
   *  an answer that was already waiting, or is still arriving, wins. */
  function deadline(ms: number, fn: () => void): Tm {
    const t = { id: -1 };
    let mark = -1;
    let grace = 0;
    const check = () => {
      if (mark === rxCount || grace++ >= MAX_GRACE) {
        t.id = -1;
        fn();
        return;
      }
      mark = rxCount;
      t.id = T.setTimeout(check, QUIET_MS);
    };
    t.id = T.setTimeout(check, ms);
    return t;
  }

  function resync(): void {
    parser.reset();
    parser.expectPrompt = true;
  }

  function tx(data: Uint8Array | string): void {
    if (phase === 'closed') return;
    owed = Math.max(0, owed - data.length);
    try {
      uart.write(data);
    } catch (e) {
      log('UART write failed: ' + String(e));
    }
  }

  // ---------------------------------------------------------------- command queue
  function makeCmd(text: string, o: CmdOpts, done: (r: Result) => void): Cmd {
    return {
      text,
      timeout: o.timeout || to.command,
      link: o.link === undefined ? -1 : o.link,
      init: !!o.init,
      payload: o.payload || null,
      info: o.info || null,
      recv: o.recv || null,
      done,
      sent: false,
      prompted: false,
      dropped: false,
      busy: 0,
      timer: null,
      need: o.need || '',
      seen: false,
    };
  }

  function at(text: string, o: CmdOpts, done: (r: Result) => void): Cmd {
    const c = makeCmd(text, o, done);
    if (phase === 'closed') return c;
    if (phase === 'down' && !c.init) {
      later(() => c.done({ ok: false, final: '', err: ERRNO.ETIMEDOUT }));
      return c;
    }
    queue.push(c);
    pump();
    return c;
  }

  function unqueue(c: Cmd): boolean {
    const i = queue.indexOf(c);
    if (i < 0) return false;
    queue.splice(i, 1);
    return true;
  }

  function pump(): void {
    if (current || bootWait || phase === 'closed') return;
    let c: Cmd | null = null;
    if (needProbe && (phase === 'ready' || phase === 'init')) c = probe();
    else {
      for (let i = 0; i < queue.length; i++) {
        if (phase === 'ready' || queue[i].init) {
          c = queue.splice(i, 1)[0];
          break;
        }
      }
    }
    if (c) send(c);
  }

  function send(c: Cmd): void {
    current = c;
    c.sent = true;
    c.prompted = false;
    c.dropped = false;
    c.seen = false;
    c.timer = clearTimer(c.timer);
    c.timer = deadline(c.timeout, () => {
      c.timer = null;
      onTimeout(c);
    });
    // Kaluma's uart.write() converts an ASCII string natively; a JS loop per byte costs the board
    // more than the UART does.
    const line = c.text + '\r\n';
    tx(/[^\x00-\x7f]/.test(line) ? utf8(line) : line);
  }

  function finish(c: Cmd, r: Result): void {
    if (current !== c) return;
    c.timer = clearTimer(c.timer);
    current = null;
    // An ERROR taken as this CIPSEND's answer may have belonged to an earlier command: then the
    // modem is about to prompt and wants the payload. See onPrompt.
    if (c.payload && !c.prompted && !r.err) owed = c.payload.length;
    c.done(r);
    pump();
  }

  function onTimeout(c: Cmd): void {
    if (current !== c) return;
    // CIPSEND with neither OK nor prompt seen: the modem may sit in data mode, swallowing every
    // later command as payload. Filler bytes end that (the write fails and its link is closed).
    if (c.payload && !c.prompted) tx(new Uint8Array(c.payload.length));
    // A garbled +IPD length may have the parser swallowing bytes still: resynchronise it (a real
    // record would have ended long before any timeout).
    resync();
    // Its answer may still come: the next command is a probe nothing else can be mistaken for.
    needProbe = true;
    finish(c, { ok: false, final: '', err: ERRNO.ETIMEDOUT });
  }

  /** At start and after a timeout: is the modem alive, and does it still have our configuration?
   *  Only a final that follows the query's own info line counts, so late answers of commands
   *  given up on are dropped and the line is in step again. After a failed probe the other query
   *  is used, whose late answer cannot pass for the next probe's. */
  function probe(): Cmd {
    needProbe = false;
    const gmr = probeFails % 2 === 1;
    let mux = -1;
    return makeCmd(gmr ? 'AT+GMR' : 'AT+CIPMUX?', {
      timeout: PROBE_MS,
      init: true,
      need: gmr ? 'AT version:' : '+CIPMUX:',
      info: (line) => {
        if (line.indexOf('+CIPMUX:') === 0) mux = parseInt(line.slice(8), 10);
      },
    }, (r) => {
      if (!r.err) {
        probeFails = 0;
        if (mux === 0 && phase === 'ready') modemLost('the modem lost its configuration (silent reset)', ERRNO.ECONNRESET);
      } else if (r.err === ERRNO.ETIMEDOUT) {
        if (++probeFails < (phase === 'init' ? PROBE_TRIES : 2)) needProbe = true;
        else if (phase === 'ready') modemDead();
        else if (phase === 'init') initFailed('the modem does not answer');
      }
    });
  }

  function onBusy(): void {
    const c = current;
    if (!c || c.prompted) return;
    c.busy++;
    if (c.busy > MAX_BUSY) {
      if (phase === 'ready') needProbe = true;
      finish(c, { ok: false, final: '', err: ERRNO.ETIMEDOUT });
      return;
    }
    c.dropped = true;
    c.timer = clearTimer(c.timer);
    c.timer = timer(BUSY_RETRY_MS, () => {
      c.timer = null;
      if (current === c) send(c);
    });
  }

  function onLine(line: string): void {
    if (urc(line)) return;
    const c = current;
    if (!c) return;
    if (line === 'busy p...' || line === 'busy s...') {
      onBusy();
      return;
    }
    let final = '';
    if (c.payload && c.prompted) {
      if (line === 'SEND OK' || line === 'SEND FAIL' || line === 'ERROR') final = line;
    } else if (line === 'OK') {
      if (!c.payload) final = line;
      else if (!c.dropped) {
        // The modem now waits for the payload: if its prompt got lost, send it anyway.
        c.timer = clearTimer(c.timer);
        c.timer = deadline(PROMPT_MS, () => {
          c.timer = null;
          if (current === c && !c.prompted) onPrompt();
        });
      }
    } else if (line === 'ERROR' || line === 'FAIL' || (line === 'UNLINK ERROR' && !c.payload)) {
      final = line;
    }
    if (final) {
      if (c.dropped) send(c); // that result belonged to the command still running when ours was dropped
      else if (!c.need || c.seen) finish(c, { ok: final === 'OK' || final === 'SEND OK', final, err: 0 });
      return;
    }
    if (line === c.text && echoOff) {
      if (phase === 'ready') modemLost('the modem echoes commands again (silent reset)', ERRNO.ECONNRESET);
      else if (phase === 'init') startInit(false);
      return;
    }
    if (c.need && line.indexOf(c.need) === 0) c.seen = true;
    if (c.info) c.info(line);
  }

  function onPrompt(): void {
    parser.expectPrompt = true; // a line never starts with '>': stay armed for stray prompts
    const c = current;
    if (!c || !c.payload || c.prompted || c.dropped) {
      if (owed > 0) {
        // The modem waits for a payload we gave up on and takes our commands as its bytes: fill
        // it up (the link of that CIPSEND is being closed anyway), then repeat what it swallowed.
        tx(new Uint8Array(owed));
        if (c && !c.prompted) send(c);
      }
      return;
    }
    c.prompted = true;
    c.timer = clearTimer(c.timer);
    c.timer = deadline(c.timeout, () => {
      c.timer = null;
      onTimeout(c);
    });
    tx(c.payload);
  }

  // ---------------------------------------------------------------- unsolicited results
  function urc(line: string): boolean {
    if (line === 'ready' || line === 'Ready.' || isGarbledReady(line)) {
      onReady();
      return true;
    }
    if (line === 'WIFI DISCONNECT') {
      wifiDown();
      return true;
    }
    if (line === 'WIFI CONNECTED') {
      assoc = true;
      safe(wifi.assoc_cb);
      return true;
    }
    if (line === 'WIFI GOT IP') {
      refreshIp(false, () => undefined);
      return true;
    }
    const id = line.charCodeAt(0) - 0x30;
    if (line.charAt(1) === ',' && id >= 0 && id < LINKS) {
      const what = line.slice(2);
      if (what === 'CONNECT') onConnectUrc(id);
      else if (what === 'CLOSED' || what === 'CONNECT FAIL') onClosedUrc(id);
      else return false;
      return true;
    }
    return false;
  }

  function isGarbledReady(line: string): boolean {
    if (line.length <= 5 || line.slice(-5) !== 'ready') return false;
    const c = line.charCodeAt(line.length - 6);
    return c < 0x20 || c > 0x7e;
  }

  function onReady(): void {
    if (bootWait) {
      const fn = bootWait;
      bootWait = null;
      bootTimer = clearTimer(bootTimer);
      fn();
      return;
    }
    if (phase === 'closed') return;
    if (phase === 'ready') modemLost('the modem restarted (ready)', ERRNO.ECONNRESET);
    else startInit(false);
  }

  function onConnectUrc(id: number): void {
    const slot = links[id];
    if (slot && slot.state === 'connecting') {
      if (slot.start && !slot.start.sent) {
        // A client of our server took the id before our CIPSTART went out: connect elsewhere.
        const rec = slot.rec as Rec;
        const t = slot.target as { host: string; port: number; byName: boolean };
        unqueue(slot.start);
        links[id] = null;
        rec.slot = null;
        accept(id);
        startLink(rec, t.host, t.port, t.byName);
      } else slot.connectSeen = true;
      return;
    }
    if (slot && slot.state === 'closing' && slot.late) return; // our timed-out CIPSTART; its CIPCLOSE follows
    if (slot && slot.state === 'open') linkGone(slot, 0);
    else if (slot && slot.state === 'closing') closeFinished(slot);
    accept(id);
  }

  function onClosedUrc(id: number): void {
    const slot = links[id];
    if (!slot) return;
    if (slot.state === 'connecting') {
      if (slot.connectSeen) slot.closedSeen = true;
    } else if (slot.state === 'closing') closeFinished(slot);
    else linkGone(slot, 0);
  }

  // ---------------------------------------------------------------- data
  function onIpd(id: number, data: Uint8Array): void {
    const slot = links[id];
    if (slot && slot.rec) deliver(slot.rec, data);
  }

  function onNotice(id: number, len: number): void {
    const slot = links[id];
    if (!slot || !slot.rec) return;
    slot.rxAvail = len;
    pumpRead(slot);
  }

  function deliver(rec: Rec, data: Uint8Array): void {
    if (rec.readShut || rec.freed || rec.phase === 'closed' || data.length === 0) return;
    if (!rec.announced || rec.hold || rec.paused || rec.rxq.length) rec.rxq.push(data);
    else safe(rec.sock.read_cb, data);
  }

  function flush(rec: Rec): void {
    if (rec.hold) return;
    while (rec.rxq.length && rec.announced && !rec.paused && !rec.freed) {
      safe(rec.sock.read_cb, rec.rxq.shift() as Uint8Array);
    }
    if (rec.ended && !rec.rxq.length && !rec.paused) finishEnd(rec);
  }

  function pumpRead(slot: Slot): void {
    const rec = slot.rec;
    if (!rec || slot.reading || slot.state !== 'open' || slot.rxAvail <= 0) return;
    if (!rec.announced || rec.paused || rec.freed) return;
    slot.reading = true;
    rec.reading = true;
    let got = 0;
    at('AT+CIPRECVDATA=' + slot.id + ',' + Math.min(slot.rxAvail, RECV_MAX), {
      link: slot.id,
      recv: (data) => {
        got += data.length;
        slot.rxAvail = Math.max(0, slot.rxAvail - data.length);
        deliver(rec, data);
      },
    }, (r) => {
      slot.reading = false;
      rec.reading = false;
      if (!r.ok || got === 0) slot.rxAvail = 0;
      if (links[slot.id] === slot) pumpRead(slot);
      if (rec.ended) settleEnded(rec);
    });
  }

  // ---------------------------------------------------------------- sockets
  function newRec(ptcl: Ptcl): Rec {
    const fd = nextFd++;
    const rec: Rec = {
      fd,
      sock: { fd, ptcl, state: SockState.Closed, laddr: '0.0.0.0', lport: 0, raddr: '0.0.0.0', rport: 0 },
      phase: 'idle',
      slot: null,
      announced: false,
      hold: false,
      freed: false,
      paused: false,
      readShut: false,
      ended: false,
      endErr: 0,
      broken: false,
      rxq: [],
      writes: [],
      sendCmd: null,
      sending: false,
      inflight: 0,
      reading: false,
      wshut: false,
      shutting: false,
      shutdownCbs: [],
      connectCb: null,
      bindPort: 0,
    };
    recs[fd] = rec;
    return rec;
  }

  function newSlot(id: number, rec: Rec | null, state: Slot['state']): Slot {
    const slot: Slot = {
      id,
      rec,
      state,
      start: null,
      target: null,
      connectSeen: false,
      closedSeen: false,
      closeCmd: null,
      closeDone: null,
      late: false,
      rxAvail: 0,
      reading: false,
    };
    links[id] = slot;
    if (rec) rec.slot = slot;
    return slot;
  }

  function freeLinkId(): number {
    for (let id = LINKS - 1; id >= 0; id--) if (!links[id]) return id;
    return -1;
  }

  /** A link we did not open appeared: a client of our server, or a stale link to close. */
  function accept(id: number): void {
    const srv = server;
    if (!srv || srv.phase !== 'listening' || srv.freed) {
      closeLink(newSlot(id, null, 'open'), () => undefined);
      return;
    }
    const rec = newRec('STREAM');
    rec.phase = 'connected';
    rec.sock.state = SockState.Connected;
    rec.sock.laddr = netdev.ip;
    rec.sock.lport = srv.sock.lport;
    const slot = newSlot(id, rec, 'open');
    queryLinks(slot, () => {
      if (rec.phase !== 'connected') return; // lost meanwhile (modem reset)
      if (server === srv && srv.phase === 'listening' && !srv.freed) {
        rec.announced = true;
        rec.hold = true;
        safe(srv.sock.accept_cb, rec.fd);
        // Data held back so far goes out on the next tick, once the consumer set the new slots.
        later(() => {
          rec.hold = false;
          afterAnnounce(rec);
        });
      } else {
        delete recs[rec.fd];
        rec.freed = true;
        if (links[id] === slot) closeLink(slot, () => undefined);
      }
    });
  }

  function afterAnnounce(rec: Rec): void {
    flush(rec);
    pumpWrites(rec);
    if (rec.slot) pumpRead(rec.slot);
    maybeShutdown(rec);
  }

  /** Fills raddr/rport/lport of open links from AT+CIPSTATUS (NonOS) / AT+CIPSTATE? (ESP-AT). */
  function queryLinks(slot: Slot, then: () => void): void {
    const esp = dialect === 'esp-at';
    const prefix = esp ? '+CIPSTATE:' : '+CIPSTATUS:';
    at(esp ? 'AT+CIPSTATE?' : 'AT+CIPSTATUS', {
      link: slot.id,
      info: (line) => {
        if (line.indexOf(prefix) !== 0) return;
        const f = fields(line.slice(prefix.length));
        const s = links[Number(f[0])];
        if (f.length < 5 || !s || !s.rec) return;
        s.rec.sock.raddr = f[2];
        s.rec.sock.rport = Number(f[3]) || 0;
        s.rec.sock.lport = Number(f[4]) || s.rec.sock.lport;
      },
    }, then);
  }

  /** Resolves `host` (AT+CIPDOMAIN) unless it is an address, then opens a link to it. */
  function connectHost(rec: Rec, host: string, port: number): void {
    if (isIPv4(host)) {
      startLink(rec, host, port, false);
      return;
    }
    let ip = '';
    let dnsFail = false;
    at('AT+CIPDOMAIN=' + quote(host), {
      timeout: to.connect,
      info: (line) => {
        if (line.indexOf('+CIPDOMAIN:') === 0) ip = fields(line.slice(11))[0];
        else if (line === 'DNS Fail') dnsFail = true;
      },
    }, (r) => {
      if (rec.phase !== 'connecting') return;
      if (r.ok && isIPv4(ip)) startLink(rec, ip, port, false);
      else if (dnsFail || r.err) connectFailed(rec, r.err || ERRNO.ENOTFOUND, 'cannot resolve ' + host);
      else startLink(rec, host, port, true); // firmware without CIPDOMAIN: let CIPSTART resolve
    });
  }

  function startLink(rec: Rec, host: string, port: number, byName: boolean, retries = 2): void {
    if (rec.freed) {
      rec.phase = 'closed';
      return;
    }
    const id = freeLinkId();
    if (id < 0) {
      connectFailed(rec, ERRNO.EMFILE, 'all ' + LINKS + ' links of the modem are in use');
      return;
    }
    const slot = newSlot(id, rec, 'connecting');
    slot.target = { host, port, byName };
    let dnsFail = false;
    let already = false;
    slot.start = at('AT+CIPSTART=' + id + ',"TCP",' + quote(host) + ',' + port, {
      timeout: to.connect,
      link: id,
      info: (line) => {
        if (line === 'DNS Fail') dnsFail = true;
        else if (line.indexOf('ALREA') === 0) already = true;
      },
    }, (r) => {
      if (links[id] !== slot || slot.state !== 'connecting') return;
      slot.start = null;
      if (r.ok) {
        slot.state = 'open';
        if (rec.freed) {
          slot.rec = null;
          rec.slot = null;
          closeLink(slot, () => undefined);
          return;
        }
        rec.sock.raddr = host;
        rec.sock.rport = port;
        rec.sock.laddr = netdev.ip;
        queryLinks(slot, () => {
          if (rec.phase !== 'connecting') return; // failed or closed meanwhile
          rec.phase = 'connected';
          rec.sock.state = SockState.Connected;
          rec.announced = true;
          const cb = rec.connectCb;
          rec.connectCb = null;
          report(cb, 0);
          safe(rec.sock.connect_cb);
          afterAnnounce(rec);
        });
        if (slot.closedSeen) linkGone(slot, 0); // connected and closed at once: reported after connect
        return;
      }
      if (already && retries > 0) {
        links[id] = null;
        accept(id); // the id belongs to a link we did not open (most likely a client of our server)
        startLink(rec, host, port, byName, retries - 1);
        return;
      }
      if (r.err === ERRNO.ETIMEDOUT) {
        // The modem may still complete it: close the link whatever happens.
        slot.rec = null;
        slot.late = true;
        rec.slot = null;
        closeLink(slot, () => undefined);
        connectFailed(rec, ERRNO.ETIMEDOUT, 'no answer to AT+CIPSTART within ' + to.connect + ' ms');
        return;
      }
      links[id] = null;
      rec.slot = null;
      if (r.err) connectFailed(rec, r.err, 'the modem was reset during connect');
      else if (dnsFail || byName) connectFailed(rec, ERRNO.ENOTFOUND, 'cannot resolve ' + host);
      else if (!wifiUp) {
        // net shows the code only: say once, where the program's output goes, how to give credentials.
        if (!wantJoin && !toldNoWifi) log(NO_WIFI);
        toldNoWifi = toldNoWifi || !wantJoin;
        connectFailed(rec, ERRNO.ENETUNREACH, wantJoin ? 'Wi-Fi is not connected (joining ' + wantJoin.ssid + ')' : NO_WIFI);
      }
      else {
        needProbe = true; // a modem that lost CIPMUX=1 answers every CIPSTART with ERROR
        connectFailed(rec, ERRNO.ECONNREFUSED, 'connection to ' + host + ':' + port + ' refused or failed');
      }
    });
  }

  function connectFailed(rec: Rec, err: number, msg: string): void {
    rec.phase = 'closed';
    rec.sock.state = SockState.Closed;
    const cb = rec.connectCb;
    rec.connectCb = null;
    failWrites(rec, err, true);
    flushShutdowns(rec, ERRNO.ENOTCONN);
    report(cb, err, msg);
  }

  /** Fails pending writes; all=false keeps the head write if its CIPSEND already went out. */
  function failWrites(rec: Rec, err: number, all: boolean): void {
    if (rec.sendCmd && !rec.sendCmd.sent && unqueue(rec.sendCmd)) {
      rec.sendCmd = null;
      rec.sending = false;
    }
    const keep = !all && rec.sending ? rec.writes.slice(0, rec.inflight) : [];
    const dead = rec.writes.slice(keep.length);
    rec.writes = keep;
    for (let i = 0; i < dead.length; i++) report(dead[i].cb, err, 'write failed');
  }

  function flushShutdowns(rec: Rec, err: number): void {
    const cbs = rec.shutdownCbs;
    rec.shutdownCbs = [];
    for (let i = 0; i < cbs.length; i++) report(cbs[i], err);
  }

  function pumpWrites(rec: Rec): void {
    const slot = rec.slot;
    if (rec.sending || rec.freed || !rec.announced || !slot || slot.state !== 'open') return;
    while (rec.writes.length && rec.writes[0].off >= rec.writes[0].data.length) {
      report((rec.writes.shift() as Write).cb, 0);
    }
    if (!rec.writes.length) {
      maybeShutdown(rec);
      return;
    }
    // Writes queued meanwhile share the chunk: every CIPSEND costs two round trips with the modem,
    // so a program writing small pieces (an echo of each +IPD record) must not pay them per piece.
    let n = 0;
    let k = 0;
    while (k < rec.writes.length && n < chunkSize) {
      const w = rec.writes[k++];
      n += Math.min(chunkSize - n, w.data.length - w.off);
    }
    const payload = new Uint8Array(n);
    for (let i = 0, p = 0; i < k; i++) {
      const w = rec.writes[i];
      const take = Math.min(n - p, w.data.length - w.off);
      payload.set(w.data.subarray(w.off, w.off + take), p);
      p += take;
    }
    const first = rec.writes[0];
    rec.sending = true;
    rec.inflight = k;
    rec.sendCmd = at('AT+CIPSEND=' + slot.id + ',' + n, {
      timeout: to.send,
      link: slot.id,
      payload,
    }, (r) => {
      rec.sending = false;
      rec.sendCmd = null;
      sent(rec, slot, first, n, r);
      if (rec.ended) settleEnded(rec);
    });
  }

  function sent(rec: Rec, slot: Slot, first: Write, n: number, r: Result): void {
    if (rec.writes[0] !== first) return; // already failed (reset, close)
    if (r.ok) {
      while (rec.writes.length) {
        const w = rec.writes[0];
        const k = Math.min(n, w.data.length - w.off);
        w.off += k;
        n -= k;
        if (w.off < w.data.length) break;
        rec.writes.shift();
        report(w.cb, 0);
      }
      if (rec.slot === slot && slot.state === 'open') pumpWrites(rec);
      else if (rec.writes.length) failWrites(rec, ERRNO.EPIPE, true);
      return;
    }
    // ERROR after the link's CLOSED arrived is explained by it: the peer is gone (EPIPE).
    const gone = rec.slot !== slot;
    const err = r.final === 'SEND FAIL' ? ERRNO.ECONNRESET : r.err || (gone ? ERRNO.EPIPE : ERRNO.ENOTCONN);
    if (r.final === 'ERROR' && !gone) needProbe = true;
    failWrites(rec, err, true);
    if (rec.slot === slot && slot.state === 'open') {
      // The link is broken: close it; the failed write carried the error, close_cb follows.
      closeLink(slot, () => undefined);
      linkGone(slot, 0, true);
    }
  }

  /** The link of `slot` no longer exists on the modem: end its socket (after held-back data).
   *  err != 0: error_cb(err) then close_cb; `broken`: close_cb only (a write carried the error);
   *  else a clean end: shutdown_cb then close_cb. */
  function linkGone(slot: Slot, err: number, broken = false): void {
    if (links[slot.id] === slot && slot.state !== 'closing') links[slot.id] = null;
    const rec = slot.rec;
    slot.rec = null;
    if (!rec || rec.ended) return;
    rec.slot = null;
    rec.ended = true;
    rec.endErr = err;
    rec.broken = broken;
    failWrites(rec, err || ERRNO.EPIPE, !!err);
    if (err) rec.rxq = [];
    settleEnded(rec);
  }

  /** After the chunk or read in flight (if any) got its answer: our shutdown() is done whether or not
   *  reading is paused; the read side ends once held-back data was delivered. */
  function settleEnded(rec: Rec): void {
    if (rec.sending || rec.reading) return;
    flushShutdowns(rec, rec.endErr);
    flush(rec);
  }

  function finishEnd(rec: Rec): void {
    if (rec.phase === 'closed') return;
    if (!rec.announced) {
      if (!rec.endErr) return; // a clean end waits for the connect/accept announcement
      if (rec.connectCb) connectFailed(rec, rec.endErr, 'the modem was reset during connect');
      else {
        // accepted, never announced: nobody knows this socket
        rec.phase = 'closed';
        rec.freed = true;
        delete recs[rec.fd];
      }
      return;
    }
    if (rec.sending || rec.reading) return; // after the chunk or read in flight got its answer
    rec.phase = 'closed';
    rec.sock.state = SockState.Closed;
    flushShutdowns(rec, rec.endErr);
    if (rec.freed) return;
    if (rec.endErr) {
      report(null, rec.endErr, 'link lost');
      safe(rec.sock.error_cb, rec.endErr);
    } else if (!rec.readShut && !rec.broken) safe(rec.sock.shutdown_cb);
    safe(rec.sock.close_cb);
  }

  function closeLink(slot: Slot, then: () => void): void {
    slot.state = 'closing';
    slot.closeDone = then;
    slot.closeCmd = at('AT+CIPCLOSE=' + slot.id, { link: slot.id, timeout: to.send }, () => closeFinished(slot));
  }

  /** The link is closed (CIPCLOSE answered, or its CLOSED arrived first). */
  function closeFinished(slot: Slot): void {
    if (links[slot.id] === slot) links[slot.id] = null;
    if (slot.closeCmd && unqueue(slot.closeCmd)) slot.closeCmd = null;
    const then = slot.closeDone;
    slot.closeDone = null;
    if (then) then();
  }

  function maybeShutdown(rec: Rec): void {
    if (!rec.wshut || rec.shutting || rec.sending || rec.writes.length || rec.phase !== 'connected') return;
    const slot = rec.slot;
    if (!slot || slot.state !== 'open' || !rec.announced) return;
    rec.shutting = true;
    closeLink(slot, () => linkGone(slot, 0));
  }

  // ---------------------------------------------------------------- server
  /** AT+CIPSERVER=1 for `rec` (port 0: a random high port). The socket is listening from the
   *  modem's OK on; cb follows once the idle timeout is set. */
  function listenOn(rec: Rec, init: boolean, cb: (err: number, msg: string) => void, tries = 3): void {
    const port = rec.bindPort || rec.sock.lport || 49152 + Math.floor(Math.random() * 16000);
    at('AT+CIPSERVERMAXCONN=' + maxConn, { init }, () => {
      at('AT+CIPSERVER=1,' + port, { init }, (r) => {
        if (r.ok && (rec.freed || server !== rec)) {
          at('AT+CIPSERVER=0', { init }, () => undefined);
          cb(ERRNO.ECONNABORTED, 'closed before listening');
        } else if (r.ok) {
          rec.phase = 'listening';
          rec.sock.state = SockState.Listening;
          rec.sock.lport = port;
          at('AT+CIPSTO=' + serverTimeout, { init }, () => cb(0, ''));
        } else if (!rec.bindPort && !r.err && tries > 1) listenOn(rec, init, cb, tries - 1);
        else if (r.err) cb(r.err, 'no answer to AT+CIPSERVER');
        else {
          needProbe = true;
          cb(ERRNO.EADDRINUSE, 'the modem refused to listen on port ' + port + ' (AT+CIPSERVER answered ' + r.final + ')');
        }
      });
    });
  }

  /** The modem could not listen again after a reset: the server socket fails. */
  function serverLost(srv: Rec, err: number, msg: string): void {
    if (server === srv) server = null;
    srv.phase = 'closed';
    srv.sock.state = SockState.Closed;
    if (srv.freed) return;
    report(null, err, msg);
    safe(srv.sock.error_cb, err);
    safe(srv.sock.close_cb);
  }

  // ---------------------------------------------------------------- Wi-Fi
  function refreshIp(init: boolean, then: () => void): void {
    let ip = '';
    let mac = '';
    at('AT+CIFSR', {
      init,
      info: (line) => {
        if (line.indexOf('+CIFSR:STAIP,') === 0) ip = fields(line.slice(13))[0];
        else if (line.indexOf('+CIFSR:STAMAC,') === 0) mac = fields(line.slice(14))[0];
      },
    }, (r) => {
      if (r.ok) {
        if (mac) netdev.mac = mac;
        setIp(ip);
      }
      then();
    });
  }

  function setIp(ip: string): void {
    const up = isIPv4(ip) && ip !== '0.0.0.0';
    netdev.ip = up ? ip : '0.0.0.0';
    if (up && !wifiUp) {
      wifiUp = true;
      safe(wifi.connect_cb);
    } else if (!up && wifiUp) wifiDown();
  }

  function wifiDown(): void {
    const was = wifiUp || assoc;
    wifiUp = false;
    assoc = false;
    netdev.ip = '0.0.0.0';
    if (was) safe(wifi.disconnect_cb);
  }

  function join(j: { ssid: string; password: string; bssid: string | null }, init: boolean, cb: (err: number, msg: string) => void): void {
    const args = quote(j.ssid) + ',' + quote(j.password) + (j.bssid ? ',' + quote(j.bssid) : '');
    const attempt = (cmd: string, fallback: boolean) => {
      let code = -1;
      at(cmd + '=' + args, {
        init,
        timeout: to.join,
        info: (line) => {
          const m = /^\+CWJAP(?:_CUR)?:(\d+)$/.exec(line);
          if (m) code = Number(m[1]);
        },
      }, (r) => {
        if (r.ok) {
          refreshIp(init, () => cb(0, ''));
          return;
        }
        if (r.final === 'ERROR' && code < 0 && fallback) {
          attempt('AT+CWJAP', false);
          return;
        }
        if (r.err) cb(r.err, 'no answer to AT+CWJAP');
        else if (code === 1) cb(ERRNO.ETIMEDOUT, 'joining ' + j.ssid + ' timed out');
        else if (code === 2) cb(EACCES, 'wrong password for ' + j.ssid);
        else if (code === 3) cb(ERRNO.ENETUNREACH, 'access point ' + j.ssid + ' not found');
        else if (code === 4) cb(ERRNO.ECONNREFUSED, 'access point ' + j.ssid + ' refused the connection');
        else cb(ERRNO.EIO, 'joining ' + j.ssid + ' failed (' + (r.final || 'no answer') + ')');
      });
    };
    attempt(dialect === 'esp-at' ? 'AT+CWJAP' : 'AT+CWJAP_CUR', dialect !== 'esp-at');
  }

  function getConnection(init: boolean, cb: (err: number, info?: { ssid: string; bssid?: string }) => void): void {
    let info: { ssid: string; bssid?: string } | undefined;
    at('AT+CWJAP?', {
      init,
      info: (line) => {
        const m = /^\+CWJAP(?:_CUR)?:(.*)$/.exec(line);
        if (!m || !/^"/.test(m[1])) return;
        const f = fields(m[1]);
        info = { ssid: fromUtf8(f[0]), bssid: f[1] };
      },
    }, (r) => {
      if (r.err) cb(r.err);
      else cb(0, r.ok ? info : undefined);
    });
  }

  // ---------------------------------------------------------------- initialisation and recovery
  type Step = (next: () => void, stop: (why: string) => void) => void;

  function startInit(withReset: boolean): void {
    const gen = ++initGen;
    phase = 'init';
    echoOff = false;
    needProbe = false;
    probeFails = 0;
    recoverTimer = clearTimer(recoverTimer);
    for (let i = queue.length - 1; i >= 0; i--) if (queue[i].init) queue.splice(i, 1);
    if (current && current.init) {
      current.timer = clearTimer(current.timer);
      current = null;
    }
    const ic = (text: string, o: CmdOpts, then: (r: Result) => void) => {
      o.init = true;
      at(text, o, (r) => {
        if (gen === initGen) then(r);
      });
    };
    const steps: Step[] = [];
    if (withReset) {
      steps.push((next) =>
        ic('AT+RST', {}, (r) => {
          if (!r.ok) {
            next();
            return;
          }
          bootWait = next;
          bootTimer = deadline(to.boot, () => {
            bootTimer = null;
            bootWait = null;
            if (gen === initGen) next();
            pump();
          });
        }),
      );
    }
    // The probe goes first (it waits for a modem still booting, and drops whatever a previous
    // program left on the line); it fails the initialisation after PROBE_TRIES timeouts.
    steps.push((next) => {
      needProbe = true;
      ic('ATE0', {}, (r) => {
        echoOff = r.ok;
        next();
      });
    });
    steps.push((next) => {
      let version = -1;
      ic('AT+GMR', {
        info: (line) => {
          const m = /^AT version:(\d+)\./.exec(line);
          if (m) version = Number(m[1]);
        },
      }, () => {
        dialect = version >= 2 ? 'esp-at' : 'nonos';
        next();
      });
    });
    steps.push((next) => {
      if (dialect === 'esp-at') ic('AT+SYSSTORE=0', {}, () => next());
      else next();
    });
    steps.push((next) => {
      const esp = dialect === 'esp-at';
      ic(esp ? 'AT+CWMODE=1' : 'AT+CWMODE_CUR=1', {}, (r) => {
        if (r.final === 'ERROR') ic(esp ? 'AT+CWMODE_CUR=1' : 'AT+CWMODE=1', {}, () => next());
        else next();
      });
    });
    // Leftovers of a previous program (the modem outlives a board reset): no server, no links.
    steps.push((next) => ic('AT+CIPSERVER=0', {}, () => next()));
    steps.push((next) => ic('AT+CIPCLOSE=5', {}, () => next()));
    // CIPMUX=1, read back (a stray OK on a noisy line must not pass for it); firmware that
    // refuses the query is taken at its word.
    steps.push((next, stop) =>
      ic('AT+CIPMUX=1', {}, (set) => {
        let mux = -1;
        ic('AT+CIPMUX?', {
          info: (line) => {
            if (line.indexOf('+CIPMUX:') === 0) mux = parseInt(line.slice(8), 10);
          },
        }, (q) => (mux === 1 || (mux < 0 && set.ok && q.final === 'ERROR') ? next() : stop('AT+CIPMUX=1 failed')));
      }),
    );
    steps.push((next) => {
      if (!wantPassive) {
        passive = false;
        next();
        return;
      }
      ic('AT+CIPRECVMODE=1', {}, (r) => {
        passive = r.ok;
        if (!r.ok) log('passive receive mode refused by the firmware; using active mode');
        next();
      });
    });
    steps.push((next) => refreshIp(true, () => (gen === initGen ? next() : undefined)));
    steps.push((next) => {
      const j = wantJoin;
      if (!j) {
        next();
        return;
      }
      const doJoin = () =>
        join(j, true, (err, msg) => {
          if (gen !== initGen) return;
          if (err) log('cannot join ' + j.ssid + ': ' + msg);
          next();
        });
      if (!wifiUp) {
        doJoin();
        return;
      }
      getConnection(true, (err, info) => {
        if (gen !== initGen) return;
        if (!err && info && info.ssid === j.ssid) next();
        else doJoin();
      });
    });
    steps.push((next) => {
      const srv = server;
      if (!srv || srv.phase !== 'listening') {
        next();
        return;
      }
      listenOn(srv, true, (err, msg) => {
        if (gen !== initGen) return;
        if (err) serverLost(srv, err, msg);
        next();
      });
    });
    let i = 0;
    const next = () => {
      if (gen !== initGen) return;
      if (i < steps.length) {
        steps[i++](next, (why) => {
          if (gen === initGen) initFailed(why);
        });
        return;
      }
      phase = 'ready';
      initAttempt = 0;
      const ws = initWaiters;
      initWaiters = [];
      for (let k = 0; k < ws.length; k++) safe(ws[k], 0);
      pump();
    };
    next();
  }

  function initFailed(why: string): void {
    if (++initAttempt < INIT_ATTEMPTS) {
      startInit(true);
      return;
    }
    initAttempt = 0;
    log('modem initialisation failed: ' + why);
    modemDead();
  }

  /** Everything on the modem is gone: fail what depended on it (listening sockets survive, they
   *  listen again after the re-init). keepCommands: a recoverable reset, commands not tied to a
   *  link wait for the re-init; returns the connects to start again once it is under way. */
  function teardown(err: number, keepCommands: boolean): (() => void)[] {
    resync();
    owed = 0;
    const restart: (() => void)[] = [];
    for (let id = 0; id < LINKS; id++) {
      const slot = links[id];
      links[id] = null;
      if (!slot) continue;
      const rec = slot.rec;
      if (rec && slot.state === 'connecting') {
        rec.slot = null;
        // A CIPSTART the modem never saw is not affected: it is sent again after the re-init.
        const t = slot.target;
        if (keepCommands && slot.start && !slot.start.sent && t) restart.push(() => startLink(rec, t.host, t.port, t.byName));
        else connectFailed(rec, err, 'the modem was reset during connect');
      } else if (rec) linkGone(slot, err);
      else closeFinished(slot);
    }
    if (!keepCommands) {
      for (const fd in recs) {
        const rec = recs[fd];
        if (rec.phase === 'connecting' && !rec.slot) connectFailed(rec, err, 'the modem stopped');
      }
    }
    // Commands on links end now (their owners were failed above); others wait for the re-init.
    const c = current;
    current = null;
    if (c) {
      c.timer = clearTimer(c.timer);
      if (keepCommands && c.link < 0 && !c.init) queue.unshift(c);
      else if (!c.init) c.done({ ok: false, final: '', err });
    }
    for (let i = queue.length - 1; i >= 0; i--) {
      const q = queue[i];
      if (q.init || !keepCommands || q.link >= 0) {
        queue.splice(i, 1);
        if (!q.init) q.done({ ok: false, final: '', err });
      }
    }
    wifiDown();
    return restart;
  }

  function modemLost(why: string, err: number): void {
    log(why + ': sockets closed, initialising again');
    const restart = teardown(err, true);
    startInit(false);
    for (let i = 0; i < restart.length; i++) restart[i]();
  }

  function modemDead(): void {
    log('the modem does not answer; retrying in ' + to.recover + ' ms');
    phase = 'down';
    initGen++;
    teardown(ERRNO.ETIMEDOUT, false);
    const ws = initWaiters;
    initWaiters = [];
    for (let k = 0; k < ws.length; k++) safe(ws[k], ERRNO.ETIMEDOUT);
    recoverTimer = clearTimer(recoverTimer);
    recoverTimer = timer(to.recover, () => {
      recoverTimer = null;
      if (phase === 'down') startInit(true);
    });
  }

  // ---------------------------------------------------------------- the contract objects
  function recOf(fd: number): Rec | null {
    const rec = recs[fd];
    return rec && !rec.freed ? rec : null;
  }

  const netdev: EspAtNetdev = {
    errno: 0,
    errmsg: '',
    mac: '00:00:00:00:00:00',
    ip: '0.0.0.0',

    socket(_domain: string, ptcl: Ptcl): number {
      if (ptcl !== 'STREAM') {
        netdev.errno = EPROTONOSUPPORT;
        netdev.errmsg = 'the ESP-AT driver supports TCP only';
        return -1;
      }
      let n = 0;
      for (const fd in recs) if (recs[fd]) n++;
      if (n >= MAX_SOCKETS || phase === 'closed') {
        netdev.errno = ERRNO.EMFILE;
        netdev.errmsg = 'too many sockets';
        return -1;
      }
      return newRec(ptcl).fd;
    },

    get(fd: number): NetdevSocket | null {
      const rec = recOf(fd);
      return rec ? rec.sock : null;
    },

    connect(fd: number, host: string, port: number, cb: NetdevCallback): void {
      const rec = recOf(fd);
      if (!rec) return fail(cb, ERRNO.EBADF, 'no socket ' + fd);
      if (rec.phase === 'connecting') return fail(cb, ERRNO.EALREADY, 'already connecting');
      if (rec.phase !== 'idle' && rec.phase !== 'bound') return fail(cb, ERRNO.EISCONN, 'socket in use');
      if (typeof port !== 'number' || port < 1 || port > 65535 || port !== Math.floor(port)) {
        return fail(cb, ERRNO.EINVAL, 'bad port ' + port);
      }
      if (typeof host !== 'string' || !host || host.length > 253 || /[",\\\x00-\x20]/.test(host)) {
        return fail(cb, ERRNO.ENOTFOUND, 'bad host name ' + String(host));
      }
      if (rec === server) server = null;
      rec.phase = 'connecting';
      rec.connectCb = cb;
      connectHost(rec, host, port);
    },

    write(fd: number, data: Uint8Array | string, cb: NetdevCallback): void {
      const rec = recOf(fd);
      if (!rec) return fail(cb, ERRNO.EBADF, 'no socket ' + fd);
      if (rec.wshut || rec.ended) return fail(cb, ERRNO.EPIPE, 'the socket was ended');
      if (rec.phase !== 'connected' && rec.phase !== 'connecting') return fail(cb, ERRNO.ENOTCONN, 'not connected');
      const bytes = toBytes(data);
      if (bytes.length === 0 && rec.writes.length === 0) return later(() => report(cb, 0));
      rec.writes.push({ data: bytes, off: 0, cb });
      pumpWrites(rec);
    },

    close(fd: number, cb: NetdevCallback): void {
      const rec = recOf(fd);
      if (!rec) return fail(cb, ERRNO.EBADF, 'no socket ' + fd);
      rec.freed = true;
      delete recs[fd];
      failWrites(rec, ERRNO.ECONNABORTED, false);
      flushShutdowns(rec, ERRNO.ECONNABORTED);
      const connectCb = rec.connectCb;
      rec.connectCb = null;
      if (connectCb) later(() => report(connectCb, ERRNO.ECONNABORTED, 'closed while connecting'));
      rec.rxq = [];
      if (rec === server) {
        server = null;
        if (rec.phase === 'listening') {
          rec.phase = 'closed';
          rec.sock.state = SockState.Closed;
          at('AT+CIPSERVER=0', {}, () => report(cb, 0));
          return;
        }
      }
      const slot = rec.slot;
      rec.phase = 'closed';
      rec.sock.state = SockState.Closed;
      if (slot && slot.state === 'connecting') {
        // A CIPSTART not sent yet is dropped; one under way closes its link when it answers.
        if (slot.start && unqueue(slot.start)) links[slot.id] = null;
      } else if (slot && slot.state === 'open') {
        slot.rec = null;
        rec.slot = null;
        closeLink(slot, () => report(cb, 0));
        return;
      } else if (slot && slot.state === 'closing') {
        const prev = slot.closeDone;
        slot.closeDone = () => {
          if (prev) prev();
          report(cb, 0);
        };
        return;
      }
      later(() => report(cb, 0));
    },

    shutdown(fd: number, how: 0 | 1 | 2, cb: NetdevCallback): void {
      const rec = recOf(fd);
      if (!rec) return fail(cb, ERRNO.EBADF, 'no socket ' + fd);
      if (how === 0 || how === 2) {
        rec.readShut = true;
        rec.rxq = [];
      }
      if (how === 0) return later(() => report(cb, 0));
      if (rec.ended || rec.phase === 'closed') return later(() => report(cb, 0));
      if (rec.phase !== 'connected' && rec.phase !== 'connecting') return fail(cb, ERRNO.ENOTCONN, 'not connected');
      rec.wshut = true;
      rec.shutdownCbs.push(cb);
      maybeShutdown(rec);
    },

    bind(fd: number, addr: string, port: number, cb: NetdevCallback): void {
      const rec = recOf(fd);
      if (!rec) return fail(cb, ERRNO.EBADF, 'no socket ' + fd);
      if (rec.phase !== 'idle') return fail(cb, ERRNO.EINVAL, 'socket already bound or connected');
      if (typeof port !== 'number' || port < 0 || port > 65535 || port !== Math.floor(port)) {
        return fail(cb, ERRNO.EINVAL, 'bad port ' + port);
      }
      if (server) {
        const other = server.bindPort || server.sock.lport;
        return fail(cb, ERRNO.EADDRINUSE, port && port === other
          ? 'port ' + port + ' is already in use'
          : 'the ESP-AT modem has one server: port ' + other + ' is already listening, so port ' + port + ' cannot');
      }
      server = rec;
      rec.bindPort = port;
      rec.phase = 'bound';
      rec.sock.state = SockState.Bound;
      rec.sock.laddr = addr || '0.0.0.0';
      rec.sock.lport = port;
      later(() => report(cb, 0));
    },

    listen(fd: number, cb: NetdevCallback): void {
      const rec = recOf(fd);
      if (!rec) return fail(cb, ERRNO.EBADF, 'no socket ' + fd);
      if (rec.phase !== 'bound' || rec !== server) return fail(cb, ERRNO.EINVAL, 'listen() needs a bound socket');
      listenOn(rec, false, (err, msg) => {
        if (err && server === rec) {
          server = null;
          rec.phase = 'idle';
          rec.sock.state = SockState.Closed;
        }
        report(cb, err, msg);
      });
    },

    pause(fd: number, paused: boolean): void {
      const rec = recOf(fd);
      if (!rec) return;
      rec.paused = paused;
      if (!paused) {
        later(() => {
          flush(rec);
          if (rec.slot) pumpRead(rec.slot);
        });
      }
    },
  };

  // dns.lookup (KN_DNS): the modem's resolver, AT+CIPDOMAIN; any failure is ENOTFOUND.
  if (globalThis.KN_DNS !== false)
    netdev.lookup = (host, cb) => {
      let ip = '';
      const done = () => (isIPv4(ip) ? later(() => safe(cb, 0, ip)) : fail(cb, ERRNO.ENOTFOUND, 'cannot resolve ' + host));
      if (phase === 'closed' || host.length > 253 || /[\x00-\x20]/.test(host)) return done();
      at('AT+CIPDOMAIN=' + quote(host), {
        timeout: to.connect,
        info: (line) => {
          if (line.indexOf('+CIPDOMAIN:') === 0) ip = fields(line.slice(11))[0];
        },
      }, done);
    };

  const wifi: Ieee80211dev = {
    errno: 0,
    assoc_cb: null,
    connect_cb: null,
    disconnect_cb: null,

    reset(cb: NetdevCallback): void {
      wantJoin = null;
      at('AT+RST', {}, (r) => {
        if (!r.ok) {
          wifiErr(cb, r.err || ERRNO.EIO);
          return;
        }
        const rebooted = () => {
          const restart = teardown(ERRNO.ECONNRESET, true);
          initWaiters.push((err) => (err ? wifiErr(cb, err) : safe(cb, 0)));
          startInit(false);
          for (let i = 0; i < restart.length; i++) restart[i]();
        };
        bootWait = rebooted;
        bootTimer = deadline(to.boot, () => {
          bootTimer = null;
          if (bootWait === rebooted) {
            bootWait = null;
            rebooted();
          }
        });
      });
    },

    scan(cb: (err: number, list?: unknown[]) => void): void {
      const list: { bssid: string; ssid: string; security: string; rssi: number; channel: number }[] = [];
      at('AT+CWLAP', {
        timeout: to.scan,
        info: (line) => {
          const m = /^\+CWLAP:\((.*)\)$/.exec(line);
          if (!m) return;
          const f = fields(m[1]);
          list.push({
            security: SECURITY[Number(f[0])] || 'UNKNOWN',
            ssid: fromUtf8(f[1]),
            rssi: Number(f[2]),
            bssid: f[3],
            channel: Number(f[4]),
          });
        },
      }, (r) => {
        if (r.ok) safe(cb, 0, list);
        else wifiErr(cb, r.err || ERRNO.EIO);
      });
    },

    connect(info: WifiConnectInfo, cb: NetdevCallback): void {
      if (!info || typeof info.ssid !== 'string' || !info.ssid) {
        wifi.errno = ERRNO.EINVAL;
        later(() => safe(cb, ERRNO.EINVAL));
        return;
      }
      const j = { ssid: info.ssid, password: info.password || '', bssid: info.bssid || null };
      join(j, false, (err, msg) => {
        if (err) {
          netdev.errmsg = msg;
          wifiErr(cb, err);
          return;
        }
        wantJoin = j;
        safe(cb, 0);
      });
    },

    disconnect(cb: NetdevCallback): void {
      wantJoin = null;
      at('AT+CWQAP', {}, (r) => {
        if (r.ok) {
          wifiDown();
          safe(cb, 0);
        } else wifiErr(cb, r.err || ERRNO.EIO);
      });
    },

    get_connection(cb: (err: number, info?: { ssid: string; bssid?: string }) => void): void {
      getConnection(false, (err, info) => (err ? wifiErr(cb, err) : safe(cb, 0, info)));
    },
  };

  function wifiErr(cb: (err: number) => void, err: number): void {
    wifi.errno = err;
    safe(cb, err);
  }

  uart.on('data', (chunk: Uint8Array) => {
    rxCount = (rxCount + chunk.length) & 0x3fffffff;
    if (phase !== 'closed') parser.push(chunk);
  });

  // Not at top level: Kaluma stamps its loop clock before parsing the program, so a timeout set
  // now would count the parse time. The first loop pass has a fresh clock.
  later(() => startInit(false));

  return {
    netdev,
    wifi,
    get dialect() {
      return dialect;
    },
    get passive() {
      return passive;
    },
    whenReady(cb: (err: number) => void): void {
      if (phase === 'ready') later(() => safe(cb, 0));
      else if (phase === 'down') later(() => safe(cb, ERRNO.ETIMEDOUT));
      else initWaiters.push(cb);
    },
    close(): void {
      if (phase === 'closed') return;
      phase = 'closed';
      initGen++;
      if (current) current.timer = clearTimer(current.timer);
      for (let i = 0; i < queue.length; i++) queue[i].timer = clearTimer(queue[i].timer);
      queue.length = 0;
      current = null;
      bootWait = null;
      bootTimer = clearTimer(bootTimer);
      recoverTimer = clearTimer(recoverTimer);
      while (pending.length) T.clearTimeout(pending.pop() as number);
      try {
        uart.close();
      } catch (e) {
        // already closed
      }
    },
  };
}

/** Opens the UART (defaults: port 0, GP0 TX, GP1 RX, 115200 baud) and registers the driver as
 *  `global.__netdev` and `global.__ieee80211dev`. */
/** The credentials Kaluma's `wifi` module would use: the storage slots WIFI_SSID / WIFI_PASSWORD. */
function storedWifi(): { ssid: string; password?: string } | null {
  const st = (global as unknown as { storage?: { getItem(k: string): string | null } }).storage;
  const ssid = st ? st.getItem('WIFI_SSID') : null;
  if (!ssid) return null;
  const password = st!.getItem('WIFI_PASSWORD');
  return password ? { ssid, password } : { ssid };
}

export function install(config: EspAtConfig = {}): EspAtDriver {
  const u = config.uart || {};
  const bus = intOption(u.bus, 'uart.bus', 0, 1, 0);
  const options = {
    baudrate: intOption(u.baudrate, 'uart.baudrate', 300, 4500000, 115200),
    tx: intOption(u.tx, 'uart.tx', -1, 29, bus === 0 ? 0 : 8),
    rx: intOption(u.rx, 'uart.rx', -1, 29, bus === 0 ? 1 : 9),
    bufferSize: intOption(u.bufferSize, 'uart.bufferSize', 256, 16384, 4096),
  };
  const UART = require('uart').UART;
  const wifi = config.wifi || storedWifi();
  const driver = createEspAtNetdev(new UART(bus, options) as UartLike, wifi ? { ...config, wifi } : config);
  const g = global as unknown as { [key: string]: unknown };
  g.__netdev = driver.netdev;
  g.__ieee80211dev = driver.wifi;
  return driver;
}
