import type { Command } from 'commander';
import { asker } from '../init/prompt';
import { initTargetIds, scaffold, templateNames } from '../init/scaffold';
import { UserError } from '../util/errors';
import { missingDirs } from '../util/out-dir';

interface InitFlags {
  template?: string;
  target?: string;
  typescript?: boolean;
  force?: boolean;
}

const LANGUAGES = ['JavaScript', 'TypeScript'];

/** On a terminal, asks for what the flags left out (the language only when template or target was asked too). */
async function askMissing(flags: InitFlags): Promise<Required<Pick<InitFlags, 'template' | 'target' | 'typescript'>>> {
  let { template, target, typescript } = flags;
  if (template && target) return { template, target, typescript: !!typescript };
  if (!process.stdin.isTTY) throw new UserError('--template and --target are required when not on a terminal');
  const a = asker(process.stdin, process.stdout);
  try {
    template ??= await a.choose('template', templateNames(), 'tcp-echo-server');
    typescript ??= (await a.choose('language', LANGUAGES, 'JavaScript')) === 'TypeScript';
    target ??= await a.choose('target', initTargetIds(), 'pico-w');
  } finally {
    a.close();
  }
  return { template, target, typescript };
}

export function register(program: Command): void {
  program
    .command('init')
    .description('create a project from a template (on a terminal, asks for template, language and target)')
    .argument('[dir]', 'project directory', '.')
    .option('--template <name>', `template: ${templateNames().join(', ')}`)
    .option('-t, --target <id>', 'host, or a board with a network (see kaluma-net targets)')
    .option('--typescript', 'TypeScript sources, tsconfig.json and typings')
    .option('--javascript', 'JavaScript sources (the default; given, the language is not asked)')
    .option('--force', 'write into a non-empty directory')
    .action(async (dir: string, flags: InitFlags & { javascript?: boolean }) => {
      if (flags.typescript && flags.javascript) throw new UserError('--typescript and --javascript: choose one');
      const { template, target, typescript } = await askMissing({ ...flags, typescript: flags.javascript ? false : flags.typescript });
      missingDirs(dir, dir);
      const { files, notes } = await scaffold({ dir, template, target, typescript, force: !!flags.force });
      const lines = [`created ${template} (${typescript ? 'TypeScript' : 'JavaScript'}) for ${target} in ${dir}:`, ...files.map((f) => `  ${f}`), ...notes.map((n) => `note: ${n}`)];
      lines.push(`next: cd ${dir} && npm install && npm start`);
      process.stdout.write(lines.join('\n') + '\n');
    });
}
