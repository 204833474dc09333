import { createContext, Script, type Context } from 'node:vm';
import { inspect } from 'node:util';
import { promiseHooks } from 'node:v8';
import { performance } from 'node:perf_hooks';
import type { Target } from '../targets/target';
import type { SpiDevice, UartDevice } from '../emulate/devices';
import { createTimers, type KalumaTimers } from './timers';
import { BoardLoop, toUint32 } from './loop';
import { block, createGpioGlobals } from './gpio-globals';
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
  /** The error of the program's top level: on the board the program is aborted. */
  onUncaught: (error: unknown) => void;
  /** An error thrown by a callback (timer, watch, UART data, network event): the board prints it
   *  and goes on. Default: onUncaught. */
  onError?: (error: unknown) => void;
  /** A misuse the board does not survive or a firmware quirk the program walked into. */
  onWarning?: (message: string) => void;
}

export interface Sandbox {
  context: Context;
  global: Record<string, any>;
  helpers: SandboxHelpers;
  pins: Pins;
  loop: BoardLoop;
  /** Whether `p` is a promise of the sandbox's realm (for unhandled rejections). */
  ownsPromise(p: unknown): boolean;
  /** Runs the program (a strict classic script) under `filename`, as the board boots it: the
   *  loop's clock is stamped before the engine parses the program (modelled from its size),
   *  its top level runs, then the loop's passes begin. */
  run(code: string, filename: string): void;
  /** Stops timers and watches (devices are the caller's). */
  shutdown(): void;
}

/**
 * A fresh node:vm context that looks like Kaluma 1.2.x to a program: Kaluma's globals and
 * built-in-only `require`, no Node globals, the engine's missing built-ins removed, and Kaluma's
 * event loop (./loop.ts) running its callbacks.
 */
export function createSandbox(opts: SandboxOptions): Sandbox {
  const { target } = opts;
  // Promise jobs run when the loop's idle step says so, not after every callback.
  const context = createContext({}, { name: `kaluma-net ${target.id}`, codeGeneration: { strings: true, wasm: false }, microtaskMode: 'afterEvaluate' });
  const g = new Script('globalThis').runInContext(context) as Record<string, any>;
  const write = opts.stdout ?? ((t: string) => process.stdout.write(t));
  const onError = opts.onError ?? opts.onUncaught;
  const warn = opts.onWarning ?? ((m: string) => process.stderr.write(`kaluma-net: warning: ${m}\n`));
  let stopped = false;

  const drain = new Script('undefined', { filename: 'kaluma-net:jobs' });
  // A job chain that never ends hangs the board for good. Signals reach `run` only between
  // callbacks, so once a drain has run for LONG_DRAIN_MS the SIGINT/SIGTERM listeners step aside
  // until it ends: Ctrl+C or SIGTERM then end the process the default way. (Not on every pass: a
  // signal that arrives while its listener is being replaced is lost.)
  let drainStart = -1;
  let restoreSignals: (() => void) | undefined;
  const stopHook = promiseHooks.onBefore(() => {
    if (drainStart < 0 || restoreSignals || performance.now() - drainStart < LONG_DRAIN_MS) return;
    const saved = SIGNALS.map((sig) => [sig, process.rawListeners(sig)] as const);
    for (const sig of SIGNALS) process.removeAllListeners(sig);
    restoreSignals = () => {
      for (const [sig, listeners] of saved) for (const l of listeners) process.on(sig, l as () => void);
    };
  });
  const runJobs = () => {
    drainStart = performance.now();
    try {
      drain.runInContext(context);
    } finally {
      drainStart = -1;
      restoreSignals?.();
      restoreSignals = undefined;
    }
  };
  const loop: BoardLoop = new BoardLoop({ invoke: (fn) => invoke(fn), runJobs, warn });
  const invoke = (fn: () => void): boolean => {
    if (stopped) return true;
    loop.jobsMayBeQueued();
    try {
      fn();
      return true;
    } catch (e) {
      if (!stopped) onError(e);
      return false;
    }
  };
  const make = (ctor: string) => (message: string) => new g[ctor](message) as Error;
  const SystemError = new Script(SYSTEM_ERROR_SOURCE).runInContext(context)(SYSTEM_ERROR_MESSAGES);
  const helpers: SandboxHelpers = {
    bytes: (b) => new g.Uint8Array(b) as Uint8Array,
    callback: (fn) => loop.post(fn),
    pollNetwork: () => loop.pollNetwork(),
    makeError: (kind, message) => new g[kind](message) as Error,
    invoke,
    typeError: make('TypeError'),
    rangeError: make('RangeError'),
    referenceError: make('ReferenceError'),
    error: make('Error'),
    systemError: (errno) => new SystemError(errno),
    loop,
  };
  const timers: KalumaTimers = createTimers(loop, helpers.typeError);
  const pins = new Pins(() => new SystemError(-140), () => loop.now(), invoke);
  loop.addPoller(pins);
  const gpio = createGpioGlobals(helpers, pins, loop);

  let storage: ReturnType<typeof createStorage> | undefined;
  const getStorage = () => (storage ??= createStorage(helpers, target.id.startsWith('pico2') ? 256 : 64, opts.storage));
  const unbound = opts.unbound ?? ((kind, bus) => `${kind}${bus} is not emulated by kaluma-net run`);
  const modules: Record<string, () => unknown> = {
    storage: getStorage,
    gpio: () => createGpioModule(g),
    uart: () => createUartModule(helpers, loop, opts.uart ?? (() => undefined), (bus) => unbound('UART', bus), warn),
    spi: () => createSpiModule(helpers, opts.spi ?? (() => undefined), (bus) => unbound('SPI', bus)),
    wifi: () => createWifiModule(g, helpers),
  };
  for (const [name, factory] of Object.entries(opts.modules ?? {})) modules[name] = () => factory(helpers);
  const cache = new Map<string, unknown>();
  const requireBuiltin = (id: unknown) => {
    if (typeof id === 'string' && cache.has(id)) return cache.get(id);
    if (typeof id !== 'string' || !target.builtinModules.includes(id)) throw helpers.error(`Failed to load module: ${id}`);
    const factory = modules[id];
    if (!factory) throw helpers.error(`built-in module "${id}" is not emulated by kaluma-net run (target ${target.id})`);
    const m = factory();
    cache.set(id, m);
    return m;
  };

  const show = (args: unknown[]) => args.map((a) => (typeof a === 'string' ? a : inspect(a, { depth: 3 }))).join(' ');
  const board = target.pc ? 'host' : target.netdev?.driver === 'cyw43' ? target.id : target.id.startsWith('pico2') ? 'pico2' : 'pico';
  const factory = (mod: string, cls: string) =>
    function (...args: unknown[]) {
      const C = (requireBuiltin(mod) as Record<string, new (...a: unknown[]) => unknown>)[cls];
      return new C(...args);
    };

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
    delay: function (ms?: unknown) {
      if (arguments.length > 0 && typeof ms !== 'number') throw helpers.typeError('"msec" argument must be a number');
      block(toUint32((ms as number) ?? 0));
    },
    delayMicroseconds: function (us?: unknown) {
      if (arguments.length > 0 && typeof us !== 'number') throw helpers.typeError('"usec" argument must be a number');
      block(toUint32((us as number) ?? 0) / 1000);
    },
    millis: () => loop.millis(),
    micros: () => loop.micros(),
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
    ...gpio,
    board: Object.assign(new g.Object(), {
      gpio: factory('gpio', 'GPIO'),
      led: factory('led', 'LED'),
      button: factory('button', 'Button'),
      pwm: factory('pwm', 'PWM'),
      adc: factory('adc', 'ADC'),
      i2c: factory('i2c', 'I2C'),
      spi: factory('spi', 'SPI'),
      uart: factory('uart', 'UART'),
      name: board,
      LED: board === 'pico' || board === 'pico2' ? 25 : undefined,
      uid: boardUid(target.id),
    }),
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
  if (board === 'pico-w' || board === 'pico2-w' || target.pc) delete (g.board as Record<string, unknown>).LED;
  Object.defineProperty(g, 'storage', { get: getStorage, configurable: true });
  installCodecs(g, helpers);
  removeMissingBuiltins(g, target);
  // Indirect eval: the top level runs as a call, so its promise jobs wait for the first idle step
  // (Script#runInContext would run them right after it, before the first timers).
  const evalTopLevel = new Script('(0, eval)').runInContext(context) as (code: string) => unknown;
  const promiseProto = g.Promise.prototype as object;
  // km_io_init runs early in main(), before the REPL and the engine start (board targets: the
  // RP2040's boot and parse times; a PC target starts at once).
  if (!target.pc) loop.advanceTo(LOOP_STAMP_MS);
  loop.stamp();

  return {
    context,
    global: g,
    helpers,
    pins,
    loop,
    ownsPromise: (p) => typeof p === 'object' && p !== null && Object.getPrototypeOf(p) === promiseProto,
    run(code, filename) {
      if (!target.pc) loop.advanceTo(bootToFirstLineMs(Buffer.byteLength(code)));
      loop.jobsMayBeQueued();
      try {
        evalTopLevel(`${code}\n//# sourceURL=${filename}`);
      } catch (e) {
        stopped = true;
        loop.stop();
        opts.onUncaught(e);
        return;
      }
      loop.wake();
    },
    shutdown() {
      stopped = true;
      stopHook();
      loop.stop();
      pins.shutdown();
    },
  };
}

const SIGNALS = ['SIGINT', 'SIGTERM'] as const;
const LONG_DRAIN_MS = 250;

/** ms since boot at the program's first line on the RP2040 (Kaluma 1.2.1, measured: see README). */
export function bootToFirstLineMs(bytes: number): number {
  const kb = bytes / 1024;
  return BOOT_MS + PARSE_MS_PER_KB * kb + PARSE_MS_PER_KB2 * kb * kb;
}
/** When km_io_init stamps the loop's clock (estimated: most of an empty program's 130 ms to its
 *  first line goes to clocks, USB and flash set-up before it). */
const LOOP_STAMP_MS = 100;
const BOOT_MS = 130;
const PARSE_MS_PER_KB = 23.5;
const PARSE_MS_PER_KB2 = 0.674;

/** A stable 16-hex-digit board.uid per target, so MACs derived from it are stable too. */
function boardUid(id: string): string {
  let h = 0x811c9dc5;
  for (const c of id) h = Math.imul(h ^ c.charCodeAt(0), 0x01000193) >>> 0;
  return ('E661' + h.toString(16).padStart(8, '0') + 'A5C3').toUpperCase();
}

/** TextEncoder/TextDecoder/btoa/atob as src/global.c has them (argument errors worded alike). */
function installCodecs(g: Record<string, any>, h: SandboxHelpers): void {
  const label = (args: IArguments) => {
    if (args.length === 0) return 'utf-8';
    if (typeof args[0] !== 'string') throw h.typeError('"label" argument must be a string');
    return args[0] as string;
  };
  function TextEncoder(this: { encoding: string }, _label?: unknown) {
    this.encoding = label(arguments);
  }
  TextEncoder.prototype.encode = function (this: { encoding: string }, s?: unknown): Uint8Array {
    if (arguments.length < 1 || typeof s !== 'string') throw h.typeError('"input" argument must be a string');
    if (this.encoding === 'utf-8') return h.bytes(Buffer.from(s, 'utf8'));
    if (this.encoding === 'ascii') return h.bytes(Buffer.from(s, 'latin1'));
    throw h.error('Unsupported encoding.');
  };
  function TextDecoder(this: { encoding: string }, _label?: unknown) {
    this.encoding = label(arguments);
  }
  TextDecoder.prototype.decode = function (this: { encoding: string }, u8?: unknown): string {
    if (arguments.length < 1) throw h.typeError('"input" argument required');
    if (!isUint8Array(u8)) throw h.error('input must be Uint8Array.');
    const b = Buffer.from(u8.buffer, u8.byteOffset, u8.byteLength);
    if (this.encoding === 'utf-8') return b.toString('utf8');
    if (this.encoding === 'ascii') return b.toString('latin1');
    throw h.error('Unsupported encoding.');
  };
  g.TextEncoder = TextEncoder;
  g.TextDecoder = TextDecoder;
  g.btoa = function (data?: unknown) {
    if (arguments.length < 1) throw h.typeError('"data" argument required');
    if (typeof data === 'string') return Buffer.from(data, 'latin1').toString('base64');
    if (isUint8Array(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('base64');
    throw h.typeError('Unsupported binary data.');
  };
  g.atob = function (s?: unknown) {
    if (arguments.length < 1 || typeof s !== 'string') throw h.typeError('"encodedData" argument must be a string');
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

