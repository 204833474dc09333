import { measureMemory } from 'node:vm';
import type { RunningProgram } from './run-program';

/**
 * --heap-limit: samples the memory V8 attributes to the sandbox context and reports (does not
 * enforce) when it exceeds the target's JerryScript heap. V8 object sizes differ from
 * JerryScript's, so this is an early warning, not the board's figure.
 */
export function reportHeap(running: RunningProgram, write = (t: string) => process.stderr.write(t)): () => void {
  quietMeasureMemoryWarning();
  const limit = running.result.target.heapSize;
  let reported = false;
  let peak = 0;
  const sample = async () => {
    const m = (await measureMemory({ mode: 'detailed', execution: 'eager' })) as unknown as { other?: { jsMemoryEstimate: number }[]; current: { jsMemoryEstimate: number } };
    const used = (m.other ?? []).reduce((a, o) => Math.max(a, o.jsMemoryEstimate), 0);
    peak = Math.max(peak, used);
    if (used > limit && !reported) {
      reported = true;
      write(`kaluma-net: heap: the program holds about ${used} bytes, more than the ${limit}-byte heap of ${running.result.target.id}\n`);
    }
  };
  const timer = setInterval(() => void sample(), 1000);
  timer.unref();
  void sample();
  return () => {
    clearInterval(timer);
    write(`kaluma-net: heap: peak about ${peak} bytes of the ${limit}-byte heap of ${running.result.target.id} (V8 estimate)\n`);
  };
}

/** vm.measureMemory is "experimental" in Node 20; its one-time warning would read as the program's. */
function quietMeasureMemoryWarning(): void {
  const listeners = process.listeners('warning');
  process.removeAllListeners('warning');
  process.on('warning', (w) => {
    if (w.name === 'ExperimentalWarning' && /measureMemory/.test(w.message)) return;
    for (const l of listeners) l(w);
  });
}
