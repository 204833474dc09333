import { cpSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join, relative, resolve, sep } from 'node:path';
import { writeFileAtomic } from '../image';
import { listTargetIds, loadTarget } from '../targets/load';
import type { Target } from '../targets/target';
import { UserError } from '../util/errors';
import { ensureWritableDir } from '../util/out-dir';
import { packageRoot, packageVersion } from '../util/package-root';
import { CONFIG_FILE } from '../pipeline/project-config';
import { projectReadme } from './readme';

export interface InitOptions {
  dir: string;
  template: string;
  target: string;
  typescript: boolean;
  force: boolean;
}

export interface Scaffolded {
  /** The files written, relative to the project directory. */
  files: string[];
  /** Said to the user after the file list (e.g. how kaluma-net is linked). */
  notes: string[];
}

export function templateNames(): string[] {
  const dir = join(packageRoot(), 'templates');
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(dir, d.name, 'js')))
    .map((d) => d.name)
    .sort();
}

/** Every template uses `net`: a project is for this PC (host) or a board with a network. `sim`, the
 *  in-memory network of kaluma-net's own tests, cannot be reached from outside the program. */
export function initTargetIds(): string[] {
  return listTargetIds().filter((id) => id !== 'sim' && loadTarget(id).netdev !== null);
}

function initTarget(id: string): Target {
  const target = loadTarget(id);
  if (!initTargetIds().includes(id)) {
    const why = target.netdev ? 'is the in-memory network of kaluma-net\'s own tests, which nothing outside the program can reach' : 'has no network hardware, and every template uses net';
    throw new UserError(`--target ${id}: ${id} ${why}; init targets: ${initTargetIds().join(', ')}`);
  }
  return target;
}

const TSCONFIG = {
  compilerOptions: {
    target: 'es2019',
    module: 'esnext',
    moduleResolution: 'bundler',
    lib: ['es2019'],
    types: ['kaluma-net/types'],
    strict: true,
    noEmit: true,
    skipLibCheck: true,
  },
  include: ['src'],
};

/** Build output, and Wi-Fi credentials in `.env` or `.env.<anything>`; an example file may be shared. */
const GITIGNORE = 'node_modules/\ndist/\n.env\n.env.*\n!.env.example\n';

/** Install scripts of kaluma-net's dependencies (npm 11 asks for each): esbuild checks its binary,
 *  serialport's bindings pick their prebuilt binary. kaluma-net itself has none. */
const ALLOW_SCRIPTS = { esbuild: true, '@serialport/bindings-cpp': true };

/** The published kaluma-net, by version. Run from a checkout of its repository (which may be newer
 *  than any release), the project links that checkout by a relative path, and says so. */
export function kalumaNetDependency(projectDir: string, root = packageRoot()): { spec: string; note?: string } {
  const version = `^${packageVersion()}`;
  if (root.split(sep).includes('node_modules') || !existsSync(join(root, '.git'))) return { spec: version };
  const path = relative(projectDir, root).split(sep).join('/') || '.';
  return {
    spec: `file:${path}`,
    note: `package.json links kaluma-net from the checkout at ${root} ("file:${path}", relative: move the project with it), or use "${version}" from npm`,
  };
}

/** Creates a ready project from a template. */
export async function scaffold(opts: InitOptions): Promise<Scaffolded> {
  const names = templateNames();
  if (!names.includes(opts.template)) throw new UserError(`--template ${opts.template}: unknown template; templates: ${names.join(', ')}`);
  const target = initTarget(opts.target);
  const dir = resolve(opts.dir);
  if (existsSync(dir) && readdirSync(dir).length && !opts.force) {
    throw new UserError(`${opts.dir}: directory is not empty (use --force to write into it anyway)`);
  }
  const lang = opts.typescript ? 'ts' : 'js';
  const from = join(packageRoot(), 'templates', opts.template);
  const sources = join(from, lang, 'src');
  ensureWritableDir(dir, opts.dir);
  const written: string[] = [];
  const put = async (file: string, text: string) => {
    await writeFileAtomic(join(dir, file), text);
    written.push(file);
  };

  cpSync(sources, join(dir, 'src'), { recursive: true });
  for (const f of readdirSync(sources)) written.push(`src/${f}`);
  const server = readdirSync(sources).some((f) => readFileSync(join(sources, f), 'utf8').includes('createServer('));
  await put('README.md', projectReadme(readFileSync(join(from, 'README.md'), 'utf8'), { target, typescript: opts.typescript, server }));

  const dependency = kalumaNetDependency(dir);
  const pkg = {
    name: basename(dir).toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^[._-]+/, '') || 'kaluma-app',
    version: '0.1.0',
    private: true,
    main: `src/index.${lang}`,
    scripts: {
      start: target.pc ? 'kaluma-net run' : 'kaluma-net run --emulate',
      build: 'kaluma-net build',
      ...(target.flash ? { flash: 'kaluma-net flash' } : {}),
      ...(opts.typescript ? { typecheck: 'tsc -p tsconfig.json' } : {}),
    },
    devDependencies: {
      'kaluma-net': dependency.spec,
      ...(opts.typescript ? { typescript: '^5.9.3' } : {}),
    },
    allowScripts: ALLOW_SCRIPTS,
  };
  await put('package.json', JSON.stringify(pkg, null, 2) + '\n');
  await put(CONFIG_FILE, JSON.stringify({ target: target.id }, null, 2) + '\n');
  await put('.gitignore', GITIGNORE);
  if (opts.typescript) await put('tsconfig.json', JSON.stringify(TSCONFIG, null, 2) + '\n');
  return { files: written.sort(), notes: dependency.note ? [dependency.note] : [] };
}
