// The steps replayed on the real firmware (test/realboard/record-transcript.ts) and on the emulator
// (emulator-transcript.test.ts): text typed at the REPL, or a YMODEM packet.
import { ymodemHeader, ymodemPacket } from '../../cli/flash/ymodem-sender';

export type Block = { header: string; size: number } | { seq: number; text: string } | 'eot' | 'end';

export interface Step {
  /** Bytes typed (latin1). */
  tx?: string;
  /** A YMODEM packet sent instead. */
  block?: Block;
  /** Wait for this pattern (regex source) instead of for quiet. */
  until?: string;
  /** Why the step is there. */
  note?: string;
}

export interface Transcript {
  firmware: string;
  steps: (Step & { rx: string })[];
}

export function stepBytes(step: Step): Uint8Array {
  const b = step.block;
  if (b === undefined) return Buffer.from(step.tx ?? '', 'latin1');
  if (b === 'eot') return Uint8Array.of(0x04);
  if (b === 'end') return ymodemPacket(0, new Uint8Array(1024));
  if ('header' in b) return ymodemHeader(b.header, b.size);
  return ymodemPacket(b.seq, Buffer.from(b.text, 'latin1'));
}
