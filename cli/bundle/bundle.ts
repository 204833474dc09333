import { build, type BuildFailure, type Metafile, type Plugin } from 'esbuild';
import { dirname } from 'node:path';
import { networkTargetIds } from '../targets/load';
import type { Target } from '../targets/target';
import { UserError } from '../util/errors';
import { formatMessage } from './esbuild-messages';
import { featureDefines, programFeatures, type Features } from './features';
import { classifyImport, type RuntimeModule } from './module-kinds';
import { analyseRuntimeUsage, USAGE_PREFIX, type RuntimeUsage } from './usage';
import { bootstrapSource, entrySource, facadeSource, type DriverOptions } from './virtual-modules';

export interface BundleOptions {
  entry: string;
  target: Target;
  cwd: string;
  define?: Record<string, string>;
  driver?: DriverOptions;
  /** Lower what the JerryScript snapshot generator refuses (tagged templates, RegExp `s`). */
  snapshotSafe?: boolean;
  /** esbuild's own minification, the cheap first half of `build`'s minify step. */
  minify?: boolean;
  /** Keep statements where they are (no syntax minification), so errors map to the exact place. */
  preciseLocations?: boolean;
  /** Produce a source map (costs time; needed to place diagnostics and errors in user files). */
  sourcemap?: boolean;
}

export interface Bundle {
  code: string;
  map?: string;
  metafile: Metafile;
  usage: RuntimeUsage;
  /** The compile-time switches the board-side code was built with. */
  features: Features;
  usesNet: boolean;
  warnings: string[];
}

/** Refuses Node built-ins and networking on a target without a network driver, naming the importer. */
function importPolicy(target: Target, cwd: string, onRuntime: (name: RuntimeModule, importer: string) => { path: string; namespace?: string; external?: boolean }): Plugin {
  return {
    name: 'kaluma-net-imports',
    setup(b) {
      // A firmware module is the global require's business at run time. A CJS shim avoids esbuild's
      // bulky "is require defined?" wrapper that an external would get.
      b.onLoad({ filter: /.*/, namespace: 'kaluma-builtin' }, (args) => ({ contents: `module.exports = global.require(${JSON.stringify(args.path)});`, loader: 'js' }));
      b.onResolve({ filter: /^[^./]/ }, (args) => {
        if (args.path.startsWith('kaluma-net:') || args.namespace === 'kaluma-net-facade') return undefined;
        const k = classifyImport(args.path, target);
        const where = args.importer ? args.importer.replace(cwd + '/', '') : 'the entry';
        if (k.kind === 'runtime') {
          if (k.name === 'net' && !target.netdev) {
            throw new UserError(`${where}: imports "net", but target "${target.id}" has no network driver; network targets: ${networkTargets()}`);
          }
          return onRuntime(k.name, args.importer);
        }
        if (k.kind === 'builtin') return { path: args.path, namespace: 'kaluma-builtin' };
        if (k.kind === 'node') {
          return { errors: [{ text: `"${args.path}" is a Node built-in module that target "${target.id}" (Kaluma) does not have` }] };
        }
        return undefined;
      });
    },
  };
}

function networkTargets(): string {
  return networkTargetIds().join(', ');
}

function rethrow(e: unknown, cwd: string, target: Target): never {
  if (e instanceof UserError) throw e;
  const failure = e as BuildFailure;
  if (failure && Array.isArray(failure.errors) && failure.errors.length) {
    const m = failure.errors[0];
    const inner = (m.detail as unknown) instanceof UserError ? (m.detail as UserError) : undefined;
    if (inner) throw inner;
    let text = formatMessage(m, cwd);
    if (/Could not resolve/.test(m.text)) text += ` (target ${target.id})`;
    throw new UserError(text);
  }
  throw e;
}

const COMMON = {
  bundle: true,
  write: false,
  platform: 'neutral' as const,
  mainFields: ['module', 'main'],
  resolveExtensions: ['.ts', '.tsx', '.mts', '.js', '.mjs', '.cjs', '.json'],
  logLevel: 'silent' as const,
  charset: 'ascii' as const,
  legalComments: 'none' as const,
};

/** Pass 1: which runtime exports the program uses (runtime modules external, nothing emitted). */
async function firstPass(opts: BundleOptions): Promise<RuntimeUsage> {
  const { entry, target, cwd } = opts;
  try {
    const r = await build({
      ...COMMON,
      entryPoints: [entry],
      absWorkingDir: cwd,
      format: 'esm',
      target: 'esnext',
      define: opts.define,
      plugins: [importPolicy(target, cwd, (name) => ({ path: USAGE_PREFIX + name, external: true }))],
    });
    return analyseRuntimeUsage(r.outputFiles![0].text);
  } catch (e) {
    rethrow(e, cwd, target);
  }
}

export async function bundle(opts: BundleOptions): Promise<Bundle> {
  const { entry, target, cwd } = opts;
  const usage = await firstPass(opts);
  const usesNet = usage.has('net');
  const bootstrap = bootstrapSource(target, usesNet, opts.driver ?? {});
  const features = programFeatures(usage, target.netdev);
  const supported: Record<string, boolean> = { ...target.engine.supported };
  if (opts.snapshotSafe) Object.assign(supported, { 'template-literal': false, 'regexp-dot-all-flag': false });

  const virtual: Plugin = {
    name: 'kaluma-net-virtual',
    setup(b) {
      b.onResolve({ filter: /^kaluma-net:(entry|bootstrap)$/ }, (args) => ({ path: args.path, namespace: 'kaluma-net' }));
      b.onLoad({ filter: /.*/, namespace: 'kaluma-net' }, (args) => ({
        contents: args.path === 'kaluma-net:entry' ? entrySource(entry) : bootstrap,
        resolveDir: dirname(entry),
        loader: 'js',
      }));
      b.onLoad({ filter: /.*/, namespace: 'kaluma-net-facade' }, (args) => ({
        contents: facadeSource(args.path as RuntimeModule, usage.get(args.path as RuntimeModule) ?? 'all'),
        resolveDir: cwd,
        loader: 'js',
      }));
    },
  };

  try {
    const r = await build({
      ...COMMON,
      entryPoints: ['kaluma-net:entry'],
      absWorkingDir: cwd,
      outfile: 'out.js',
      format: 'iife',
      target: target.engine.esbuildTarget,
      supported,
      define: { ...featureDefines(features), ...opts.define },
      treeShaking: true,
      minifyWhitespace: !!opts.minify,
      minifyIdentifiers: !!opts.minify,
      minifySyntax: !!opts.minify && !opts.preciseLocations,
      sourcemap: opts.sourcemap === false ? false : 'external',
      sourcesContent: true,
      metafile: true,
      banner: { js: '"use strict";' },
      plugins: [virtual, importPolicy(target, cwd, (name) => ({ path: name, namespace: 'kaluma-net-facade' }))],
    });
    const code = r.outputFiles!.find((f) => f.path.endsWith('.js'))!.text;
    const map = r.outputFiles!.find((f) => f.path.endsWith('.map'))?.text;
    return { code, map, metafile: r.metafile!, usage, features, usesNet, warnings: r.warnings.map((w) => formatMessage(w, cwd)) };
  } catch (e) {
    rethrow(e, cwd, target);
  }
}
