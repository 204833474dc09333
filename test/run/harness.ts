// A sandbox for the event-loop and peripheral tests: output, callback errors and warnings
// recorded; run(code) boots the program as the board does.
import { createSandbox, type Sandbox } from '../../cli/run/sandbox';
import { loadTarget } from '../../cli/targets/load';
import type { SpiDevice, UartDevice } from '../../cli/emulate/devices';

export interface Board {
  sb: Sandbox;
  out(): string;
  errors: unknown[];
  uncaught: unknown[];
  warnings: string[];
  /** Resolves once the loop has nothing left to do (or after `maxMs`). */
  idle(maxMs?: number): Promise<void>;
  stop(): void;
}

export function board(opts: { target?: string; uart?: UartDevice; spi?: SpiDevice; code?: string } = {}): Board {
  let out = '';
  const errors: unknown[] = [];
  const uncaught: unknown[] = [];
  const warnings: string[] = [];
  const sb = createSandbox({
    target: loadTarget(opts.target ?? 'pico'),
    stdout: (t) => (out += t),
    onUncaught: (e) => uncaught.push(e),
    onError: (e) => errors.push(e),
    onWarning: (m) => warnings.push(m),
    uart: (bus) => (bus === 0 ? opts.uart : undefined),
    spi: (bus) => (bus === 0 ? opts.spi : undefined),
  });
  if (opts.code !== undefined) sb.run('"use strict";\n' + opts.code, 'app.js');
  return {
    sb,
    out: () => out,
    errors,
    uncaught,
    warnings,
    async idle(maxMs = 2000) {
      const until = Date.now() + maxMs;
      while (sb.loop.busy() && Date.now() < until) await new Promise((r) => setTimeout(r, 5));
    },
    stop: () => sb.shutdown(),
  };
}

/** A UART device the test drives: `send()` puts bytes on the line to the board. */
export function uartDevice(): UartDevice & { sent: number[][]; send(bytes: string | number[]): void } {
  let listener: (d: Uint8Array) => void = () => undefined;
  const dev = {
    sent: [] as number[][],
    write: (d: Uint8Array) => void dev.sent.push([...d]),
    onData: (l: (d: Uint8Array) => void) => void (listener = l),
    close: () => undefined,
    send: (bytes: string | number[]) => listener(typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : Uint8Array.from(bytes)),
  };
  return dev;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
