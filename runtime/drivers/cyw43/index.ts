// The Pico W / Pico 2 W network driver: an adapter that turns the firmware's native CYW43 netdev
// (PicoCYW43Network, quirks in kaluma-platform.md §6.1) into the netdev contract, plus Wi-Fi
// bring-up with the firmware's ieee80211 driver (wifi.ts). Behaviour choices are documented in cyw43.md.
import type { Ieee80211dev } from '../../netdev-contract';
import { setConnectTimeout } from './client';
import { startAdapter } from './core';
import type { Cyw43Config, Cyw43Handle, NativeNetdev } from './types';
import { startLink, stopLink } from './wifi';

export type { Cyw43Config, Cyw43Handle, Cyw43Netdev } from './types';

/** Wraps the firmware's `global.__netdev` (the pico-w board script installs it) and starts
 *  joining Wi-Fi. Returns the installed netdev and a stop() for the Wi-Fi retries. */
export function install(config: Cyw43Config = {}): Cyw43Handle {
  const native = (global as any).__netdev as NativeNetdev | undefined;
  const wifi = (global as any).__ieee80211dev as Ieee80211dev | undefined;
  if (!native || typeof native.socket !== 'function' || !wifi || typeof wifi.connect !== 'function') {
    throw new Error('cyw43: the firmware CYW43 drivers are missing (global.__netdev / global.__ieee80211dev); this program needs a pico-w or pico2-w board');
  }
  if (globalThis.KN_CLIENT !== false) setConnectTimeout(config.connectTimeout);
  const netdev = startAdapter(native, config);
  (global as any).__netdev = netdev;
  startLink(wifi, config);
  return { netdev, stop: stopLink };
}
