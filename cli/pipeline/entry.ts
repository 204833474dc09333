import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { UserError } from '../util/errors';

/** The entry file: the given path, else package.json "main", else src/index.(ts|js). */
export function resolveEntry(cwd: string, given?: string): string {
  if (given) {
    const p = resolve(cwd, given);
    if (!existsSync(p) || !statSync(p).isFile()) throw new UserError(`${given}: entry file not found`);
    return p;
  }
  const pkgFile = join(cwd, 'package.json');
  if (existsSync(pkgFile)) {
    let main: unknown;
    try {
      main = JSON.parse(readFileSync(pkgFile, 'utf8')).main;
    } catch (e) {
      throw new UserError(`${pkgFile}: invalid JSON: ${(e as Error).message}`);
    }
    if (typeof main === 'string') {
      const p = resolve(cwd, main);
      if (existsSync(p)) return p;
      throw new UserError(`${pkgFile}: "main" names ${main}, which does not exist`);
    }
  }
  for (const c of ['src/index.ts', 'src/index.js']) {
    const p = join(cwd, c);
    if (existsSync(p)) return p;
  }
  throw new UserError(`no entry file: give one (kaluma-net build app.js) or create src/index.ts / src/index.js`);
}
