import type { SpiDevice, UartDevice } from '../emulate/devices';
import { EspAtModem } from '../emulate/esp-at/modem';
import { W5500Chip } from '../emulate/w5500';
import type { Target } from '../targets/target';
import type { Sandbox } from './sandbox';
import type { SandboxHelpers } from './sandbox-realm';

/** The Wi-Fi network emulated boards see when the user gave no credentials. */
export const EMULATED_WIFI = { WIFI_SSID: 'kaluma-net-emulated', WIFI_PASSWORD: 'emulated-network' };

export interface EmulationOptions {
  /** Storage-slot style credentials (WIFI_SSID/WIFI_PASSWORD) the emulated access point accepts. */
  wifi: Record<string, string>;
}

/** The emulated hardware of a board target, wired into the sandbox. */
export interface Emulation {
  modules?: Record<string, (h: SandboxHelpers) => unknown>;
  uart?: (bus: number) => UartDevice | undefined;
  spi?: (bus: number) => SpiDevice | undefined;
  /** What the firmware's board script does before the program runs. */
  boot?: (sandbox: Sandbox) => void;
  close(): void | Promise<void>;
}

function num(v: unknown, what: string): number {
  if (typeof v !== 'number') throw new Error(`target netdev.${what} must be a number`);
  return v;
}

export async function emulationFor(target: Target, options: EmulationOptions): Promise<Emulation> {
  const nd = target.netdev;
  const networks = [{ ssid: options.wifi.WIFI_SSID, password: options.wifi.WIFI_PASSWORD ?? '' }];
  switch (nd?.driver) {
    case 'esp-at': {
      const uart = nd.uart as { bus: number };
      const modem = new EspAtModem({ networks });
      return { uart: (bus) => (bus === num(uart.bus, 'uart.bus') ? modem : undefined), close: () => modem.close() };
    }
    case 'w5500': {
      const spi = nd.spi as { bus: number; cs: number };
      const chip = new W5500Chip({ onWarning: (m) => process.stderr.write(`kaluma-net: w5500 emulator: ${m}\n`) });
      return {
        spi: (bus) => (bus === num(spi.bus, 'spi.bus') ? chip : undefined),
        boot: (sandbox) => chip.attach(sandbox.pins, { cs: spi.cs, rst: num(nd.reset, 'reset'), int: num(nd.interrupt, 'interrupt') }),
        close: () => chip.close(),
      };
    }
    case 'cyw43': {
      const { cyw43Emulation } = await import('./cyw43-emulation');
      return cyw43Emulation(networks);
    }
    default:
      throw new Error(`--emulate: target ${target.id} has no emulated network hardware`);
  }
}
