// The runtime and the sim driver on the real engine: each behaviour script, built for target sim, runs on
// JerryScript 2.4 under the shell harness (Kaluma's timers over a virtual clock) and must log exactly
// what the same script logs on Node's own net (runner mode 'node').
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { build } from '../../cli/pipeline/build';
import { freePort, parseBehaviour, runBehaviour, SCRIPTS_DIR, type BehaviourLog } from '../behaviour/runner';
import { engineTests, explain, OUT_OF_MEMORY, runOnLoop, Scratch } from './jerry';

/** Scripts whose data does not fit the board's 180 KB JerryScript heap; they must still run out of it. */
const TOO_BIG: Record<string, string> = {};

/** Keys starting with "~" hold facts that differ between drivers by design; they are not compared. */
function compared(log: BehaviourLog): BehaviourLog {
  return Object.fromEntries(Object.entries(log).filter(([k]) => !k.startsWith('~')));
}

const scripts = readdirSync(SCRIPTS_DIR)
  .filter((f) => f.endsWith('.js'))
  .sort();
const scratch = new Scratch();
test.after(() => scratch.remove());

async function buildForSim(script: string, port: number): Promise<string> {
  const { program } = await build({ cwd: SCRIPTS_DIR, entry: script, target: 'sim', formats: ['js'], write: false, define: { __PORT__: String(port) } });
  return scratch.write(script, program);
}

const engineTest = engineTests(test, 'behaviour.test.ts');
const compare = scripts.filter((s) => !TOO_BIG[s]);
// The Node runs take real time (real sockets and timers): all of them at once, up front.
const nodeRuns = new Map<string, Promise<{ port: number; log: BehaviourLog }>>();
engineTest.before(() => {
  for (const s of compare) {
    const run = freePort().then(async (port) => ({ port, log: await runBehaviour(join(SCRIPTS_DIR, s), 'node', port) }));
    run.catch(() => {}); // its test reports the failure
    nodeRuns.set(s, run);
  }
});

engineTest('there are behaviour scripts', () => {
  assert.ok(scripts.length >= 5, `only ${scripts.length} scripts in ${SCRIPTS_DIR}`);
});

for (const script of compare) {
  engineTest(`${script}: the sim build logs on the engine what Node's net logs`, async () => {
    const { port, log: node } = await nodeRuns.get(script)!;
    const r = runOnLoop(await buildForSim(script, port));
    assert.is(r.run.status, 0, explain(r.run));
    assert.is(r.run.stderr, '', explain(r.run));
    assert.equal(r.end && { kind: r.end.kind, uncaught: r.end.uncaught }, { kind: 'DONE', uncaught: 0 }, explain(r.run));
    assert.equal(compared(parseBehaviour(r.output)), compared(node));
  });
}

for (const [script, why] of Object.entries(TOO_BIG)) {
  engineTest(`${script} ${why}: it runs out of the engine's heap (make it smaller, then compare it like the others)`, async () => {
    const r = runOnLoop(await buildForSim(script, await freePort()));
    assert.is(r.run.status, OUT_OF_MEMORY, `it no longer runs out of memory: drop it from TOO_BIG\n${explain(r.run)}`);
  });
}

test.run();
