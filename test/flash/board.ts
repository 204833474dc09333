// Test harness: an emulated Kaluma board on one end of a real pty pair; the code under test opens the other.
import { openEmulatedKaluma } from '../../cli/emulate/kaluma-device/serial';
import type { KalumaDevice, KalumaDeviceOptions } from '../../cli/emulate/kaluma-device/device';
import type { FlashTimeouts } from '../../cli/flash/timeouts';
import { openPtyPair } from './pty-pair';

export interface Board {
  /** The path the flasher opens. */
  port: string;
  device: KalumaDevice;
  close(): Promise<void>;
}

/** Device timing scaled down (the receiver's 1 s tick -> 80 ms, its 500 ms pause -> 40 ms) with flasher timeouts to match. */
export const FAST_DEVICE: KalumaDeviceOptions = { tickMs: 80, doneDelayMs: 40, eraseMs: 50, chatterMs: 20 };
export const FAST_TIMEOUTS: FlashTimeouts = { replyMs: 1500, eraseMs: 1000, gapMs: 20, startMs: 500, headerMs: 1000, blockMs: 250 };

export async function openBoard(options: KalumaDeviceOptions = {}): Promise<Board> {
  const pair = await openPtyPair();
  try {
    const emulated = await openEmulatedKaluma(pair.device, { ...FAST_DEVICE, ...options });
    return {
      port: pair.host,
      device: emulated.device,
      close: async () => {
        await emulated.close();
        await pair.close();
      },
    };
  } catch (e) {
    await pair.close();
    throw e;
  }
}

/** Printable ASCII with newlines, like a minified program; deterministic. */
export function sampleProgram(size: number, seed = 1): Buffer {
  const out = Buffer.alloc(size);
  let x = seed;
  for (let i = 0; i < size; i++) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    out[i] = i % 97 === 96 ? 0x0a : 0x20 + (x % 95);
  }
  return out;
}

export function withNul(program: Uint8Array): Buffer {
  return Buffer.concat([program, Buffer.from([0])]);
}

/** The faults the emulated board injected, in order. */
export function faultsOf(device: { events: string[] }): string[] {
  return device.events.filter((e) => e.startsWith('fault '));
}

export async function until(check: () => boolean, timeoutMs = 1000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 10));
  }
  return true;
}
