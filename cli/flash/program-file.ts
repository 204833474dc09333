// What `kaluma-net flash <file>` was given: a source entry to build, a built program image, or a UF2.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { extname } from 'node:path';
import { readStamp, type StampInfo } from '../image/stamp';
import { UserError } from '../util/errors';

export type ProgramFile =
  | { kind: 'entry'; file: string }
  | {
      kind: 'image';
      file: string;
      program: Uint8Array;
      stamp: StampInfo | null;
      /** The text after the stamp no longer hashes to the stamp's sha256. */
      edited: boolean;
    }
  | { kind: 'uf2'; file: string };

const SOURCE_EXTENSIONS = ['.ts', '.mts', '.cts', '.js', '.mjs', '.cjs'];
const STAMP_PREFIX = '/*kaluma-net:';

export function classifyProgramFile(file: string): ProgramFile {
  if (!existsSync(file) || !statSync(file).isFile()) throw new UserError(`${file}: no such file`);
  const ext = extname(file).toLowerCase();
  if (ext === '.uf2') return { kind: 'uf2', file };
  if (ext === '.bin') return image(file, programOfBinImage(readFileSync(file), file));
  if (!SOURCE_EXTENSIONS.includes(ext)) {
    throw new UserError(`${file}: cannot flash a "${ext || 'extension-less'}" file; give a source entry (.ts/.js), a built image (.js/.bin) or a .uf2`);
  }
  const bytes = readFileSync(file);
  // A built program starts with its stamp; any other .js is a source entry.
  if (ext.endsWith('js') && bytes.subarray(0, STAMP_PREFIX.length).toString('latin1') === STAMP_PREFIX) {
    checkProgram(bytes, file);
    return image(file, new Uint8Array(bytes));
  }
  return { kind: 'entry', file };
}

/** A .bin holds the program region: the program, one NUL, then padding. */
export function programOfBinImage(bytes: Uint8Array, where: string): Uint8Array {
  if (bytes.length === 0 || bytes[0] === 0xff) throw new UserError(`${where}: empty program image (${bytes.length ? 'first byte 0xFF: erased flash' : 'no bytes'})`);
  const nul = bytes.indexOf(0);
  if (nul < 0) throw new UserError(`${where}: no NUL terminator in the image; it is truncated or not a Kaluma program image`);
  const program = bytes.subarray(0, nul);
  checkProgram(program, where);
  return program;
}

/** The board stores the program as text ended by the first NUL: an inner NUL would cut it short. */
export function checkProgram(program: Uint8Array, where: string): void {
  if (program.length === 0) throw new UserError(`${where}: the program is empty`);
  const nul = program.indexOf(0);
  if (nul >= 0) throw new UserError(`${where}: the program contains a NUL byte at offset ${nul}; the board would cut it there`);
}

function image(file: string, program: Uint8Array): ProgramFile {
  let reading;
  try {
    reading = readStamp(Buffer.from(program.buffer, program.byteOffset, program.length).toString('utf8'));
  } catch (e) {
    throw new UserError(`${file}: ${(e as Error).message}`);
  }
  return { kind: 'image', file, program, stamp: reading?.info ?? null, edited: !!reading && !reading.hashMatches };
}
