import type { SpiDevice, UartDevice } from '../emulate/devices';
import type { Target } from '../targets/target';
import type { Sandbox } from './sandbox';
import type { SandboxHelpers } from './sandbox-realm';

export interface EmulationOptions {
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

export async function emulationFor(target: Target, _options: EmulationOptions): Promise<Emulation> {
  throw new Error(`--emulate: no emulation for target ${target.id} yet`);
}
