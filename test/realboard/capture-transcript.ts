// Records what the real Kaluma 1.2.1 firmware answers to each step of test/flash/data/repl-steps.json
// (the REPL's line editor, commands, the issue-15 failure modes, a YMODEM session) into
// test/flash/data/kaluma-1.2.1-transcript.json, which test/flash/emulator-transcript.test.ts holds
// the emulator to. Needs the bench (see rp2040-bench.ts):
//   node --import tsx test/realboard/capture-transcript.ts
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SerialLink } from '../../cli/flash/serial-link';
import { benchEnv, startBench } from './rp2040-bench';
import { stepBytes, type Step, type Transcript } from '../flash/transcript';

const DATA = join(__dirname, '../flash/data');
/** Wall time without output after which a step's answer counts as complete (the bench is slow). */
const QUIET_MS = 4000;

async function main(): Promise<void> {
  const env = benchEnv();
  if ('skip' in env) throw new Error(env.skip);
  const steps = JSON.parse(readFileSync(join(DATA, 'repl-steps.json'), 'utf8')) as Step[];
  const bench = await startBench(env);
  const link = await SerialLink.open(bench.port);
  const out: Transcript = { firmware: 'kaluma-rp2-pico-1.2.1', steps: [] };
  try {
    // The bench pressed Enter when USB connected: the first prompt.
    await link.expect(/\x1b\[6n\x1b8\x1b\[2C/, 60000, 'first prompt');
    link.discard();
    for (const step of steps) {
      await link.write(stepBytes(step));
      if (step.until) {
        const until = new RegExp(step.until);
        while (!until.test(link.peek().toString('latin1'))) {
          if (!(await link.waitForLength(link.peek().length + 1, 120000))) throw new Error(`no ${step.until}`);
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
      process.stderr.write(`${JSON.stringify(step.tx ?? step.block)} -> ${JSON.stringify(rx).slice(0, 120)}\n`);
    }
  } finally {
    await link.close();
    await bench.stop();
  }
  writeFileSync(join(DATA, 'kaluma-1.2.1-transcript.json'), JSON.stringify(out, null, 1) + '\n');
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack}\n`);
  process.exit(1);
});
