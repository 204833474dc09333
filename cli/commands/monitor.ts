import type { Command } from 'commander';
import { runMonitor } from '../flash/monitor';
import { listSerialPorts, pickKalumaPort } from '../flash/port-list';
import { readProjectConfig } from '../pipeline/project-config';

export function register(program: Command): void {
  program
    .command('monitor')
    .description("open the board's serial console (Kaluma REPL and program output); exit with Ctrl-]")
    .option('-p, --port <path>', 'serial port of the board (default: "port" in kaluma-net.json, else the one USB serial device with vendor id 0x2E8A)')
    .option('--reset', 'stop what runs and clear the REPL line (as flash does), then restart the stored program (.load)')
    .action(async (flags: { port?: string; reset?: boolean }) => {
      const port = flags.port ?? readProjectConfig(process.cwd()).port ?? pickKalumaPort(await listSerialPorts()).path;
      await runMonitor({
        port,
        reset: !!flags.reset,
        input: process.stdin,
        output: process.stdout,
        notice: (line) => process.stderr.write(line + '\n'),
      });
    });
}
