// How long the flasher waits for a real board, and the one knob that stretches it.
import { UserError } from '../util/errors';
import type { ReplTimeouts } from './kaluma-repl';
import type { YmodemTimeouts } from './ymodem-sender';

export interface FlashTimeouts extends ReplTimeouts, YmodemTimeouts {}

/** Sized for a real RP2040 board on USB. */
export const DEFAULT_TIMEOUTS: FlashTimeouts = {
  replyMs: 3000,
  eraseMs: 30000,
  gapMs: 100,
  startMs: 5000,
  headerMs: 30000,
  blockMs: 3000,
};

export const TIME_SCALE_VAR = 'KALUMA_NET_SERIAL_TIME_SCALE';

/**
 * The defaults, multiplied by KALUMA_NET_SERIAL_TIME_SCALE when it is set (an emulated RP2040 runs the
 * real firmware several times slower than real time), then the caller's own values.
 */
export function flashTimeouts(overrides: Partial<FlashTimeouts> = {}): FlashTimeouts {
  const raw = process.env[TIME_SCALE_VAR];
  const scale = raw === undefined || raw === '' ? 1 : Number(raw);
  if (!(scale > 0) || !Number.isFinite(scale)) throw new UserError(`${TIME_SCALE_VAR}=${raw}: expected a positive number`);
  const scaled = Object.fromEntries(Object.entries(DEFAULT_TIMEOUTS).map(([k, v]) => [k, Math.round(v * scale)])) as unknown as FlashTimeouts;
  return { ...scaled, ...overrides };
}
