import { existsSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { UserError } from '../util/errors';
import { readJsonObject } from '../util/json-file';
import { packageRoot } from '../util/package-root';
import type { DriverName, EngineProfile, FlashLayout, NetdevConfig, Target } from './target';

type Json = Record<string, unknown>;

const DRIVERS: DriverName[] = ['cyw43', 'esp-at', 'w5500', 'sim', 'host'];

export function targetsDir(): string {
  return join(packageRoot(), 'targets');
}

function readTargetFile(dir: string, id: string): { json: Json; file: string } {
  const file = join(dir, id + '.json');
  if (!existsSync(file)) throw new UserError(`${file}: no such target file`);
  const json = readJsonObject(file) as Json;
  if (json.id !== id) throw new UserError(`${file}: field "id" must be "${id}" (the file name)`);
  return { json, file };
}

function isObject(v: unknown): v is Json {
  return !!v && typeof v === 'object' && !Array.isArray(v);
}

/** Objects merge key by key; arrays and scalars of the child replace the parent's. */
function merge(parent: Json, child: Json): Json {
  const out: Json = { ...parent };
  for (const [k, v] of Object.entries(child)) out[k] = isObject(v) && isObject(parent[k]) ? merge(parent[k] as Json, v) : v;
  return out;
}

function resolveChain(dir: string, id: string, seen: string[]): { json: Json; file: string } {
  if (seen.includes(id)) throw new UserError(`${join(dir, id + '.json')}: "extends" cycle: ${[...seen, id].join(' -> ')}`);
  const { json, file } = readTargetFile(dir, id);
  if (json.extends === undefined) return { json, file };
  if (typeof json.extends !== 'string') throw new UserError(`${file}: field "extends" must be a target id string`);
  const parent = resolveChain(dir, json.extends, [...seen, id]);
  const merged = merge(parent.json, { ...json, abstract: json.abstract ?? false });
  const added = json.addBuiltinModules;
  if (added !== undefined) {
    if (!Array.isArray(added)) throw new UserError(`${file}: field "addBuiltinModules" must be an array of module names`);
    merged.builtinModules = [...((parent.json.builtinModules as string[]) ?? []), ...added];
  }
  delete merged.addBuiltinModules;
  return { json: merged, file };
}

class Field {
  constructor(
    readonly file: string,
    readonly json: Json,
    readonly prefix = '',
  ) {}
  private fail(key: string, what: string): never {
    throw new UserError(`${this.file}: field "${this.prefix}${key}" ${what}`);
  }
  str(key: string): string {
    const v = this.json[key];
    if (typeof v !== 'string' || !v) this.fail(key, 'must be a non-empty string');
    return v;
  }
  int(key: string): number {
    let v = this.json[key];
    if (typeof v === 'string' && /^0x[0-9a-f]+$/i.test(v)) v = parseInt(v, 16);
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) this.fail(key, 'must be a non-negative integer (or a "0x..." hex string)');
    return v;
  }
  strings(key: string): string[] {
    const v = this.json[key];
    if (!Array.isArray(v) || v.some((s) => typeof s !== 'string')) this.fail(key, 'must be an array of strings');
    return v as string[];
  }
  obj(key: string): Field {
    const v = this.json[key];
    if (!isObject(v)) this.fail(key, 'must be an object');
    return new Field(this.file, v, this.prefix + key + '.');
  }
  has(key: string): boolean {
    return this.json[key] !== undefined && this.json[key] !== null;
  }
}

function validate(id: string, json: Json, file: string): Target {
  const f = new Field(file, json);
  const e = f.obj('engine');
  const engine: EngineProfile = {
    id: e.str('id'),
    name: e.str('name'),
    firmware: e.str('firmware'),
    esbuildTarget: e.str('esbuildTarget'),
    supported: (e.has('supported') ? e.obj('supported').json : {}) as Record<string, boolean>,
    unsupportedSyntax: e.strings('unsupportedSyntax'),
    missingBuiltins: e.strings('missingBuiltins'),
  };
  const pc = json.pc === true;
  let flash: FlashLayout | null = null;
  if (!pc) {
    const fl = f.obj('flash');
    flash = {
      programBase: fl.int('programBase'),
      programSize: fl.int('programSize'),
      storageBase: fl.int('storageBase'),
      storageSize: fl.int('storageSize'),
      uf2Family: fl.int('uf2Family'),
    };
    if (flash.programBase % 4096 || flash.programSize % 4096) throw new UserError(`${file}: field "flash.programBase"/"flash.programSize" must be 4 KB aligned`);
  }
  let netdev: NetdevConfig | null = null;
  if (f.has('netdev')) {
    const n = f.obj('netdev');
    const driver = n.str('driver') as DriverName;
    if (!DRIVERS.includes(driver)) throw new UserError(`${file}: field "netdev.driver" must be one of ${DRIVERS.join(', ')}`);
    netdev = { ...n.json, driver, wifi: n.json.wifi === true };
  }
  return {
    id,
    name: f.str('name'),
    file,
    pc,
    heapSize: f.int('heapSize'),
    engine,
    builtinModules: f.strings('builtinModules'),
    flash,
    netdev,
  };
}

/** Every target id that can be built for (abstract bases excluded), sorted. */
export function listTargetIds(dir = targetsDir()): string[] {
  return readdirSync(dir)
    .filter((n) => n.endsWith('.json'))
    .map((n) => basename(n, '.json'))
    .filter((id) => {
      const { json } = readTargetFile(dir, id);
      return json.abstract !== true;
    })
    .sort();
}

export function loadTarget(id: string, dir = targetsDir()): Target {
  if (!/^[a-z0-9][a-z0-9._-]*$/i.test(id) || !existsSync(join(dir, id + '.json'))) {
    throw new UserError(`unknown target "${id}"; valid targets: ${listTargetIds(dir).join(', ')}`);
  }
  const { json, file } = resolveChain(dir, id, []);
  if (json.abstract === true) throw new UserError(`target "${id}" is an abstract base; valid targets: ${listTargetIds(dir).join(', ')}`);
  return validate(id, json, file);
}

export function networkTargetIds(dir = targetsDir()): string[] {
  return listTargetIds(dir).filter((id) => loadTarget(id, dir).netdev !== null);
}

/** The distinct flash layouts of the board targets, named by the boards that share each. */
export function boardLayouts(dir = targetsDir()): (FlashLayout & { name: string })[] {
  const byKey = new Map<string, FlashLayout & { name: string }>();
  for (const id of listTargetIds(dir)) {
    const flash = loadTarget(id, dir).flash;
    if (!flash) continue;
    const key = JSON.stringify(flash);
    const seen = byKey.get(key);
    if (seen) seen.name += `, ${id}`;
    else byKey.set(key, { name: id, ...flash });
  }
  return [...byKey.values()];
}
