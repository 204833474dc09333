import type { Test } from 'uvu';

const said = new Set<string>();

/**
 * Tests that need something a machine may lack (the real engine, socat, ...). When it is there this
 * is `test` itself; otherwise a stand-in of the same shape that registers each test with uvu's
 * `test.skip`, so the run's "Skipped:" total counts it, runs no hook, and prints `reason` once.
 * Decided when the file loads: uvu counts only skips registered before the suite runs.
 */
export function gated(test: Test, available: boolean, reason: string): Test {
  if (available) return test;
  if (!said.has(reason)) {
    said.add(reason);
    console.log(reason);
  }
  const skip = (name: string) => test.skip(name);
  const noHook = Object.assign(() => undefined, { each: () => undefined });
  return Object.assign(skip, { only: skip, skip, before: noHook, after: noHook, run: () => test.run() }) as unknown as Test;
}
