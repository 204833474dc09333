import { accessSync, constants, mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { UserError } from './errors';

const REASONS: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on the device',
  ENOENT: 'cannot be created there',
  ENOTDIR: 'a parent is not a directory',
  EEXIST: 'exists and is not a directory',
  EISDIR: 'is a directory',
};

/** One short reason for a file-system error. */
export function fsReason(e: unknown): string {
  const code = (e as NodeJS.ErrnoException)?.code;
  return (code && REASONS[code]) ?? (code || (e as Error)?.message || String(e));
}

/** The directories missing on the way to `dir` (outermost first); a UserError naming `label` when
 *  `dir` or one of its parents is a file, or cannot be looked at. */
export function missingDirs(dir: string, label: string): string[] {
  const path = resolve(dir);
  const missing: string[] = [];
  for (let at = path; ; at = dirname(at)) {
    let isDir: boolean;
    try {
      isDir = statSync(at).isDirectory();
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if ((code === 'ENOENT' || code === 'ENOTDIR') && dirname(at) !== at) {
        missing.unshift(at);
        continue;
      }
      throw new UserError(`${label}: ${fsReason(e)}`);
    }
    if (!isDir) throw new UserError(`${label}: ${at === path ? 'is a file, not a directory' : `${at} is a file, not a directory`}`);
    return missing;
  }
}

/**
 * Makes `dir` a writable directory, creating what is missing; otherwise one UserError naming
 * `label` (e.g. "--outdir out") and the reason. Directories are made one level at a time:
 * Node's recursive mkdir never returns for some paths (`/proc/x`).
 */
export function ensureWritableDir(dir: string, label: string): void {
  for (const d of missingDirs(dir, label)) {
    try {
      mkdirSync(d);
    } catch (e) {
      throw new UserError(`${label}: cannot create ${d}: ${fsReason(e)}`);
    }
  }
  try {
    accessSync(dir, constants.W_OK);
  } catch (e) {
    throw new UserError(`${label}: the directory is not writable (${fsReason(e)})`);
  }
}
