import { Command, CommanderError } from 'commander';
import { packageVersion } from './util/package-root';
import { UserError } from './util/errors';
import { fsReason } from './util/out-dir';
import * as buildCommand from './commands/build';
import * as targetsCommand from './commands/targets';
import * as runCommand from './commands/run';
import * as initCommand from './commands/init';
import * as inspectCommand from './commands/inspect';
import * as flashCommand from './commands/flash';
import * as eraseCommand from './commands/erase';
import * as portsCommand from './commands/ports';
import * as monitorCommand from './commands/monitor';
import * as emulateCommand from './commands/emulate';

const program = new Command('kaluma-net')
  .description("Node's net on Kaluma boards: build, run, flash and inspect networked JavaScript for Raspberry Pi Pico / Pico W")
  .version(packageVersion(), '-v, --version')
  .showHelpAfterError('(run kaluma-net --help for usage)')
  .exitOverride();

for (const command of [
  buildCommand,
  runCommand,
  initCommand,
  flashCommand,
  eraseCommand,
  portsCommand,
  monitorCommand,
  inspectCommand,
  emulateCommand,
  targetsCommand,
]) command.register(program);

// A reader that went away (`kaluma-net build | head`) ends the command quietly.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
    process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
  });
}

export function reportError(e: unknown): number {
  if (e instanceof CommanderError) return e.exitCode;
  if (e instanceof UserError) {
    for (const line of e.message.split('\n')) process.stderr.write(`kaluma-net: error: ${line}\n`);
    return e.exitCode;
  }
  // A file-system error that no command turned into a sentence still names its file, in one line.
  const io = e as NodeJS.ErrnoException;
  if (io?.code && io.path && io.syscall) {
    process.stderr.write(`kaluma-net: error: ${io.path}: ${fsReason(io)} (${io.syscall})\n`);
    return 1;
  }
  process.stderr.write(`kaluma-net: internal error: ${(e as Error)?.stack ?? String(e)}\n`);
  return 70;
}

program.parseAsync(process.argv).catch((e) => {
  process.exitCode = reportError(e);
});
