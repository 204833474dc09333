import type { BuildOptions, Metafile, Plugin } from 'esbuild';
import { join } from 'node:path';
import type { Target } from '../targets/target';
import { packageRoot } from '../util/package-root';
import { UserError } from '../util/errors';
import { esbuild } from '../util/deps';

const SOURCEFILE = 'kaluma-net:driver';

/**
 * The target's driver bundled on its own, as one function (an IIFE) that the bootstrap holds.
 * Bundled with the program, the driver's module-level declarations would join the program's one
 * top-level scope, and JerryScript's parser holds every declaration of the function it is parsing
 * until that function ends: two scopes cost less heap than one with both (measured on the real
 * engine with the same code: W5500 tcp-client 47.0 -> 42.3 KB of parse peak, pico-w 26.8 -> 24.4 KB).
 * `install` is the bootstrap's source (an import of the driver and its install() call).
 */
export async function scopedDriver(
  install: string,
  target: Target,
  options: Pick<BuildOptions, 'define' | 'supported' | 'minifyWhitespace' | 'minifyIdentifiers' | 'minifySyntax'>,
): Promise<{ code: string; metafile: Metafile }> {
  const root = packageRoot();
  // The firmware's modules (a driver's require('uart')) stay the global require's business.
  const builtins: Plugin = {
    name: 'kaluma-net-driver-builtins',
    setup(b) {
      b.onResolve({ filter: /^[^./]/ }, (args) => (target.builtinModules.includes(args.path) ? { path: args.path, namespace: 'kaluma-builtin' } : undefined));
      b.onLoad({ filter: /.*/, namespace: 'kaluma-builtin' }, (args) => ({ contents: `module.exports = global.require(${JSON.stringify(args.path)});`, loader: 'js' }));
    },
  };
  try {
    const r = await esbuild().build({
      ...options,
      stdin: { contents: install, resolveDir: root, sourcefile: SOURCEFILE, loader: 'js' },
      absWorkingDir: root,
      bundle: true,
      write: false,
      format: 'iife',
      platform: 'neutral',
      mainFields: ['module', 'main'],
      resolveExtensions: ['.ts', '.js'],
      target: target.engine.esbuildTarget,
      treeShaking: true,
      charset: 'ascii',
      legalComments: 'none',
      logLevel: 'silent',
      plugins: [builtins],
      metafile: true,
    });
    return { code: r.outputFiles[0].text, metafile: r.metafile! };
  } catch (e) {
    throw new UserError(`bundling the ${target.netdev?.driver} driver for ${target.id} failed: ${(e as Error).message}`);
  }
}

/** Adds the driver's modules (paths made absolute) to the program's metafile, so that the size
 *  report and the build's inputs list them as if esbuild had bundled them with the program: the
 *  bytes the bootstrap takes in the program, shared out as the driver's own build shared them. */
export function mergeDriverMetafile(program: Metafile, driver: Metafile): void {
  const root = packageRoot();
  const out = Object.values(program.outputs).find((o) => o.entryPoint !== undefined) ?? Object.values(program.outputs)[0];
  const boot = Object.keys(out.inputs).find((p) => p.endsWith('kaluma-net:bootstrap'));
  const rows = Object.entries(Object.values(driver.outputs)[0].inputs).filter(([p, i]) => !(p.includes(':') && !p.startsWith('/')) && p !== SOURCEFILE && i.bytesInOutput > 0);
  const own = rows.reduce((n, [, i]) => n + i.bytesInOutput, 0);
  let left = boot ? out.inputs[boot].bytesInOutput : own;
  rows.forEach(([p, i], k) => {
    const bytes = k === rows.length - 1 ? left : Math.min(left, Math.round((i.bytesInOutput * (boot ? out.inputs[boot].bytesInOutput : own)) / own));
    left -= bytes;
    const abs = join(root, p);
    out.inputs[abs] = { bytesInOutput: bytes };
    if (driver.inputs[p]) program.inputs[abs] = driver.inputs[p];
  });
  if (boot) out.inputs[boot].bytesInOutput = 0;
}
