// Emulation of the Pico W firmware's native `pico_cyw43` module, backed by real host sockets on
// the loopback: what `require('pico_cyw43')` returns on the board, plus the board script's boot.

import type { Realm } from '../devices';
import { Cyw43Air, type Cyw43AirOptions } from './air';
import { Chip } from './chip';
import { makeNetworkClass } from './network';
import { makeChipClass, makeWifiClass } from './wifi';

export { Cyw43Air, STATION_IP } from './air';
export type { AccessPoint, Cyw43AirOptions, Cyw43Timing, DnsAnswer, WifiSecurity } from './air';
export { TCP_SND_BUF } from './tcp';
export { MAX_SOCKETS } from './chip';

export interface PicoCyw43Module {
  PicoCYW43: ReturnType<typeof makeChipClass>;
  PicoCYW43WIFI: ReturnType<typeof makeWifiClass>;
  PicoCYW43Network: ReturnType<typeof makeNetworkClass>;
}

/**
 * The exports object of `pico_cyw43` for one emulated board. Pass a `Cyw43Air` to control the
 * radio world afterwards (faults, DNS, teardown), or plain options to get a private one.
 * Every Uint8Array handed to board code comes from `realm.bytes()`, and every network event
 * reaches the board through `realm.callback()`.
 */
export function createPicoCyw43Module(realm: Realm, options: Cyw43Air | Cyw43AirOptions = {}): PicoCyw43Module {
  const air = options instanceof Cyw43Air ? options : new Cyw43Air(options);
  const chip = new Chip(realm, air);
  return {
    PicoCYW43: inRealm(makeChipClass(chip), realm),
    PicoCYW43WIFI: inRealm(makeWifiClass(chip), realm),
    PicoCYW43Network: inRealm(makeNetworkClass(chip), realm),
  };
}

/** The errors a native method throws are made in the board's realm, as the firmware's are
 *  (`e instanceof Error` holds in board code). */
function inRealm<C extends { prototype: object }>(cls: C, realm: Realm): C {
  const make = realm.makeError;
  if (!make) return cls;
  const proto = cls.prototype as Record<string, unknown>;
  for (const name of Object.getOwnPropertyNames(proto)) {
    const fn = proto[name];
    if (name === 'constructor' || typeof fn !== 'function') continue;
    proto[name] = function (this: unknown, ...args: unknown[]) {
      try {
        return (fn as (...a: unknown[]) => unknown).apply(this, args);
      } catch (e) {
        if (!(e instanceof Error)) throw e;
        const kind = e instanceof TypeError ? 'TypeError' : e instanceof RangeError ? 'RangeError' : 'Error';
        throw Object.assign(make(kind, e.message), 'errno' in e ? { errno: (e as { errno: unknown }).errno } : {});
      }
    };
  }
  return cls;
}

/** What the pico-w board script does at boot with the module (kaluma-api.md §1, boot order 3). */
export function bootPicoW(global: Record<string, unknown>, module: PicoCyw43Module): void {
  global.__ieee80211dev = new module.PicoCYW43WIFI();
  global.__netdev = new module.PicoCYW43Network();
}
