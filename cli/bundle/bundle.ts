import type { BuildFailure, BuildOptions as EsbuildOptions, Metafile, Plugin } from 'esbuild';
import { dirname } from 'node:path';
import { networkTargetIds } from '../targets/load';
import type { Target } from '../targets/target';
import { contentCache } from '../util/content-cache';
import { UserError } from '../util/errors';
import { checkDriverOptions } from './driver-options';
import { mergeDriverMetafile, scopedDriver } from './driver-scope';
import { formatMessage } from './esbuild-messages';
import { featureDefines, memberDefines, OPTIONAL_MEMBERS, programFeatures, type Features } from './features';
import { isIncremental, runEsbuild } from './incremental';
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
  /** Produce a source map of the program (costs time; for the user and for run's error locations). */
  sourcemap?: boolean;
}

/** The program with identifiers and whitespace as they were, one `// <path>` line before each
 *  module, and its source map: what the engine check reads (check/bundle-check.ts). */
export interface BundleView {
  code: string;
  map: string;
}

export interface Bundle {
  code: string;
  map?: string;
  /** Makes the view of this program (another esbuild pass, made only when needed). */
  view(): Promise<BundleView>;
  metafile: Metafile;
  usage: RuntimeUsage;
  /** The compile-time switches the board-side code was built with. */
  features: Features;
  usesNet: boolean;
  warnings: string[];
}

/** Refuses Node built-ins and networking on a target without a network driver, naming the importer. */
function importPolicy(
  target: Target,
  cwd: string,
  onRuntime: (name: RuntimeModule, kind: string) => { path: string; namespace?: string; external?: boolean },
): Plugin {
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
          return onRuntime(k.name, args.kind);
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

/** The injected name of a runtime module's default export, for its require() form. */
const REQUIRED = '__kn_required_';

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

type UsageEntries = [RuntimeModule, string[] | 'all'][];

/** Which runtime exports the code of pass 1 uses, from the cache when that code was seen before. */
function usageOf(esmCode: string, cwd: string): RuntimeUsage {
  const cache = contentCache<UsageEntries>('runtime-usage', cwd);
  const key = cache.key(esmCode);
  const hit = cache.get(key);
  if (hit) return new Map(hit.map(([m, names]) => [m, names === 'all' ? 'all' : new Set(names)]));
  const usage = analyseRuntimeUsage(esmCode);
  cache.set(key, [...usage].map(([m, names]) => [m, names === 'all' ? 'all' : [...names]]));
  return usage;
}

/** Pass 1: which runtime exports the program uses (runtime modules external, nothing emitted). */
async function firstPass(opts: BundleOptions): Promise<RuntimeUsage> {
  const { entry, target, cwd } = opts;
  try {
    const r = await runEsbuild({
      ...COMMON,
      entryPoints: [entry],
      absWorkingDir: cwd,
      format: 'esm',
      target: 'esnext',
      define: opts.define,
      plugins: [importPolicy(target, cwd, (name) => ({ path: USAGE_PREFIX + name, external: true }))],
    });
    const text = r.outputFiles![0].text;
    const usage = usageOf(text, cwd);
    const required = new Set<RuntimeModule>();
    for (const m of text.matchAll(/require\("kaluma-net-usage:(\w+)"\)/g)) required.add(m[1] as RuntimeModule);
    requiredOf.set(usage, required);
    wordsOf.set(usage, new Set(text.match(/[A-Za-z_$][\w$]*/g)));
    return usage;
  } catch (e) {
    rethrow(e, cwd, target);
  }
}

/** The runtime modules a program require()s (not only imports), by the usage pass 1 found. */
const requiredOf = new WeakMap<RuntimeUsage, Set<RuntimeModule>>();

/** Every identifier-like token of the program's own code (runtime modules left out), by usage. */
const wordsOf = new WeakMap<RuntimeUsage, Set<string>>();

function wordsFor(usage: RuntimeUsage): Set<string> {
  return wordsOf.get(usage) ?? new Set(Object.keys(OPTIONAL_MEMBERS));
}

/** Which optional members the program names, as a comparable string. */
function namedMembers(usage: RuntimeUsage): string {
  const words = wordsFor(usage);
  return Object.keys(OPTIONAL_MEMBERS)
    .filter((m) => words.has(m))
    .join();
}

/** The usage of the last build of each program in a --watch session. */
const lastUsage = new Map<string, RuntimeUsage>();

function sameUsage(a: RuntimeUsage, b: RuntimeUsage): boolean {
  if (a.size !== b.size || [...(requiredOf.get(a) ?? [])].join() !== [...(requiredOf.get(b) ?? [])].join()) return false;
  if (namedMembers(a) !== namedMembers(b)) return false;
  for (const [m, names] of a) {
    const other = b.get(m);
    if (!other || (names === 'all') !== (other === 'all')) return false;
    if (names !== 'all' && other !== 'all' && (names.size !== other.size || [...names].some((n) => !other.has(n)))) return false;
  }
  return true;
}

export async function bundle(opts: BundleOptions): Promise<Bundle> {
  if (!isIncremental()) return programPass(opts, await firstPass(opts), false);
  // --watch: while pass 1 runs, the program is built with the usage of the last build (an edit
  // seldom changes it; when it did, the program is built again).
  const key = JSON.stringify([opts.entry, opts.cwd, opts.target.id, opts.define]);
  const guess = lastUsage.get(key);
  const [usage, early] = await Promise.allSettled([firstPass(opts), guess && programPass(opts, guess, true)]);
  if (usage.status === 'rejected') throw usage.reason;
  lastUsage.set(key, usage.value);
  if (guess && sameUsage(guess, usage.value)) {
    if (early.status === 'rejected') throw early.reason;
    return early.value!;
  }
  return programPass(opts, usage.value, true);
}

/** Pass 2: the program, its runtime shaken to `usage`; with `eagerView`, its view made alongside. */
async function programPass(opts: BundleOptions, usage: RuntimeUsage, eagerView: boolean): Promise<Bundle> {
  const { entry, target, cwd } = opts;
  const features = programFeatures(usage, target.netdev);
  // dns.lookup needs the driver's resolver as much as net needs the driver.
  const usesNet = usage.has('net') || (features.DNS && !!target.netdev);
  let bootstrap = bootstrapSource(target, usesNet, opts.driver ?? {});
  if (usesNet) checkDriverOptions(target);
  const supported: Record<string, boolean> = { ...target.engine.supported };
  if (opts.snapshotSafe) Object.assign(supported, { 'template-literal': false, 'regexp-dot-all-flag': false });
  const define = { ...featureDefines(features), ...memberDefines(wordsFor(usage), usage, features), ...opts.define };
  const minify = { minifyWhitespace: !!opts.minify, minifyIdentifiers: !!opts.minify, minifySyntax: !!opts.minify && !opts.preciseLocations };
  const driver = bootstrap ? await scopedDriver(bootstrap, target, { define, supported, ...minify }) : undefined;
  if (driver) bootstrap = driver.code;
  for (const name of requiredOf.get(usage) ?? []) bootstrap += `import ${REQUIRED}${name} from ${JSON.stringify(name)};\nglobal.${REQUIRED}${name} = ${REQUIRED}${name};\n`;

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
      // require() of a runtime module: a CommonJS module holding the facade's default export, which
      // the bootstrap (ESM, run first) left in a global. Requiring the ESM facade itself would make
      // esbuild wrap it and every runtime module it imports in lazy-init closures and export getters
      // (+4 KB of heap for require('net')), and give require('events') an object where Node gives
      // EventEmitter; importing the facade from this module would do the same.
      b.onLoad({ filter: /.*/, namespace: 'kaluma-net-require' }, (args) => ({ contents: `module.exports = global.${REQUIRED}${args.path};\n`, loader: 'js' }));
    },
  };

  const options: EsbuildOptions = {
    ...COMMON,
    entryPoints: ['kaluma-net:entry'],
    absWorkingDir: cwd,
    outfile: 'out.js',
    format: 'iife',
    target: target.engine.esbuildTarget,
    supported,
    define,
    treeShaking: true,
    ...minify,
    sourcemap: opts.sourcemap ? 'external' : false,
    sourcesContent: true,
    banner: { js: '"use strict";' },
    plugins: [virtual, importPolicy(target, cwd, (name, kind) => ({ path: name, namespace: kind === 'require-call' ? 'kaluma-net-require' : 'kaluma-net-facade' }))],
  };
  const text = (r: { outputFiles?: { path: string; text: string }[] }, ext: string) => r.outputFiles!.find((f) => f.path.endsWith(ext))?.text;
  const run = async (o: EsbuildOptions) => {
    try {
      return await runEsbuild(o);
    } catch (e) {
      rethrow(e, cwd, target);
    }
  };
  // The view differs from the program only in how esbuild prints it.
  const makeView = async (): Promise<BundleView> => {
    const v = await run({ ...options, minifyWhitespace: false, minifyIdentifiers: false, sourcemap: 'external', sourcesContent: false });
    return { code: text(v, '.js')!, map: text(v, '.map')! };
  };
  const early = eagerView ? makeView() : undefined;
  early?.catch(() => undefined); // not always wanted; its failure is the program's, reported below
  const r = await run({ ...options, metafile: true });
  if (driver) mergeDriverMetafile(r.metafile!, driver.metafile);
  const code = text(r, '.js')!;
  const view = () => early ?? makeView();
  return { code, map: text(r, '.map'), view, metafile: r.metafile!, usage, features, usesNet, warnings: r.warnings.map((w) => formatMessage(w, cwd)) };
}
