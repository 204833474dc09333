import type { Command } from 'commander';
import { createInterface } from 'node:readline/promises';
import { scaffold, templateNames } from '../init/scaffold';
import { listTargetIds, networkTargetIds } from '../targets/load';
import { UserError } from '../util/errors';

interface InitFlags {
  template?: string;
  target?: string;
  typescript?: boolean;
  force?: boolean;
}

async function ask(question: string, choices: string[], fallback: string): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    for (;;) {
      const a = (await rl.question(`${question} (${choices.join(', ')}) [${fallback}]: `)).trim() || fallback;
      if (choices.includes(a)) return a;
      process.stdout.write(`  "${a}" is not one of: ${choices.join(', ')}\n`);
    }
  } finally {
    rl.close();
  }
}

export function register(program: Command): void {
  program
    .command('init')
    .description('create a project from a template (asks for template and target on a terminal)')
    .argument('[dir]', 'project directory', '.')
    .option('--template <name>', `template: ${templateNames().join(', ')}`)
    .option('-t, --target <id>', 'board target (see kaluma-net targets)')
    .option('--typescript', 'TypeScript sources, tsconfig.json and typings')
    .option('--force', 'write into a non-empty directory')
    .action(async (dir: string, flags: InitFlags) => {
      let { template, target } = flags;
      if (!template || !target) {
        if (!process.stdin.isTTY) throw new UserError('--template and --target are required when not on a terminal');
        template ??= await ask('template', templateNames(), 'tcp-echo-server');
        target ??= await ask('target', networkTargetIds().filter((id) => listTargetIds().includes(id)), 'pico-w');
      }
      const files = await scaffold({ dir, template, target, typescript: !!flags.typescript, force: !!flags.force });
      process.stdout.write(`created ${template} for ${target} in ${dir}:\n${files.map((f) => `  ${f}`).join('\n')}\nnext: cd ${dir} && npm install && npm run build\n`);
    });
}
