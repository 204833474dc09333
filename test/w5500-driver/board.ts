// Test board for the W5500 driver: the driver (runtime/drivers/w5500/) wired to the emulated
// chip (cli/emulate/w5500) through a small fake `hw`: SPI transfers go to the chip, CS/RST are pins
// the chip watches, INT is the pin the chip drives, timers are Node's.

import * as net from 'node:net';
import { performance } from 'node:perf_hooks';
import type { PinBus } from '../../cli/emulate/devices';
import { W5500Chip, type W5500Options } from '../../cli/emulate/w5500';
import { createW5500Netdev, type W5500Config, type W5500Driver, type W5500Hardware, type W5500Netdev } from '../../runtime/drivers/w5500';

export const PINS = { cs: 17, rst: 20, int: 21 };
export const UID = 'E6614104032F5A2B';

type Level = 0 | 1;

class TestPins implements PinBus {
  private outputs = new Map<number, ((level: Level) => void)[]>();
  private inputs = new Map<number, () => Level>();

  onOutput(pin: number, listener: (level: Level) => void): void {
    this.outputs.set(pin, [...(this.outputs.get(pin) ?? []), listener]);
  }

  driveInput(pin: number, level: () => Level): void {
    this.inputs.set(pin, level);
  }

  write(pin: number, level: Level): void {
    for (const l of this.outputs.get(pin) ?? []) l(level);
  }

  read(pin: number): Level {
    const input = this.inputs.get(pin);
    return input ? input() : 1;
  }
}

export interface BoardOptions {
  /** Wire INTn (setWatch-like falling-edge watch). Default true. */
  int?: boolean;
  /** Runs before the driver's first poll (fault injection at power-on). */
  before?: (chip: W5500Chip) => void;
  /** Replaces the SPI transfer (e.g. a bus whose MISO is stuck). */
  transfer?: (tx: Uint8Array, chip: W5500Chip) => Uint8Array;
  uid?: string;
}

export interface Board {
  chip: W5500Chip;
  driver: W5500Driver;
  nd: W5500Netdev;
  logs: string[];
  /** SPI transfers so far (one per frame). */
  frames(): number;
  close(): Promise<void>;
}

export function boot(chipOptions: W5500Options = {}, config: W5500Config = {}, options: BoardOptions = {}): Board {
  const chip = new W5500Chip(chipOptions);
  const pins = new TestPins();
  chip.attach(pins, PINS);
  options.before?.(chip);
  const timers = new Map<number, NodeJS.Timeout>();
  const watches = new Set<NodeJS.Timeout>();
  let ids = 0;
  let frames = 0;
  const sleeper = new Int32Array(new SharedArrayBuffer(4));
  const logs: string[] = [];
  const hw: W5500Hardware = {
    transfer: (tx) => {
      frames++;
      return options.transfer ? options.transfer(tx, chip) : chip.transfer(tx);
    },
    cs: (level) => pins.write(PINS.cs, level),
    rst: (level) => pins.write(PINS.rst, level),
    intLevel: options.int === false ? null : () => pins.read(PINS.int),
    watchInt:
      options.int === false
        ? null
        : (cb) => {
            let last = pins.read(PINS.int);
            const t = setInterval(() => {
              const now = pins.read(PINS.int);
              if (last === 1 && now === 0) cb();
              last = now;
            }, 1);
            watches.add(t);
            return () => {
              clearInterval(t);
              watches.delete(t);
            };
          },
    delayUs: (us) => void Atomics.wait(sleeper, 0, 0, us / 1000),
    millis: () => Math.floor(performance.now()),
    setTimeout: (cb, ms) => {
      const id = ++ids;
      timers.set(
        id,
        setTimeout(() => {
          timers.delete(id);
          cb();
        }, Math.max(1, ms)),
      );
      return id;
    },
    clearTimeout: (id) => {
      const t = timers.get(id);
      if (t) clearTimeout(t);
      timers.delete(id);
    },
    uid: options.uid ?? UID,
  };
  const driver = createW5500Netdev(hw, { log: (m) => logs.push(m), ...config });
  return {
    chip,
    driver,
    nd: driver.netdev,
    logs,
    frames: () => frames,
    async close() {
      driver.close();
      for (const t of timers.values()) clearTimeout(t);
      timers.clear();
      for (const t of watches) clearInterval(t);
      watches.clear();
      chip.close();
      await sleep(5);
    },
  };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export async function waitFor<T>(what: string, fn: () => T, ms = 3000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(2);
  }
}

export function ready(b: Board): Promise<number> {
  return new Promise((resolve) => b.driver.whenReady(resolve));
}

/** A booted board with a lease (fails the test otherwise). */
export async function up(chipOptions: W5500Options = {}, config: W5500Config = {}, options: BoardOptions = {}): Promise<Board> {
  const b = boot(chipOptions, config, options);
  const err = await ready(b);
  if (err) {
    await b.close();
    throw new Error(`bring-up failed: errno ${err}: ${b.nd.errmsg}`);
  }
  return b;
}

/** Runs a netdev request; resolves with its err (0 = success). */
export function call(fn: (cb: (err: number) => void) => void): Promise<number> {
  return new Promise((resolve) => fn(resolve));
}

/** What `net` sees of one fd: its events and data, recorded. */
export class Peer {
  events: string[] = [];
  chunks: Uint8Array[] = [];
  accepted: Peer[] = [];
  constructor(
    readonly nd: W5500Netdev,
    readonly fd: number,
  ) {
    const s = nd.get(fd);
    if (!s) throw new Error('no socket ' + fd);
    s.read_cb = (u8) => {
      if (!(u8 instanceof Uint8Array) || u8.length === 0) throw new Error('read_cb needs non-empty bytes');
      this.chunks.push(u8);
    };
    s.connect_cb = () => this.events.push('connect');
    s.shutdown_cb = () => this.events.push('shutdown');
    s.close_cb = () => this.events.push('close');
    s.error_cb = (e) => this.events.push('error:' + e);
    s.accept_cb = (nfd) => this.accepted.push(new Peer(nd, nfd));
  }

  get bytes(): Buffer {
    return Buffer.concat(this.chunks);
  }

  get text(): string {
    return this.bytes.toString('latin1');
  }

  connect(host: string, port: number): Promise<number> {
    return call((cb) => this.nd.connect(this.fd, host, port, cb));
  }

  write(data: Uint8Array | string): Promise<number> {
    return call((cb) => this.nd.write(this.fd, data, cb));
  }

  shutdown(how: 0 | 1 | 2): Promise<number> {
    return call((cb) => this.nd.shutdown(this.fd, how, cb));
  }

  close(): Promise<number> {
    return call((cb) => this.nd.close(this.fd, cb));
  }
}

/** A new client fd on the board. */
export function client(nd: W5500Netdev): Peer {
  const fd = nd.socket('INET', 'STREAM');
  if (fd < 0) throw new Error(`socket() failed: errno ${nd.errno}: ${nd.errmsg}`);
  return new Peer(nd, fd);
}

/** Deterministic pseudo-random bytes. */
export function pattern(length: number, seed = 1): Buffer {
  const out = Buffer.alloc(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/** A loopback port nothing listens on (it was free a moment ago). */
export async function closedPort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}
