// Options of the emulated ESP-01 (ESP8266 AT firmware) and their validation.

import { isIPv4 } from 'node:net';

export type EspAtDialect = 'nonos' | 'esp-at';

export interface WifiNetwork {
  ssid: string;
  password: string;
}

export interface EspAtTiming {
  /** Reset (power-on, AT+RST, inject.reset) until `ready`. */
  bootDelayMs: number;
  /** Processing time of every command before its final result. */
  commandDelayMs: number;
  /** Each step of a join: `WIFI CONNECTED`, then `WIFI GOT IP` + `OK` (or the failure). */
  joinDelayMs: number;
  /** From `Recv <n> bytes` to `SEND OK` (at least; also waits for the host socket to take the data). */
  sendOkDelayMs: number;
  /** CIPSTART gives up (ERROR + CLOSED) after this long. */
  connectTimeoutMs: number;
  /** Length of one emulated second for AT+CIPSTO (tests shrink it). */
  secondMs: number;
}

/** What survives a reset (the module's flash): stored mode, auto-join network, stored baud rate. */
export interface EspAtFlash {
  cwmode?: number;
  ap?: WifiNetwork | null;
  baudrate?: number;
}

export type Chunking = 'none' | 'byte' | 'random';

export interface EspAtModemOptions {
  /** 'nonos' = NonOS AT 1.7.4 (ESP-01 default), 'esp-at' = ESP-AT 2.2. Default 'nonos'. */
  dialect?: EspAtDialect;
  /** Access points in range. Omitted: any SSID joins with any password. */
  networks?: WifiNetwork[];
  /** Station address after joining; the emulated network is the loopback (127.0.0.0/8 only). */
  stationIp?: string;
  /** Station MAC, `xx:xx:xx:xx:xx:xx`. */
  mac?: string;
  /** Name resolution for CIPSTART/CIPDOMAIN (called for dotted quads too). Rejects → DNS failure. */
  resolve?: (host: string) => Promise<string>;
  timing?: Partial<EspAtTiming>;
  /** How modem→board bytes are split into deliveries. Default 'none'. */
  chunking?: Chunking;
  /** Send at the UART's real speed (8N1 at the modem's baud rate, in wall time), as a real ESP-01
   *  does: an answer arrives over milliseconds, +IPD records take 127 ms per 1460 bytes at 115200.
   *  Default false (as fast as the host allows). */
  pace?: boolean;
  /** Seed of the chunking and garbage generator. */
  seed?: number;
  flash?: EspAtFlash;
  /** Host port a CIPSERVER port listens on (e.g. 80 → 8080; 0 = ephemeral). Default: the same port. */
  hostPort?: (port: number) => number;
  /** Observes every byte crossing the UART. */
  trace?: (direction: 'to-modem' | 'to-board', bytes: Uint8Array) => void;
}

export interface ResolvedOptions {
  dialect: EspAtDialect;
  networks: WifiNetwork[] | null;
  stationIp: string;
  mac: string;
  resolve: (host: string) => Promise<string>;
  timing: EspAtTiming;
  chunking: Chunking;
  pace: boolean;
  seed: number;
  flash: { cwmode: number; ap: WifiNetwork | null; baudrate: number };
  hostPort: (port: number) => number;
  trace: ((direction: 'to-modem' | 'to-board', bytes: Uint8Array) => void) | null;
}

export const DEFAULT_TIMING: EspAtTiming = {
  bootDelayMs: 30,
  commandDelayMs: 1,
  joinDelayMs: 20,
  sendOkDelayMs: 2,
  connectTimeoutMs: 5000,
  secondMs: 1000,
};

export const BAUD_MIN = 80;
export const BAUD_MAX = 4_500_000;

/** 'localhost' and dotted quads only; every other name fails like an unknown host. */
export async function loopbackResolve(host: string): Promise<string> {
  if (host === 'localhost') return '127.0.0.1';
  if (isIPv4(host)) return host;
  throw new Error(`cannot resolve ${host}`);
}

export function isLoopbackIPv4(ip: string): boolean {
  return isIPv4(ip) && ip.startsWith('127.');
}

function fail(message: string): never {
  throw new Error(`EspAtModem: ${message}`);
}

function checkNetwork(n: WifiNetwork, where: string): WifiNetwork {
  if (typeof n?.ssid !== 'string' || n.ssid.length < 1 || Buffer.byteLength(n.ssid) > 32) {
    fail(`${where}.ssid must be a string of 1..32 bytes`);
  }
  if (typeof n.password !== 'string' || Buffer.byteLength(n.password) > 64) {
    fail(`${where}.password must be a string of at most 64 bytes`);
  }
  return { ssid: n.ssid, password: n.password };
}

export function resolveOptions(options: EspAtModemOptions = {}): ResolvedOptions {
  const dialect = options.dialect ?? 'nonos';
  if (dialect !== 'nonos' && dialect !== 'esp-at') fail(`dialect must be 'nonos' or 'esp-at', not '${String(dialect)}'`);

  const networks = options.networks ? options.networks.map((n, i) => checkNetwork(n, `networks[${i}]`)) : null;

  const stationIp = options.stationIp ?? '127.0.0.1';
  if (!isLoopbackIPv4(stationIp)) fail(`stationIp must be a loopback IPv4 address (127.x.x.x), not '${stationIp}'`);

  const mac = (options.mac ?? '5c:cf:7f:00:00:01').toLowerCase();
  if (!/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/.test(mac)) fail(`mac must look like xx:xx:xx:xx:xx:xx, not '${options.mac}'`);

  const timing = { ...DEFAULT_TIMING };
  for (const [key, value] of Object.entries(options.timing ?? {})) {
    if (!(key in DEFAULT_TIMING)) fail(`unknown timing option '${key}'`);
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) fail(`timing.${key} must be a number >= 0`);
    timing[key as keyof EspAtTiming] = value;
  }

  const chunking = options.chunking ?? 'none';
  if (chunking !== 'none' && chunking !== 'byte' && chunking !== 'random') {
    fail(`chunking must be 'none', 'byte' or 'random', not '${String(chunking)}'`);
  }
  const seed = options.seed ?? 1;
  if (!Number.isInteger(seed)) fail('seed must be an integer');

  const cwmode = options.flash?.cwmode ?? 2;
  if (!Number.isInteger(cwmode) || cwmode < (dialect === 'esp-at' ? 0 : 1) || cwmode > 3) {
    fail(`flash.cwmode ${cwmode} is not a valid Wi-Fi mode for the ${dialect} dialect`);
  }
  const baudrate = options.flash?.baudrate ?? 115200;
  if (!Number.isInteger(baudrate) || baudrate < BAUD_MIN || baudrate > BAUD_MAX) {
    fail(`flash.baudrate must be an integer in ${BAUD_MIN}..${BAUD_MAX}`);
  }
  const ap = options.flash?.ap ? checkNetwork(options.flash.ap, 'flash.ap') : null;

  return {
    dialect,
    networks,
    stationIp,
    mac,
    resolve: options.resolve ?? loopbackResolve,
    timing,
    chunking,
    pace: options.pace === true,
    seed,
    flash: { cwmode, ap, baudrate },
    hostPort: options.hostPort ?? ((port) => port),
    trace: options.trace ?? null,
  };
}
