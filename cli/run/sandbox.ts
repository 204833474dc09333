import { createContext, Script, type Context } from 'node:vm';
import { inspect } from 'node:util';
import type { Target } from '../targets/target';
import type { SpiDevice, UartDevice } from '../emulate/devices';
import { createTimers, type KalumaTimers } from './timers';
import { Pins } from './pins';
import { SYSTEM_ERROR_MESSAGES, SYSTEM_ERROR_SOURCE } from './system-error';
import type { SandboxHelpers } from './sandbox-realm';
import { isUint8Array } from './sandbox-realm';
import { createStorage } from './modules/storage';
import { createUartModule } from './modules/uart';
import { createSpiModule } from './modules/spi';
import { createGpioModule } from './modules/gpio';
import { createWifiModule } from './modules/wifi';

export interface SandboxOptions {
  target: Target;
  /** Extra firmware modules (e.g. the emulated pico_cyw43), created lazily on first require. */
  modules?: Record<string, (h: SandboxHelpers) => unknown>;
  uart?: (bus: number) => UartDevice | undefined;
  spi?: (bus: number) => SpiDevice | undefined;
  /** Message for a UART/SPI bus nothing is bound to. */
  unbound?: (kind: 'UART' | 'SPI', bus: number) => string;
  storage?: Record<string, string>;
  stdout?: (text: string) => void;
  /** Called with the first uncaught error of the program (top level or a callback). */
  onUncaught: (error: unknown) => void;
}

export interface Sandbox {
  context: Context;
  global: Record<string, any>;
  helpers: SandboxHelpers;
  pins: Pins;
  /** Runs the program (a strict classic script) under `filename`. */
  run(code: string, filename: string): void;
  /** Stops timers and watches (devices are the caller's). */
  shutdown(): void;
}

/**
 * A fresh node:vm context that looks like Kaluma 1.2.x to a program: Kaluma's globals and
 * built-in-only `require`, no Node globals, and the engine's missing built-ins removed.
 */
export function createSandbox(opts: SandboxOptions): Sandbox {
  const { target } = opts;
  const context = createContext({}, { name: `kaluma-net ${target.id}`, codeGeneration: { strings: true, wasm: false } });
  const g = new Script('globalThis').runInContext(context) as Record<string, any>;
  const write = opts.stdout ?? ((t: string) => process.stdout.write(t));
  let stopped = false;

  const invoke = (fn: () => void) => {
    if (stopped) return;
    try {
      fn();
    } catch (e) {
      stopped = true;
      opts.onUncaught(e);
    }
  };
  const make = (ctor: string) => (message: string) => new g[ctor](message) as Error;
  const SystemError = new Script(SYSTEM_ERROR_SOURCE).runInContext(context)(SYSTEM_ERROR_MESSAGES);
  const timers: KalumaTimers = createTimers(make('TypeError'), invoke);
  const helpers: SandboxHelpers = {
    bytes: (b) => new g.Uint8Array(b) as Uint8Array,
    callback: invoke,
    typeError: make('TypeError'),
    rangeError: make('RangeError'),
    referenceError: make('ReferenceError'),
    error: make('Error'),
    systemError: (errno) => SystemError(errno),
    timers,
  };
  const pins = new Pins(() => SystemError(-140), invoke);

  let storage: ReturnType<typeof createStorage> | undefined;
  const getStorage = () => (storage ??= createStorage(helpers, opts.storage));
  const unbound = opts.unbound ?? ((kind, bus) => `${kind}${bus} is not emulated by kaluma-net run`);
  const modules: Record<string, () => unknown> = {
    storage: getStorage,
    gpio: () => createGpioModule(helpers, pins),
    uart: () => createUartModule(helpers, opts.uart ?? (() => undefined), (bus) => unbound('UART', bus)),
    spi: () => createSpiModule(helpers, opts.spi ?? (() => undefined), (bus) => unbound('SPI', bus)),
    wifi: () => createWifiModule(helpers, g, getStorage),
  };
  for (const [name, factory] of Object.entries(opts.modules ?? {})) modules[name] = () => factory(helpers);
  const cache = new Map<string, unknown>();
  const requireBuiltin = (id: unknown) => {
    if (typeof id !== 'string') throw helpers.typeError('"id" argument must be a string');
    if (cache.has(id)) return cache.get(id);
    if (!target.builtinModules.includes(id)) throw helpers.error(`Failed to load module: ${id}`);
    const factory = modules[id];
    if (!factory) throw helpers.error(`built-in module "${id}" is not emulated by kaluma-net run (target ${target.id})`);
    const m = factory();
    cache.set(id, m);
    return m;
  };

  const show = (args: unknown[]) => args.map((a) => (typeof a === 'string' ? a : inspect(a, { depth: 3 }))).join(' ');
  const started = process.hrtime.bigint();
  const sleeper = new Int32Array(new SharedArrayBuffer(4));
  const board = target.pc ? 'host' : target.netdev?.driver === 'cyw43' ? target.id : target.id.startsWith('pico2') ? 'pico2' : 'pico';

  Object.assign(g, {
    global: g,
    require: requireBuiltin,
    print: (...args: unknown[]) => write(show(args)),
    console: Object.assign(new g.Object(), {
      log: (...args: unknown[]) => args.length && write(show(args) + '\n'),
      error: (...args: unknown[]) => args.length && write(show(args) + '\n'),
    }),
    seed: () => undefined,
    setTimeout: timers.setTimeout,
    setInterval: timers.setInterval,
    clearTimeout: timers.clearTimeout,
    clearInterval: timers.clearInterval,
    delay: (ms = 0) => Atomics.wait(sleeper, 0, 0, ms),
    delayMicroseconds: (us = 0) => Atomics.wait(sleeper, 0, 0, us / 1000),
    millis: () => Number((process.hrtime.bigint() - started) / 1000000n),
    micros: () => Number((process.hrtime.bigint() - started) / 1000n),
    SystemError,
    LOW: 0,
    HIGH: 1,
    INPUT: 0,
    OUTPUT: 1,
    INPUT_PULLUP: 2,
    INPUT_PULLDOWN: 3,
    LOW_LEVEL: 1,
    HIGH_LEVEL: 2,
    FALLING: 4,
    RISING: 8,
    CHANGE: 12,
    pinMode: (pin: number | number[], mode?: number) => pins.pinMode(pin, mode),
    digitalRead: (pin: number) => pins.digitalRead(pin),
    digitalWrite: (pin: number | number[], v?: number) => pins.digitalWrite(pin, v),
    digitalToggle: (pin: number) => pins.digitalToggle(pin),
    setWatch: (cb: (pin: number) => void, pin: number, events?: number) => {
      if (typeof cb !== 'function') throw helpers.typeError('"callback" argument must be a function');
      return pins.setWatch(timers.nextId(), cb, pin, events);
    },
    clearWatch: (id?: number) => pins.clearWatch(id),
    board: Object.assign(new g.Object(), { name: board, LED: board === 'pico' || board === 'pico2' ? 25 : undefined, uid: boardUid(target.id) }),
    process: Object.assign(new g.Object(), {
      arch: target.id.includes('pico2') ? 'cortex-m33' : 'cortex-m0-plus',
      platform: 'rp2',
      version: '1.2.1',
      builtin_modules: g.Array.from(target.builtinModules),
      memoryUsage: () => {
        const used = process.memoryUsage().heapUsed;
        return Object.assign(new g.Object(), { heapTotal: target.heapSize, heapUsed: Math.min(used, target.heapSize), heapPeak: Math.min(used, target.heapSize) });
      },
    }),
  });
  Object.defineProperty(g, 'storage', { get: getStorage, configurable: true });
  installCodecs(g, helpers);
  removeMissingBuiltins(g, target);

  return {
    context,
    global: g,
    helpers,
    pins,
    run(code, filename) {
      invoke(() => new Script(code, { filename }).runInContext(context));
    },
    shutdown() {
      stopped = true;
      timers.clearAll();
      pins.shutdown();
    },
  };
}

/** A stable 16-hex-digit board.uid per target, so MACs derived from it are stable too. */
function boardUid(id: string): string {
  let h = 0x811c9dc5;
  for (const c of id) h = Math.imul(h ^ c.charCodeAt(0), 0x01000193) >>> 0;
  return ('E661' + h.toString(16).padStart(8, '0') + 'A5C3').toUpperCase();
}

/** TextEncoder/TextDecoder/btoa/atob with Kaluma's rules (kaluma-api.md §2.4). */
function installCodecs(g: Record<string, any>, h: SandboxHelpers): void {
  const label = (l: unknown) => (l === undefined ? 'utf-8' : String(l));
  class TextEncoder {
    encoding: string;
    constructor(l?: unknown) {
      this.encoding = label(l);
    }
    encode(s: unknown): Uint8Array {
      if (typeof s !== 'string') throw h.typeError('"input" argument must be a string');
      if (this.encoding === 'utf-8') return h.bytes(Buffer.from(s, 'utf8'));
      if (this.encoding === 'ascii') return h.bytes(Buffer.from(s, 'latin1'));
      throw h.error('Unsupported encoding.');
    }
  }
  class TextDecoder {
    encoding: string;
    constructor(l?: unknown) {
      this.encoding = label(l);
    }
    decode(u8: unknown): string {
      if (!isUint8Array(u8)) throw h.error('input must be Uint8Array.');
      const b = Buffer.from(u8.buffer, u8.byteOffset, u8.byteLength);
      if (this.encoding === 'utf-8') return b.toString('utf8');
      if (this.encoding === 'ascii') return b.toString('latin1');
      throw h.error('Unsupported encoding.');
    }
  }
  g.TextEncoder = TextEncoder;
  g.TextDecoder = TextDecoder;
  g.btoa = (data: unknown) => {
    if (typeof data === 'string') return Buffer.from(data, 'latin1').toString('base64');
    if (isUint8Array(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('base64');
    throw h.typeError('"data" argument must be Uint8Array or string');
  };
  g.atob = (s: unknown) => {
    if (typeof s !== 'string') throw h.typeError('"data" argument must be a string');
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(s.replace(/\s/g, ''))) return undefined;
    return h.bytes(Buffer.from(s, 'base64'));
  };
}

/** Deletes from the context what the target engine lacks (the profile's missingBuiltins), so a
 *  program that would fail on the board fails here with the same kind of TypeError/ReferenceError. */
function removeMissingBuiltins(g: Record<string, any>, target: Target): void {
  for (const name of [...target.engine.missingBuiltins, 'SharedArrayBuffer', 'Atomics', 'WebAssembly']) {
    const parts = name.split('.');
    let owner: any = g;
    for (const p of parts.slice(0, -1)) owner = owner?.[p];
    if (owner && Object.prototype.hasOwnProperty.call(owner, parts[parts.length - 1])) delete owner[parts[parts.length - 1]];
  }
}

