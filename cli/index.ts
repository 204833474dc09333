import { Command, CommanderError } from 'commander';
import { packageVersion } from './util/package-root';
import { UserError } from './util/errors';
import { fsReason } from './util/out-dir';

interface CommandModule {
  register(program: Command): void;
}

// In the order `--help` lists them. A command's module (and what it imports) is loaded only when
// that command runs, or for the full help.
const COMMANDS: Record<string, () => Promise<CommandModule>> = {
  build: () => import('./commands/build'),
  run: () => import('./commands/run'),
  init: () => import('./commands/init'),
  flash: () => import('./commands/flash'),
  erase: () => import('./commands/erase'),
  ports: () => import('./commands/ports'),
  monitor: () => import('./commands/monitor'),
  inspect: () => import('./commands/inspect'),
  emulate: () => import('./commands/emulate'),
  targets: () => import('./commands/targets'),
};

const program = new Command('kaluma-net')
  .description("Node's net on Kaluma boards: build, run, flash and inspect networked JavaScript for Raspberry Pi Pico / Pico W")
  .version(packageVersion(), '-v, --version')
  .showHelpAfterError('(run kaluma-net --help for usage)')
  .exitOverride();

/** The commands this command line needs: the one it names, none for the version, else all (help,
 *  an unknown name). */
async function registerCommands(argv: string[]): Promise<void> {
  const args = argv.slice(2);
  const named = args.find((a) => !a.startsWith('-'));
  const version = !named && args.some((a) => a === '-v' || a === '--version');
  const names = named && Object.hasOwn(COMMANDS, named) ? [named] : version ? [] : Object.keys(COMMANDS);
  for (const m of await Promise.all(names.map((n) => COMMANDS[n]()))) m.register(program);
}

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

registerCommands(process.argv)
  .then(() => program.parseAsync(process.argv))
  .catch((e) => {
    process.exitCode = reportError(e);
  });
