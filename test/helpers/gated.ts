import type { Test } from 'uvu';

/** Skipped tests by reason, for test/run.cjs's summary (shared by every suite of one run). */
const skipped: Map<string, number> = ((globalThis as { __kalumaNetSkipped?: Map<string, number> }).__kalumaNetSkipped ??= new Map());

/**
 * Tests that need something a machine may lack (the real engine, socat, ...). When it is there this
 * is `test` itself; otherwise a stand-in of the same shape that registers each test with uvu's
 * `test.skip`, so the run's "Skipped:" total counts it, runs no hook, and prints `reason` once.
 * Decided when the file loads: uvu counts only skips registered before the suite runs.
 */
export function gated(test: Test, available: boolean, reason: string): Test {
  if (available) return test;
  if (!skipped.has(reason)) {
    skipped.set(reason, 0);
    console.log(reason);
  }
  const skip = (name: string) => {
    skipped.set(reason, skipped.get(reason)! + 1);
    test.skip(name);
  };
  const noHook = Object.assign(() => undefined, { each: () => undefined });
  return Object.assign(skip, { only: skip, skip, before: noHook, after: noHook, run: () => test.run() }) as unknown as Test;
}
