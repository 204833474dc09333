// The `dns` module, as far as a board can answer it: lookup() through the network driver's
// resolver (the netdev contract's optional `lookup`). An IP address is answered without one; on a
// driver without a resolver (or a target without a driver) a name fails with ENOSYS, saying so.
import { netError } from './netdev';
import type { Netdev } from './netdev-contract';
import { E, err, kind } from './net/errors';
import { isIP } from './net/ip';
import { later } from './net/util';

/** getaddrinfo hints, with Node's values (accepted; the drivers resolve IPv4 only). */
export const ADDRCONFIG = 1024;
export const V4MAPPED = 2048;
export const ALL = 256;

export interface LookupOptions {
  family?: number;
  all?: boolean;
  hints?: number;
}

type LookupCallback = (err: Error | null, address?: string | { address: string; family: number }[], family?: number) => void;

/** lookup(hostname[, options], callback): callback(err, address, family), or (err, [{address,
 *  family}]) with options.all; always asynchronous. */
export function lookup(hostname: string, options: number | LookupOptions | LookupCallback, cb?: LookupCallback): void {
  if (typeof options === 'function') cb = options;
  if (typeof hostname !== 'string') throw err(E.ArgType, 'hostname', 'string', kind(hostname));
  if (typeof cb !== 'function') throw err(E.ArgType, 'callback', 'function', kind(cb));
  const all = typeof options === 'object' && options && options.all;
  const answer = (e: Error | null, address?: string) =>
    e ? cb!(e) : all ? cb!(null, [{ address: address!, family: isIP(address!) }]) : cb!(null, address, isIP(address!));
  if (isIP(hostname)) return later(answer, null, hostname);
  const d = (global as any).__netdev as Netdev | undefined;
  if (!d || !d.lookup) {
    const e = Object.assign(new Error('getaddrinfo ENOSYS ' + hostname + ': no resolver on this target'), { code: 'ENOSYS', syscall: 'getaddrinfo', hostname });
    return later(answer, e);
  }
  let sync = true;
  d.lookup(hostname, (errno, address) => {
    const e = errno ? netError(errno, 'getaddrinfo', hostname) : null;
    if (sync) later(answer, e, address);
    else answer(e, address);
  });
  sync = false;
}

export default { lookup, ADDRCONFIG, V4MAPPED, ALL };
