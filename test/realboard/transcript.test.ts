// The committed firmware transcript (test/flash/data/), which the emulated board is held to, checked
// against the real Kaluma 1.2.1 firmware again: the same steps must get the same bytes.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { gated } from '../helpers/gated';
import type { Transcript } from '../flash/transcript';
import { benchEnv } from './rp2040-bench';
import { readSteps, recordTranscript, TRANSCRIPT } from './record-transcript';

const found = benchEnv();
const realTest = gated(test, !('skip' in found), 'skip' in found ? found.skip : '');

realTest('real firmware: every step of the committed transcript gets the same bytes', async () => {
  const committed = JSON.parse(readFileSync(TRANSCRIPT, 'utf8')) as Transcript;
  const steps = readSteps();
  assert.is(committed.steps.length, steps.length, 'the transcript is recorded from repl-steps.json');
  await recordTranscript(found as Exclude<typeof found, { skip: string }>, steps, (i, rx) => {
    const step = committed.steps[i];
    assert.is(JSON.stringify(rx), JSON.stringify(step.rx), `step ${i} ${JSON.stringify(step.tx ?? step.block).slice(0, 60)}`);
  });
});

realTest.run();
