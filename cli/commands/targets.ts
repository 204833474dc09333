import type { Command } from 'commander';
import { listTargetIds, loadTarget } from '../targets/load';

export function register(program: Command): void {
  program
    .command('targets')
    .description('list the board targets')
    .option('--json', 'machine-readable output')
    .action((opts: { json?: boolean }) => {
      const targets = listTargetIds().map((id) => loadTarget(id));
      if (opts.json) {
        process.stdout.write(JSON.stringify(targets.map(({ file: _file, ...t }) => t), null, 2) + '\n');
        return;
      }
      const w = Math.max(...targets.map((t) => t.id.length));
      for (const t of targets) {
        const net = t.netdev ? `net: ${t.netdev.driver}` : 'no network';
        process.stdout.write(`${t.id.padEnd(w)}  ${t.name} [${net}; ${t.engine.id}]\n`);
      }
    });
}
