import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

let cached: string | undefined;

/** The kaluma-net package directory, whether running from lib/ (bundled CLI) or cli/ (tsx). */
export function packageRoot(): string {
  if (cached) return cached;
  let dir = __dirname;
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && JSON.parse(readFileSync(pkg, 'utf8')).name === 'kaluma-net') return (cached = dir);
    const up = dirname(dir);
    if (up === dir) throw new Error('kaluma-net: cannot find the package root from ' + __dirname);
    dir = up;
  }
}

let version: string | undefined;

export function packageVersion(): string {
  return (version ??= JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')).version as string);
}
