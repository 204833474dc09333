import type { Command } from 'commander';
import { addBuildOptions, buildOptions, printWarnings } from './build';
import { startProgram } from '../run/run-program';
import { parseUartBinding } from '../run/uart-binding';
import { reportHeap } from '../run/heap-report';

interface RunFlags {
  target?: string;
  define: string[];
  minify: boolean;
  strict?: boolean;
  emulate?: boolean;
  uart: string[];
  heapLimit?: boolean;
}

export function register(program: Command): void {
  addBuildOptions(
    program
      .command('run')
      .description('build, then run the program on this PC in a sandbox that looks like Kaluma (host sockets or emulated hardware)')
      .argument('[entry]', 'entry file (default: package.json main or src/index.(ts|js))'),
  )
    .option('--emulate', "run the target's real driver against an emulation of its network hardware")
    .option('--uart <bus=path[:baud]>', "bind the program's UART bus to a serial port of this PC (repeatable)", (v: string, p: string[] = []) => [...p, v], [])
    .option('--heap-limit', "report when the program holds more memory than the target's heap")
    .action(async (entry: string | undefined, flags: RunFlags) => {
      const running = await startProgram({
        ...buildOptions(entry, { ...flags, format: ['js'] } as Parameters<typeof buildOptions>[1]),
        emulate: flags.emulate,
        uart: flags.uart.map(parseUartBinding),
        onBuilt: printWarnings,
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
