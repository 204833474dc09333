import type { NetdevConfig } from '../targets/target';
import { checksOptions } from './driver-options';
import type { RuntimeUsage } from './usage';

/**
 * Compile-time switches of the board-side code, declared for it in runtime/features.d.ts. Each is an
 * esbuild `define` of `globalThis.KN_<NAME>`, so a test such as `if (globalThis.KN_SERVER !== false)`
 * folds and the code behind a switch that is off, with every module only that code imports, is left
 * out of the bundle. Outside a bundle (unit tests in Node) the switches are undefined: code treats
 * that as "anything may be used" and decides at run time.
 */
export interface Features {
  /** The program may connect out (net.connect, createConnection, Socket). */
  CLIENT: boolean;
  /** The program may listen (net.createServer, Server). */
  SERVER: boolean;
  /** The program calls dns.lookup: drivers carry their resolver (netdev.lookup). */
  DNS: boolean;
  /** W5500: the address comes from DHCP (`"ip": "dhcp"`, the default), not a static configuration. */
  DHCP: boolean;
  /** Drivers fill `netdev.errmsg` with a sentence per failure. `net` never shows it (its errors
   *  carry the code), so bundles leave the sentences out unless `--define globalThis.KN_ERRMSG=true`;
   *  what a driver logs (bring-up failures) is always kept. */
  ERRMSG: boolean;
  /** The build checked the driver's options (cli/bundle/driver-options.ts): the driver skips it. */
  CHECKED: boolean;
}

const CLIENT_EXPORTS = ['connect', 'createConnection', 'Socket', 'Stream'];
const SERVER_EXPORTS = ['createServer', 'Server'];

/** What the program and its target's driver options need. */
export function programFeatures(usage: RuntimeUsage, netdev: NetdevConfig | null): Features {
  const net = usage.get('net');
  const dns = usage.get('dns');
  const uses = (names: string[]) => net === 'all' || (!!net && names.some((n) => net.has(n)));
  return {
    CLIENT: uses(CLIENT_EXPORTS),
    SERVER: uses(SERVER_EXPORTS),
    DNS: dns === 'all' || (!!dns && dns.has('lookup')),
    DHCP: netdev?.driver === 'w5500' && (netdev.ip === undefined || netdev.ip === 'dhcp'),
    ERRMSG: false,
    CHECKED: checksOptions(netdev),
  };
}

/** The esbuild `define` entries for `features`. */
export function featureDefines(features: Features): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(features)) out['globalThis.KN_' + name] = value === undefined ? 'undefined' : JSON.stringify(value);
  return out;
}

/** Methods and getters of the runtime's classes that the runtime itself never calls, by the class
 *  that has them: a program that never names one (in its code: identifiers, properties and strings,
 *  not comments) does not get it. Each is a function, ~100 B of the board's heap. A program that reaches
 *  one only through a computed name (`socket[name]()`) must mention the name, e.g. in a string. */
export const OPTIONAL_MEMBERS = {
  prependListener: 'EventEmitter',
  listeners: 'EventEmitter',
  listenerCount: 'EventEmitter',
  removeAllListeners: 'EventEmitter',
  readable: 'Duplex',
  writable: 'Duplex',
  pipe: 'Duplex',
  isPaused: 'Duplex',
  setEncoding: 'Duplex',
  setNoDelay: 'Socket',
  setKeepAlive: 'Socket',
  address: 'Socket',
  readyState: 'Socket',
  pending: 'Socket',
  getConnections: 'Server',
  // Paused-mode reading: read() and the 'readable' event.
  read: 'Duplex',
  // Options of connect() whose checks are left out of a program that never names them.
  localAddress: 'Socket',
  localPort: 'Socket',
} as const;

/** The esbuild `define` entries `globalThis.KN_M_<member>` of the optional members: true only where
 *  the program's `words` (every identifier-like token of its code) have the name and it uses the
 *  class (installing a member keeps its class: the runtime's modules otherwise have no side effects). */
export function memberDefines(words: ReadonlySet<string>, usage: RuntimeUsage, f: Features): Record<string, string> {
  const socket = f.CLIENT || f.SERVER;
  const uses = { EventEmitter: true, Duplex: socket || usage.has('stream'), Socket: socket, Server: f.SERVER };
  const out: Record<string, string> = {};
  // readyState reads readable and writable.
  const named = (m: string) => words.has(m) || ((m === 'readable' || m === 'writable') && words.has('readyState'));
  for (const [m, owner] of Object.entries(OPTIONAL_MEMBERS)) out['globalThis.KN_M_' + m] = String(uses[owner] && named(m));
  return out;
}
