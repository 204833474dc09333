// The UF2 path: copy a program UF2 to the drive an RP2040/RP2350 shows in BOOTSEL mode, found by its INFO_UF2.TXT.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readUf2 } from '../image/uf2-read';
import { UserError } from '../util/errors';

export interface Uf2Drive {
  path: string;
  /** Contents of INFO_UF2.TXT. */
  info: string;
}

const INFO = 'INFO_UF2.TXT';
const FAMILY_RP2040 = 0xe48bff56;

export const BOOTSEL_HINT =
  'Put the board in BOOTSEL mode: unplug it, hold its BOOTSEL button while plugging it back in, then release; ' +
  'a drive named RPI-RP2 (RP2350 on Pico 2) appears. Mount it if your system does not, or name its mount point with --drive.';

/** Where a BOOTSEL drive may be mounted on this system. */
export function candidateMountPoints(): string[] {
  if (process.platform === 'win32') return 'DEFGHIJKLMNOPQRSTUVWXYZ'.split('').map((l) => `${l}:\\`);
  if (process.platform === 'darwin') return subdirs('/Volumes');
  const points = new Set<string>();
  try {
    for (const line of readFileSync('/proc/mounts', 'utf8').split('\n')) {
      const [, mountPoint, type] = line.split(' ');
      if (mountPoint && /^(vfat|msdos|exfat|fuseblk)$/.test(type)) points.add(mountPoint.replace(/\\(\d{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8))));
    }
  } catch {
    // no /proc: only the usual automount folders below
  }
  for (const base of ['/media', '/run/media']) for (const user of subdirs(base)) for (const d of subdirs(user)) points.add(d);
  return [...points];
}

export function findUf2Drives(mountPoints = candidateMountPoints()): Uf2Drive[] {
  const drives: Uf2Drive[] = [];
  for (const path of mountPoints) {
    const info = join(path, INFO);
    try {
      if (existsSync(info)) drives.push({ path, info: readFileSync(info, 'latin1') });
    } catch {
      // an unreadable mount is not a BOOTSEL drive
    }
  }
  return drives;
}

/** The drive to copy to: `--drive` if given (it must hold INFO_UF2.TXT), else the one found. */
export function chooseUf2Drive(explicit: string | undefined, found: () => Uf2Drive[] = findUf2Drives): Uf2Drive {
  if (explicit) {
    const [drive] = findUf2Drives([explicit]);
    if (!drive) throw new UserError(`--drive ${explicit}: no ${INFO} there, so it is not a BOOTSEL drive. ${BOOTSEL_HINT}`);
    return drive;
  }
  const drives = found();
  if (drives.length === 1) return drives[0];
  if (drives.length === 0) throw new UserError(`no BOOTSEL drive found (a mounted drive holding ${INFO}). ${BOOTSEL_HINT}`);
  throw new UserError(`several BOOTSEL drives found (${drives.map((d) => d.path).join(', ')}); choose one with --drive`);
}

/** A UF2 for one chip copied to the other's drive is ignored by its boot ROM: say so instead. */
export function familyMismatch(family: number, drive: Uf2Drive): string | null {
  const boardId = /Board-ID:\s*(\S+)/.exec(drive.info)?.[1];
  const hex = '0x' + family.toString(16).toUpperCase();
  if (boardId === 'RPI-RP2' && family !== FAMILY_RP2040) return `the drive ${drive.path} is an RP2040 (Board-ID RPI-RP2), but the UF2 is for family ${hex}`;
  if (boardId === 'RP2350' && family === FAMILY_RP2040) return `the drive ${drive.path} is an RP2350, but the UF2 is for the RP2040 family (${hex})`;
  return null;
}

/** Copy the UF2 onto the drive; the board writes it and reboots. Returns the written path. */
export function copyUf2(uf2: Uint8Array, name: string, drive: Uf2Drive, where: string, force = false): string {
  const reading = readUf2(uf2);
  if (reading.problems.length && !force) throw new UserError(`${where}: not a UF2 the boot ROM takes as it is: ${reading.problems[0].message} (--force copies it anyway)`);
  const mismatch = reading.families.map((f) => (f.familyId === null ? null : familyMismatch(f.familyId, drive))).find(Boolean);
  if (mismatch && !force) throw new UserError(`${where}: ${mismatch}; build for the matching target, or pass --force`);
  const dest = join(drive.path, name);
  // No temp file and rename here: the boot ROM takes blocks as they are written, not files.
  try {
    writeFileSync(dest, uf2);
  } catch (e) {
    throw new UserError(`${dest}: cannot write the UF2: ${(e as Error).message}`);
  }
  return dest;
}

function subdirs(dir: string): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => join(dir, d.name));
  } catch {
    return [];
  }
}
