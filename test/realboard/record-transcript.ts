// Records what the real Kaluma 1.2.1 firmware answers to each step of test/flash/data/repl-steps.json
// (the REPL's line editor, commands, the issue-15 failure modes, a YMODEM session).
// test/flash/emulator-transcript.test.ts holds the emulator to the committed recording and
// transcript.test.ts holds the firmware to it. To record it again (needs the bench, see rp2040-bench.ts):
//   node --import tsx test/realboard/record-transcript.ts
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SerialLink } from '../../cli/flash/serial-link';
import { benchEnv, startBench, type BenchEnv } from './rp2040-bench';
import { stepBytes, type Step, type Transcript } from '../flash/transcript';

export const DATA = join(__dirname, '../flash/data');
export const TRANSCRIPT = join(DATA, 'kaluma-1.2.1-transcript.json');
/** Wall time without output after which a step's answer counts as complete (the bench is slow). */
const QUIET_MS = 4000;

export function readSteps(): Step[] {
  return JSON.parse(readFileSync(join(DATA, 'repl-steps.json'), 'utf8')) as Step[];
}

/** Boot the firmware and replay `steps`; `onStep` sees each answer as it comes. */
export async function recordTranscript(env: BenchEnv, steps: Step[], onStep?: (i: number, rx: string) => void): Promise<Transcript> {
  const bench = await startBench(env);
  const link = await SerialLink.open(bench.port);
  const out: Transcript = { firmware: 'kaluma-rp2-pico-1.2.1', steps: [] };
  try {
    // The bench pressed Enter when USB connected: the first prompt.
    await link.expect(/\x1b\[6n\x1b8\x1b\[2C/, 60000, 'first prompt');
    link.discard();
    for (const [i, step] of steps.entries()) {
      await link.write(stepBytes(step));
      if (step.until) {
        const until = new RegExp(step.until);
        while (!until.test(link.peek().toString('latin1'))) {
          if (!(await link.waitForLength(link.peek().length + 1, 120000))) throw new Error(`step ${i}: no ${step.until}`);
        }
      } else {
        let size = -1;
        while (link.peek().length !== size) {
          size = link.peek().length;
          await link.waitForLength(size + 1, QUIET_MS);
        }
      }
      const rx = link.peek().toString('latin1');
      link.discard();
      out.steps.push({ ...step, rx });
      onStep?.(i, rx);
    }
  } finally {
    await link.close();
    await bench.stop();
  }
  return out;
}

if (require.main === module) {
  const env = benchEnv();
  if ('skip' in env) {
    process.stderr.write(`${env.skip}\n`);
    process.exit(1);
  }
  recordTranscript(env, readSteps(), (i, rx) => process.stderr.write(`${i}: ${JSON.stringify(rx).slice(0, 120)}\n`))
    .then((t) => writeFileSync(TRANSCRIPT, JSON.stringify(t, null, 1) + '\n'))
    .catch((e: Error) => {
      process.stderr.write(`${e.stack}\n`);
      process.exit(1);
    });
}
