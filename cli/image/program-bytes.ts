// The program region's content: the program text as single bytes, one NUL terminator, and 0xFF
// (erased flash) up to the end of the last 4 KB sector. The firmware parses the text up to the
// first NUL, so a NUL inside would silently cut the program and non-ASCII text would be read
// back as different characters.

import { FLASH_SECTOR_SIZE } from './uf2-format';

function lineAndColumn(text: string, offset: number): string {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  const column = offset - before.lastIndexOf('\n');
  return `line ${line}, column ${column}`;
}

function codePointLabel(code: number): string {
  return 'U+' + code.toString(16).toUpperCase().padStart(4, '0');
}

/** The program text as ASCII bytes followed by its NUL terminator. */
export function programBytes(text: string): Uint8Array {
  const bytes = new Uint8Array(text.length + 1);
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 0) {
      throw new Error(
        `program text contains a NUL character at offset ${i} (${lineAndColumn(text, i)}); ` +
          'the firmware would stop reading the program there',
      );
    }
    if (code > 0x7f) {
      throw new Error(
        `program text contains the non-ASCII character ${codePointLabel(code)} at offset ${i} ` +
          `(${lineAndColumn(text, i)}); the program must be plain ASCII (escape it, e.g. with esbuild's charset: 'ascii')`,
      );
    }
    bytes[i] = code;
  }
  bytes[text.length] = 0;
  return bytes;
}

export function roundUpToSector(size: number): number {
  return Math.ceil(size / FLASH_SECTOR_SIZE) * FLASH_SECTOR_SIZE;
}

/** The `.bin` image: program bytes padded with 0xFF to whole sectors, refused if over the region. */
export function programBin(text: string, regionSize: number): Uint8Array {
  if (!Number.isInteger(regionSize) || regionSize <= 0 || regionSize % FLASH_SECTOR_SIZE !== 0) {
    throw new Error(`program region size ${regionSize} is not a whole number of 4 KB flash sectors`);
  }
  const bytes = programBytes(text);
  if (bytes.length > regionSize) {
    throw new Error(
      `program is ${bytes.length} bytes with its NUL terminator, larger than the ${regionSize}-byte ` +
        `(${regionSize / 1024} KB) program region of the target`,
    );
  }
  const bin = new Uint8Array(roundUpToSector(bytes.length)).fill(0xff);
  bin.set(bytes);
  return bin;
}
