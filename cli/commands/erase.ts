import type { Command } from 'commander';
import { eraseProgram } from '../flash/erase-program';
import { listSerialPorts, pickKalumaPort } from '../flash/port-list';
import { readProjectConfig } from '../pipeline/project-config';

export function register(program: Command): void {
  program
    .command('erase')
    .description("erase the program stored on a Kaluma board (.flash -e), so it boots to an idle REPL")
    .option('-p, --port <path>', 'serial port of the board (default: "port" in kaluma-net.json, else the one USB serial device with vendor id 0x2E8A)')
    .action(async (flags: { port?: string }) => {
      const port = flags.port ?? readProjectConfig(process.cwd()).port ?? pickKalumaPort(await listSerialPorts()).path;
      process.stderr.write(`erasing the program region on ${port} (this takes a few seconds)\n`);
      const { kalumaVersion } = await eraseProgram({ port });
      process.stdout.write(`erased the program on ${port} (Kaluma v${kalumaVersion})\n`);
    });
}
