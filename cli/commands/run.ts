import type { Command } from 'commander';
import { addBuildOptions, buildOptions, printWarnings } from './build';
import { displayPath, type BuildResult } from '../pipeline/build';
import { startProgram } from '../run/run-program';
import { parseUartBinding, type UartBindingSpec } from '../run/uart-binding';
import { reportHeap } from '../run/heap-report';

interface RunFlags {
  target?: string;
  define?: string[];
  minify: boolean;
  strict?: boolean;
  emulate?: boolean;
  uart?: string[];
  heapLimit?: boolean;
}

const EMULATED = { cyw43: 'an emulated CYW43 Wi-Fi chip', 'esp-at': 'an emulated ESP-01 modem on UART0', w5500: 'an emulated W5500 chip on SPI0' } as const;

/** One line for stderr: what runs, on which network, and how it ends. */
function describeRun(r: BuildResult, emulate: boolean, uarts: UartBindingSpec[]): string {
  const driver = r.target.netdev?.driver;
  const bound = uarts.map((u) => `UART${u.bus} on ${u.path}`).join(', ');
  let network: string;
  if (!r.usesNet || !driver) network = 'none';
  else if (driver === 'host') network = "this PC's, real sockets";
  else if (driver === 'sim') network = 'in memory, inside the program';
  else if (emulate) network = `${EMULATED[driver]}, on the loopback 127.0.0.1`;
  else network = `the board's driver, with ${bound}`; // run-program refused a board with nothing bound
  const also = bound && !network.includes(bound) ? `; ${bound}` : '';
  return `running ${displayPath(r.entry)} for ${r.target.id} on this PC; network: ${network}${also}; it ends when idle, Ctrl-C stops it`;
}

export function register(program: Command): void {
  addBuildOptions(
    program
      .command('run')
      .description('build, then run the program on this PC in a sandbox that looks like Kaluma (host sockets or emulated hardware)')
      .argument('[entry]', 'entry file (default: package.json main or src/index.(ts|js))'),
  )
    .option('--emulate', "run the target's real driver against an emulation of its network hardware")
    .option('--uart <bus=path[:baud]>', "bind the program's UART bus to a serial port of this PC (repeatable)", (v: string, p: string[] = []) => [...p, v])
    .option('--heap-limit', "report when the program holds more memory than the target's heap")
    .action(async (entry: string | undefined, flags: RunFlags) => {
      const uarts = (flags.uart ?? []).map(parseUartBinding);
      const running = await startProgram({
        ...buildOptions(entry, { ...flags, format: ['js'] } as Parameters<typeof buildOptions>[1]),
        emulate: flags.emulate,
        uart: uarts,
        onBuilt: (r) => {
          printWarnings(r);
          process.stderr.write(`${describeRun(r, !!flags.emulate, uarts)}\n`);
        },
      });
      const stopHeap = flags.heapLimit ? reportHeap(running) : undefined;
      process.once('SIGINT', () => void running.stop(130));
      process.once('SIGTERM', () => void running.stop(143));
      // Nothing left to do (no sockets, timers, watches): the program has finished.
      process.once('beforeExit', () => void running.stop(0));
      const code = await running.stopped;
      stopHeap?.();
      process.exitCode = code;
      if (code !== 0) setImmediate(() => process.exit(code));
    });
}
