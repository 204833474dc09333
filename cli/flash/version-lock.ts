// Version lock: a program runs only on the engine profile it was built for, and the board's `.hi`
// banner tells which one it runs (Kaluma 1.2.x = JerryScript 2.4 = "kaluma-1.2", 1.3.x = "kaluma-1.3").
import type { StampInfo } from '../image/stamp';
import { UserError } from '../util/errors';

export function engineOfKalumaVersion(version: string): string | null {
  const m = /^(\d+)\.(\d+)(?:[.-]|$)/.exec(version);
  return m ? `kaluma-${m[1]}.${m[2]}` : null;
}

/** Throws unless the stamp's engine is the board's (or `force`); returns the warnings to show. */
export function checkEngineLock(kalumaVersion: string, stamp: StampInfo | null, where: string, force: boolean): string[] {
  const engine = engineOfKalumaVersion(kalumaVersion);
  if (!stamp) return [`${where} has no kaluma-net stamp: not checked against the board's engine (Kaluma v${kalumaVersion})`];
  if (stamp.engine === engine) return [];
  const what = `${where} was built for engine "${stamp.engine}" (target ${stamp.target}), but the board runs Kaluma v${kalumaVersion} (engine "${engine}")`;
  if (!force) throw new UserError(`${what}; build it for a target with engine "${engine}", or pass --force to flash it anyway`);
  return [`${what}; flashing anyway (--force)`];
}

/** An image given with --target must have been built for that target. */
export function checkTargetLock(target: string | undefined, stamp: StampInfo | null, where: string, force: boolean): string[] {
  if (!target || !stamp || stamp.target === target) return [];
  const what = `${where} was built for target ${stamp.target}, not ${target}`;
  if (!force) throw new UserError(`${what}; rebuild it with --target ${target}, or pass --force`);
  return [`${what}; flashing anyway (--force)`];
}
