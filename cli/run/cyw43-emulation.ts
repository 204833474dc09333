import { bootPicoW, createPicoCyw43Module, Cyw43Air, type PicoCyw43Module } from '../emulate/cyw43';
import type { Emulation } from './emulation';

/** pico-w / pico2-w: the firmware's native pico_cyw43 module, emulated, registered at boot. */
export function cyw43Emulation(networks: { ssid: string; password: string }[]): Emulation {
  const air = new Cyw43Air({ networks: networks.map((n) => ({ ssid: n.ssid, ...(n.password ? { password: n.password } : {}) })) });
  let module: PicoCyw43Module | undefined;
  return {
    modules: { pico_cyw43: (h) => (module ??= createPicoCyw43Module(h, air)) },
    boot: (sandbox) => bootPicoW(sandbox.global, sandbox.global.require('pico_cyw43') as PicoCyw43Module),
    close: () => air.close(),
  };
}
