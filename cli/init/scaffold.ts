import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join, resolve, sep } from 'node:path';
import { writeFileAtomic } from '../image';
import { loadTarget } from '../targets/load';
import { UserError } from '../util/errors';
import { packageRoot, packageVersion } from '../util/package-root';
import { CONFIG_FILE } from '../pipeline/project-config';

export interface InitOptions {
  dir: string;
  template: string;
  target: string;
  typescript: boolean;
  force: boolean;
}

export function templateNames(): string[] {
  const dir = join(packageRoot(), 'templates');
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(dir, d.name, 'js')))
    .map((d) => d.name)
    .sort();
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

/** A published kaluma-net is a registry dependency; one run from a checkout is linked by path. */
function kalumaNetDependency(): string {
  const root = packageRoot();
  return root.split(sep).includes('node_modules') ? `^${packageVersion()}` : `file:${root}`;
}

/** Creates a ready project from a template; returns the files written (relative to dir). */
export async function scaffold(opts: InitOptions): Promise<string[]> {
  const names = templateNames();
  if (!names.includes(opts.template)) throw new UserError(`--template ${opts.template}: unknown template; templates: ${names.join(', ')}`);
  const target = loadTarget(opts.target);
  const dir = resolve(opts.dir);
  if (existsSync(dir) && readdirSync(dir).length && !opts.force) {
    throw new UserError(`${opts.dir}: directory is not empty (use --force to write into it anyway)`);
  }
  const lang = opts.typescript ? 'ts' : 'js';
  const from = join(packageRoot(), 'templates', opts.template);
  mkdirSync(dir, { recursive: true });
  const written: string[] = [];
  const put = async (file: string, text: string) => {
    await writeFileAtomic(join(dir, file), text);
    written.push(file);
  };

  cpSync(join(from, lang, 'src'), join(dir, 'src'), { recursive: true });
  for (const f of readdirSync(join(from, lang, 'src'))) written.push(`src/${f}`);
  await put('README.md', readFileSync(join(from, 'README.md'), 'utf8'));

  const emulated = !target.pc && target.netdev !== null;
  const pkg = {
    name: basename(dir).toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^[._-]+/, '') || 'kaluma-app',
    version: '0.1.0',
    private: true,
    main: `src/index.${lang}`,
    scripts: {
      build: 'kaluma-net build',
      run: emulated ? 'kaluma-net run --emulate' : 'kaluma-net run',
      flash: 'kaluma-net flash',
      ...(opts.typescript ? { typecheck: 'tsc -p tsconfig.json' } : {}),
    },
    devDependencies: {
      'kaluma-net': kalumaNetDependency(),
      ...(opts.typescript ? { typescript: '^5.9.3' } : {}),
    },
  };
  await put('package.json', JSON.stringify(pkg, null, 2) + '\n');
  await put(CONFIG_FILE, JSON.stringify({ target: target.id }, null, 2) + '\n');
  await put('.gitignore', 'node_modules/\ndist/\n.env\n');
  if (opts.typescript) await put('tsconfig.json', JSON.stringify(TSCONFIG, null, 2) + '\n');
  return written.sort();
}
