// Test harness: plays the board side of the UART, with raw AT bytes, against an EspAtModem.

import net from 'node:net';
import { EspAtModem, type EspAtModemOptions } from '../../cli/emulate/esp-at/modem';

export const FAST = { bootDelayMs: 5, commandDelayMs: 1, joinDelayMs: 5, sendOkDelayMs: 1 };
const FINAL = /\r\n(OK|ERROR|FAIL|SEND OK|SEND FAIL)\r\n/;

export class Board {
  readonly modem: EspAtModem;
  /** Everything received, as latin-1 text (one char per byte). */
  text = '';
  cursor = 0;
  chunks = 0;
  private waiters: (() => void)[] = [];

  constructor(options: EspAtModemOptions = {}) {
    this.modem = new EspAtModem({ ...options, timing: { ...FAST, ...options.timing } });
    this.modem.onData((data) => {
      this.chunks++;
      this.text += Buffer.from(data).toString('latin1');
      for (const w of this.waiters.splice(0)) w();
    });
  }

  send(data: string | Uint8Array): void {
    this.modem.write(typeof data === 'string' ? Buffer.from(data, 'latin1') : data);
  }

  /** Unread text. */
  get rest(): string {
    return this.text.slice(this.cursor);
  }

  /** Waits until the unread text matches, returns it up to the end of the match and consumes it. */
  async until(pattern: string | RegExp, timeoutMs = 2000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const rest = this.rest;
      const m = typeof pattern === 'string' ? (rest.includes(pattern) ? { index: rest.indexOf(pattern), 0: pattern } : null) : pattern.exec(rest);
      if (m) {
        const end = m.index + m[0].length;
        this.cursor += end;
        return rest.slice(0, end);
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timeout waiting for ${JSON.stringify(String(pattern))}; unread: ${JSON.stringify(rest)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Sends `line` + CR LF and returns the response up to its final result line. */
  cmd(line: string, timeoutMs?: number): Promise<string> {
    this.send(line + '\r\n');
    return this.until(FINAL, timeoutMs);
  }

  /** Nothing more arrives within `ms`. */
  async quiet(ms = 30): Promise<string> {
    await delay(ms);
    return this.rest;
  }

  close(): void {
    this.modem.close();
  }
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A booted modem with echo off, station mode, joined, and CIPMUX as asked. */
export async function ready(options: EspAtModemOptions = {}, mux: 0 | 1 = 1): Promise<Board> {
  const b = new Board({ networks: [{ ssid: 'lab', password: 'secret' }], ...options });
  await b.until('ready\r\n');
  await b.cmd('ATE0');
  // The canonical init (fact sheet §8), writing nothing to flash.
  const nonos = b.modem.dialect === 'nonos';
  if (!nonos) await b.cmd('AT+SYSSTORE=0');
  await b.cmd(nonos ? 'AT+CWMODE_CUR=1' : 'AT+CWMODE=1');
  await b.cmd(nonos ? 'AT+CWJAP_CUR="lab","secret"' : 'AT+CWJAP="lab","secret"');
  if (mux) await b.cmd('AT+CIPMUX=1');
  b.cursor = b.text.length;
  return b;
}

/** A TCP server on 127.0.0.1 (ephemeral port) that records what each client sends. */
export async function tcpServer(onConnection: (socket: net.Socket) => void = () => {}): Promise<{
  server: net.Server;
  port: number;
  sockets: net.Socket[];
  close(): Promise<void>;
}> {
  const sockets: net.Socket[] = [];
  const server = net.createServer((socket) => {
    sockets.push(socket);
    socket.on('error', () => {});
    onConnection(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    server,
    port,
    sockets,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A port on 127.0.0.1 that nothing listens on. */
export async function closedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

/** Connects a client to 127.0.0.1:port and collects what it receives. */
export async function client(port: number): Promise<{ socket: net.Socket; received: () => string; closed: Promise<void> }> {
  const socket = net.connect({ host: '127.0.0.1', port });
  let data = '';
  socket.on('data', (d) => (data += d.toString('latin1')));
  socket.on('error', () => {});
  const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('error', reject);
  });
  return { socket, received: () => data, closed };
}

export async function eventually(check: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await delay(2);
  }
}
