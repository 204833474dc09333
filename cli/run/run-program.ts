import { build, type BuildOptions, type BuildResult } from '../pipeline/build';
import type { Target } from '../targets/target';
import { UserError } from '../util/errors';
import { ErrorLocator } from './error-location';
import { createSandbox, type Sandbox } from './sandbox';
import { createHostNetdev } from './host-netdev';
import { EMULATED_WIFI, emulationFor, type Emulation } from './emulation';
import { readDotEnv } from '../pipeline/project-config';
import { bindUarts, type UartBindingSpec } from './uart-binding';

export interface RunOptions extends BuildOptions {
  emulate?: boolean;
  uart?: UartBindingSpec[];
  heapLimit?: boolean;
  stdout?: (text: string) => void;
  stderr?: (text: string) => void;
  /** Called after the build, before the program starts. */
  onBuilt?: (result: BuildResult) => void;
}

export interface RunningProgram {
  result: BuildResult;
  sandbox: Sandbox;
  /** Resolves with the exit status once the program failed or was stopped. */
  stopped: Promise<number>;
  stop(code?: number): Promise<void>;
}

function unboundMessage(target: Target, kind: 'UART' | 'SPI', bus: number): string {
  const how = kind === 'UART' ? `bind it to a serial port with --uart ${bus}=/dev/ttyUSB0, or ` : '';
  return `${kind}${bus} is not connected to anything in kaluma-net run: ${how}emulate the board's hardware with --emulate (target ${target.id})`;
}

/** Why the program's network driver would find nothing on its bus in this run, if it would. */
function unboundHardware(target: Target, uarts: readonly UartBindingSpec[]): string | undefined {
  const nd = target.netdev;
  if (nd?.driver === 'esp-at') {
    const bus = Number((nd.uart as { bus?: number } | undefined)?.bus ?? 0);
    if (uarts.some((u) => u.bus === bus)) return undefined;
    return `target ${target.id}: its ESP-01 modem is on UART${bus}: bind it to a serial port with --uart ${bus}=/dev/ttyUSB0, or run it with --emulate (or use --target host)`;
  }
  if (nd?.driver === 'w5500') return `target ${target.id}: its W5500 chip on SPI${Number((nd.spi as { bus?: number } | undefined)?.bus ?? 0)} can only be emulated on this PC: run it with --emulate (or use --target host)`;
  return undefined;
}

/** Builds exactly as `build` does (in memory), then runs the program in the Kaluma sandbox. */
export async function startProgram(opts: RunOptions): Promise<RunningProgram> {
  const stderr = opts.stderr ?? ((t: string) => process.stderr.write(t));
  const result = await build({ ...opts, formats: ['js'], sourcemap: true, write: false, preciseLocations: true });
  const { target } = result;
  const cwd = opts.cwd ?? process.cwd();
  if (opts.emulate && target.pc) throw new UserError(`--emulate: target ${target.id} has no hardware to emulate`);
  if (!opts.emulate && target.netdev?.driver === 'cyw43' && result.usesNet) {
    throw new UserError(`target ${target.id}: its Wi-Fi chip is built into the firmware; run it with --emulate (or use --target host)`);
  }
  if (!opts.emulate && result.modules.some((m) => m.group === 'driver')) {
    const missing = unboundHardware(target, opts.uart ?? []);
    if (missing) throw new UserError(missing);
  }
  opts.onBuilt?.(result);

  const locator = new ErrorLocator(`${result.name}.js`, result.map, cwd);
  let finish: (code: number) => void = () => undefined;
  const stopped = new Promise<number>((r) => (finish = r));
  let emulation: Emulation | undefined;
  const uarts = await bindUarts(opts.uart ?? []);
  const cleanups: (() => void | Promise<void>)[] = [() => uarts.close()];

  const wifi = result.target.netdev?.wifi ? wifiStorage(opts, !!opts.emulate) : {};
  if (opts.emulate) {
    emulation = await emulationFor(target, { wifi });
    cleanups.push(() => emulation!.close());
  }

  let errors = 0;
  const sandbox = createSandbox({
    target,
    storage: wifi,
    modules: emulation?.modules,
    uart: (bus) => uarts.device(bus) ?? emulation?.uart?.(bus),
    spi: (bus) => emulation?.spi?.(bus),
    unbound: (kind, bus) => unboundMessage(target, kind, bus),
    stdout: opts.stdout,
    // The board prints an error thrown at the top level and drops the program.
    onUncaught: (e) => {
      stderr(`Uncaught ${locator.describe(e)}\n`);
      void stop(1);
    },
    // A callback's error is printed and the program goes on (the run's exit status will be 1).
    onError: (e) => {
      errors++;
      stderr(`Uncaught ${locator.describe(e)}\n`);
    },
    onWarning: (m) => stderr(`kaluma-net: warning: ${m}\n`),
  });
  // JerryScript prints `Uncaught (in promise) <reason>` and goes on (jerry_port_track_promise_rejection).
  const onRejection = (reason: unknown, promise: Promise<unknown>) => {
    if (!sandbox.ownsPromise(promise)) throw reason;
    errors++;
    stderr(`Uncaught (in promise) ${locator.describe(reason)}\n`);
  };
  process.on('unhandledRejection', onRejection);
  cleanups.push(() => void process.off('unhandledRejection', onRejection));
  emulation?.boot?.(sandbox);
  if (target.netdev?.driver === 'host') {
    const netdev = createHostNetdev(sandbox.helpers);
    sandbox.global.__netdev = netdev;
    cleanups.push(() => netdev.closeAll());
  }
  // A serial port's poller is no Node handle, so it never keeps the process alive by itself;
  // but it does not let 'beforeExit' fire either: look for "nothing but the port" ourselves.
  if (opts.uart?.length) {
    const idle = setInterval(() => {
      if (!sandbox.loop.busy() && !process.getActiveResourcesInfo().some((r) => r !== 'TTYWrap' && r !== 'PipeWrap')) void stop(0);
    }, 200);
    idle.unref();
    cleanups.push(() => clearInterval(idle));
  }

  let stopping = false;
  async function stop(code = 0): Promise<void> {
    if (stopping) return;
    stopping = true;
    sandbox.shutdown();
    for (const c of cleanups.reverse()) await c();
    finish(code === 0 && errors > 0 ? 1 : code);
  }

  sandbox.run(result.program, `${result.name}.js`);
  return { result, sandbox, stopped, stop };
}

/** The board's storage slots for Wi-Fi: the build-time credentials, or, on an emulated board
 *  without any, the emulated access point's, so `run --emulate` works out of the box. */
function wifiStorage(opts: RunOptions, emulated: boolean): Record<string, string> {
  const cwd = opts.cwd ?? process.cwd();
  const env = { ...readDotEnv(cwd), ...process.env };
  const ssid = opts.wifi?.ssid ?? env.KALUMA_NET_WIFI_SSID;
  if (!ssid) return emulated ? { ...EMULATED_WIFI } : {};
  const password = opts.wifi?.password ?? env.KALUMA_NET_WIFI_PASSWORD;
  return password ? { WIFI_SSID: ssid, WIFI_PASSWORD: password } : { WIFI_SSID: ssid };
}
