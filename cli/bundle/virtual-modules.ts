import { join } from 'node:path';
import type { Target } from '../targets/target';
import { packageRoot } from '../util/package-root';
import type { RuntimeModule } from './module-kinds';

export function runtimeDir(): string {
  return join(packageRoot(), 'runtime');
}

export function runtimeModulePath(name: RuntimeModule): string {
  return join(runtimeDir(), name + '.ts');
}

/**
 * The module a program gets for `net`/`events`/`stream`: re-exports only the names it uses, so
 * esbuild drops the rest even when the program uses `require('net')` (whose module object would
 * otherwise keep every export alive).
 */
export function facadeSource(name: RuntimeModule, used: Set<string> | 'all'): string {
  const from = JSON.stringify(runtimeModulePath(name));
  if (used === 'all') return `export * from ${from};\nexport { default } from ${from};\n`;
  const named = [...used].filter((n) => n !== 'default' && /^[A-Za-z_$][\w$]*$/.test(n)).sort();
  let src = named.length ? `import { ${named.join(', ')} } from ${from};\nexport { ${named.join(', ')} };\n` : '';
  src += `export default { ${named.join(', ')} };\n`;
  return src;
}

export interface DriverOptions {
  wifi?: { ssid: string; password?: string; security?: string };
}

/** Runs before the user's code: installs the target's network driver as global.__netdev. */
export function bootstrapSource(target: Target, usesNet: boolean, options: DriverOptions): string {
  const nd = target.netdev;
  if (!usesNet || !nd || nd.driver === 'host') return '';
  // `wifi` in the target says the board has Wi-Fi; the driver gets credentials there, if any.
  const { driver, wifi: _hasWifi, ...config } = nd as Record<string, unknown>;
  if (options.wifi && nd.wifi) config.wifi = options.wifi;
  // A driver is a module (drivers/sim.ts) or a folder of feature modules (drivers/w5500/index.ts).
  const path = JSON.stringify(join(runtimeDir(), 'drivers', String(driver)));
  return `import { install } from ${path};\ninstall(${JSON.stringify(config)});\n`;
}

export function entrySource(userEntry: string): string {
  return `import "kaluma-net:bootstrap";\nimport ${JSON.stringify(userEntry)};\n`;
}
