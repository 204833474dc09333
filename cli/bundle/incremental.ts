// esbuild builds, one-off or incremental. Between startIncremental() and stopIncremental() (a
// `build --watch` session) every set of build options gets an esbuild context that is kept for the
// next build with the same options: a rebuild re-reads and re-parses only the files that changed.
//
// The plugins of a build close over that build's state (the runtime usage, the driver's bootstrap),
// but a context keeps the plugins it was made with; so the context gets relays, and each build points
// the relays at the callbacks its own plugins register, in the same order.
import type { BuildContext, BuildOptions, BuildResult, OnLoadArgs, OnResolveArgs, Plugin, PluginBuild } from 'esbuild';
import { esbuild } from '../util/deps';

interface Registration {
  kind: 'onResolve' | 'onLoad';
  options: { filter: RegExp; namespace?: string };
  callback: (args: any) => any; // the esbuild callback type of `kind`
}

interface Kept {
  context: Promise<BuildContext>;
  registrations: Registration[];
}

/** Contexts beyond this many (options that changed, e.g. another target) are let go, oldest first. */
const MAX_CONTEXTS = 8;

let kept: Map<string, Kept> | undefined;

export function isIncremental(): boolean {
  return kept !== undefined;
}

export function startIncremental(): void {
  kept ??= new Map();
}

export async function stopIncremental(): Promise<void> {
  const all = kept;
  kept = undefined;
  if (all) await Promise.all([...all.values()].map(dispose));
}

async function dispose(k: Kept): Promise<void> {
  await (await k.context.catch(() => undefined))?.dispose();
}

function record(plugins: Plugin[]): Registration[] {
  const out: Registration[] = [];
  const build = {
    onResolve: (options: Registration['options'], callback: (args: OnResolveArgs) => unknown) => out.push({ kind: 'onResolve', options, callback }),
    onLoad: (options: Registration['options'], callback: (args: OnLoadArgs) => unknown) => out.push({ kind: 'onLoad', options, callback }),
  };
  for (const p of plugins) void p.setup(build as unknown as PluginBuild);
  return out;
}

function relays(k: Kept, first: Registration[]): Plugin {
  return {
    name: 'kaluma-net-relays',
    setup(b) {
      first.forEach((r, i) => {
        if (r.kind === 'onResolve') b.onResolve(r.options, (args: OnResolveArgs) => k.registrations[i].callback(args));
        else b.onLoad(r.options, (args: OnLoadArgs) => k.registrations[i].callback(args));
      });
    },
  };
}

export async function runEsbuild(options: BuildOptions): Promise<BuildResult> {
  if (!kept) return esbuild().build(options);
  const { plugins = [], ...rest } = options;
  const key = JSON.stringify(rest);
  const registrations = record(plugins);
  let k = kept.get(key);
  if (k) {
    k.registrations = registrations;
    kept.delete(key);
  } else {
    const fresh: Kept = { registrations, context: Promise.resolve(undefined as unknown as BuildContext) };
    fresh.context = esbuild().context({ ...rest, plugins: [relays(fresh, registrations)] });
    k = fresh;
  }
  kept.set(key, k); // the most recently used last
  for (const [oldKey, old] of kept) {
    if (kept.size <= MAX_CONTEXTS) break;
    kept.delete(oldKey);
    void dispose(old);
  }
  return (await k.context).rebuild();
}
