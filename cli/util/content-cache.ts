// Results of pure computations over code (engine check, runtime usage), keyed by a hash of what they
// were computed from: kept in memory for the life of the process (`--watch`, API users) and on disk
// for the next command. A missing, unreadable or unwritable cache only costs time.
//
// Disk: KALUMA_NET_CACHE_DIR when set ('off' disables it); else, for the built CLI, the project's
// node_modules/.cache/kaluma-net when the project has node_modules, or the user's cache directory
// (XDG_CACHE_HOME or ~/.cache). Run from the TypeScript sources (tests) it is memory only unless
// KALUMA_NET_CACHE_DIR says where.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** Past this many entries in one cache, the oldest are removed down to half of it. */
const MAX_ENTRIES = 2000;

const memory = new Map<string, unknown>();

/** The code computing the results: a rebuilt or upgraded CLI starts a fresh cache. */
const codeFingerprint = (() => {
  let s = '';
  try {
    const st = statSync(__filename);
    s = `${__filename}:${st.size}:${st.mtimeMs}`;
  } catch {
    s = __filename;
  }
  return createHash('sha256').update(s).digest('hex').slice(0, 16);
})();

export function cacheDir(projectDir: string): string | undefined {
  const env = process.env.KALUMA_NET_CACHE_DIR;
  if (env) return env === 'off' ? undefined : env;
  if (__filename.endsWith('.ts')) return undefined;
  if (existsSync(join(projectDir, 'node_modules'))) return join(projectDir, 'node_modules', '.cache', 'kaluma-net');
  return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'kaluma-net');
}

export interface ContentCache<T> {
  /** The key of `parts` (hashed with the cache's name and the code's fingerprint). */
  key(...parts: string[]): string;
  get(key: string): T | undefined;
  /** `disk: false` keeps the result in memory only (results derived from secrets). */
  set(key: string, value: T, disk?: boolean): void;
}

export function contentCache<T>(name: string, projectDir: string): ContentCache<T> {
  const root = cacheDir(projectDir);
  const dir = root && join(root, name);
  return {
    key(...parts) {
      const h = createHash('sha256').update(name).update('\0').update(codeFingerprint);
      for (const p of parts) h.update('\0').update(p);
      return h.digest('hex');
    },
    get(key) {
      if (memory.has(key)) return memory.get(key) as T;
      if (!dir) return undefined;
      try {
        const value = JSON.parse(readFileSync(join(dir, key + '.json'), 'utf8')) as T;
        memory.set(key, value);
        return value;
      } catch {
        return undefined;
      }
    },
    set(key, value, disk = true) {
      memory.set(key, value);
      if (!dir || !disk) return;
      try {
        if (!existsSync(dir)) mkdirSync(dir, { recursive: true });
        else prune(dir);
        const temp = join(dir, `.${key}.${process.pid}.tmp`);
        writeFileSync(temp, JSON.stringify(value));
        renameSync(temp, join(dir, key + '.json'));
      } catch {
        // a read-only or full disk: the result stays in memory
      }
    },
  };
}

const pruned = new Set<string>();

/** Once per process and cache: keeps the cache from growing without bound as sources change. */
function prune(dir: string): void {
  if (pruned.has(dir)) return;
  pruned.add(dir);
  const names = readdirSync(dir).filter((n) => n.endsWith('.json'));
  if (names.length <= MAX_ENTRIES) return;
  const aged = names.map((n) => ({ n, t: statSync(join(dir, n)).mtimeMs })).sort((a, b) => a.t - b.t);
  for (const { n } of aged.slice(0, names.length - MAX_ENTRIES / 2)) unlinkSync(join(dir, n));
}
