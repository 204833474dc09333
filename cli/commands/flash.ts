import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { createProgress } from '../flash/progress';
import { flashProgram } from '../flash/flash-program';
import { listSerialPorts, pickKalumaPort } from '../flash/port-list';
import { readProjectConfig } from '../pipeline/project-config';
import { classifyProgramFile, type ProgramFile } from '../flash/program-file';
import { chooseUf2Drive, copyUf2 } from '../flash/uf2-drive';
import { checkTargetLock } from '../flash/version-lock';
import { readStamp, type StampInfo } from '../image/stamp';
import { build, displayPath } from '../pipeline/build';
import { UserError } from '../util/errors';
import { addBuildOptions, buildOptions } from './build';

interface FlashFlags {
  port?: string;
  target?: string;
  cwd?: string;
  define?: string[];
  minify: boolean;
  strict?: boolean;
  load: boolean;
  verify: boolean;
  force?: boolean;
  uf2?: boolean;
  drive?: string;
}

export function register(program: Command): void {
  addBuildOptions(
    program
      .command('flash')
      .description('put a program on a Kaluma board over USB serial (YMODEM), or as UF2 on its BOOTSEL drive')
      .argument('[program]', 'source entry (built first), built image (.js with stamp, .bin) or .uf2 (default: the project entry)'),
  )
    .option('-p, --port <path>', 'serial port of the board (default: "port" in kaluma-net.json, else the one USB serial device with vendor id 0x2E8A)')
    .option('--no-load', 'do not run the program after flashing')
    .option('--no-verify', 'skip reading the program back (its size is still checked)')
    .option('--force', "flash even if the program's engine profile, target or chip family does not match the board")
    .option('--uf2', "copy the program UF2 to the board's BOOTSEL drive instead of using the serial port")
    .option('--drive <dir>', 'mount point of the BOOTSEL drive (with --uf2; default: found by its INFO_UF2.TXT)')
    .action(async (file: string | undefined, flags: FlashFlags) => {
      const given: ProgramFile = file ? classifyProgramFile(flags.cwd ? resolve(flags.cwd, file) : file) : { kind: 'entry', file: '' };
      if (flags.uf2 || given.kind === 'uf2') {
        if (flags.port) {
          throw new UserError(`--port ${flags.port}: a UF2 is copied to the board's BOOTSEL drive, not sent over a serial port; give --drive <dir> for the drive, or flash the .js (or the source) with --port`);
        }
        return flashUf2(given, flags);
      }
      if (flags.drive) throw new UserError('--drive applies only with --uf2');
      return flashSerial(given, flags);
    });
}

/** The one place `flash` builds: a source entry becomes the program (and its UF2 with --uf2). */
async function buildEntry(entry: string, flags: FlashFlags, format: 'js' | 'uf2') {
  const result = await build({ ...buildOptions(entry || undefined, { ...flags, format: [format] } as Parameters<typeof buildOptions>[1]) });
  if (result.target.pc) throw new UserError(`target ${result.target.id} runs on the PC, not on a board: use kaluma-net run, or flash a board target`);
  for (const w of result.warnings) process.stderr.write(`warning: ${w}\n`);
  for (const d of result.diagnostics) process.stderr.write(`warning: ${d.where}: ${d.message}\n`);
  return result;
}

async function flashSerial(given: ProgramFile, flags: FlashFlags): Promise<void> {
  let program: Uint8Array;
  let stamp: StampInfo | null;
  let where: string;
  if (given.kind === 'entry') {
    const built = await buildEntry(given.file, flags, 'js');
    program = Buffer.from(built.program, 'latin1');
    stamp = readStamp(built.program)?.info ?? null;
    where = displayPath(built.files.find((f) => f.format === 'js')?.path ?? built.entry);
  } else if (given.kind === 'image') {
    ({ program, stamp } = given);
    where = displayPath(given.file);
    if (given.edited) process.stderr.write(`warning: ${where} was changed after it was built (its stamp's hash no longer matches)\n`);
    for (const w of checkTargetLock(flags.target, stamp, where, !!flags.force)) process.stderr.write(`warning: ${w}\n`);
  } else throw new Error('unreachable: UF2 files take the UF2 path');

  const port = flags.port ?? readProjectConfig(resolve(flags.cwd ?? '.')).port ?? pickKalumaPort(await listSerialPorts()).path;
  process.stderr.write(`flashing ${where} (${program.length} bytes) to ${port}\n`);
  const progress = createProgress(process.stderr);
  let report;
  try {
    report = await flashProgram({
      port,
      program,
      stamp,
      where,
      force: !!flags.force,
      load: flags.load,
      verify: flags.verify,
      log: (line) => {
        progress.finish();
        process.stderr.write(line + '\n');
      },
      onProgress: (sent, total) => progress.update(sent, total),
    });
  } finally {
    progress.finish();
  }
  const checks = report.readBack ? 'size and read-back verified' : 'size verified';
  const seconds = (report.transferMs / 1000).toFixed(1);
  process.stdout.write(
    `flashed ${where} to ${port} (Kaluma v${report.kalumaVersion}): ${report.bytes} bytes in ${seconds} s, ${checks}` +
      (report.resends ? `, ${report.resends} packet(s) resent` : '') +
      (report.loaded ? ', program started' : ', not started (--no-load)') +
      '\n',
  );
}

async function flashUf2(given: ProgramFile, flags: FlashFlags): Promise<void> {
  let uf2: Uint8Array;
  let where: string;
  if (given.kind === 'uf2') {
    uf2 = readFileSync(given.file);
    where = displayPath(given.file);
  } else if (given.kind === 'entry') {
    const built = await buildEntry(given.file, flags, 'uf2');
    const file = built.files.find((f) => f.format === 'uf2');
    if (!file) throw new UserError(`target ${built.target.id} has no UF2 image (it runs on the PC)`);
    uf2 = readFileSync(file.path);
    where = displayPath(file.path);
  } else {
    throw new UserError(`${displayPath(given.file)}: --uf2 needs a source entry or a .uf2 image (kaluma-net build writes one next to the .js)`);
  }
  const drive = chooseUf2Drive(flags.drive);
  const dest = copyUf2(uf2, basename(where), drive, where, !!flags.force);
  process.stdout.write(`copied ${where} (${uf2.length} bytes) to ${dest}; the board writes it and restarts\n`);
}
