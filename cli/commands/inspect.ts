import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { formatInspect, inspectFile } from '../image';
import { formatSnapshot, inspectSnapshot, isSnapshotContainer } from '../codegen/snapshot';
import { loadTarget } from '../targets/load';
import { UserError } from '../util/errors';
import { fsReason } from '../util/out-dir';

export function register(program: Command): void {
  program
    .command('inspect')
    .description('show what a .uf2, .bin, .js or .snapshot file holds: regions, family, stamp, Wi-Fi, problems')
    .argument('<file>', 'image or program to inspect')
    .option('-t, --target <id>', 'check the file against this target')
    .option('--json', 'machine-readable output')
    .action((file: string, flags: { target?: string; json?: boolean }) => {
      let bytes: Uint8Array;
      try {
        bytes = readFileSync(file);
      } catch (e) {
        throw new UserError(`${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : `cannot read the file (${fsReason(e)})`}`);
      }
      const isSnapshot = file.endsWith('.snapshot') || isSnapshotContainer(bytes) || (bytes.length >= 4 && Buffer.from(bytes.subarray(0, 4)).toString('latin1') === 'JRRY');
      try {
        if (isSnapshot) {
          const r = inspectSnapshot(bytes);
          process.stdout.write(flags.json ? JSON.stringify(r, null, 2) + '\n' : formatSnapshot(r) + '\n');
          if (!r.verification.ok) process.exitCode = 1;
          return;
        }
        const target = flags.target ? loadTarget(flags.target) : undefined;
        if (target && !target.flash) throw new UserError(`--target ${target.id}: runs on the PC and has no flash layout`);
        const r = inspectFile(bytes, file, target?.flash ? { layouts: [{ name: target.id, ...target.flash }] } : {});
        process.stdout.write(flags.json ? JSON.stringify(r, null, 2) + '\n' : formatInspect(r) + '\n');
        // Scripts and CI rely on the status: a file with problems fails.
        if (r.problems.length) process.exitCode = 1;
      } catch (e) {
        if (e instanceof UserError) throw e;
        throw new UserError(`${file}: ${(e as Error).message}`);
      }
    });
}
