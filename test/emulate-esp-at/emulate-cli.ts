// Entry for the pty tests: the `emulate` command alone, run as its own process.
import { Command } from 'commander';
import { register } from '../../cli/commands/emulate';

const program = new Command('kaluma-net').exitOverride();
register(program);
program.parseAsync(process.argv).catch((e: Error & { exitCode?: number }) => {
  if (e.name !== 'CommanderError') process.stderr.write(`kaluma-net: error: ${e.message}\n`);
  process.exitCode = e.exitCode ?? 1;
});
