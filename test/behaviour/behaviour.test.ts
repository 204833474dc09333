// Every behaviour script gives the same event log as on Node's own net with our runtime on the host
// driver (real sockets) and on the sim driver, in plain Node. Keys starting with "~" hold facts that
// differ between drivers by design.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runBehaviour, SCRIPTS_DIR, type BehaviourLog } from './runner';

// In-process modes; the CLI modes (sim sandbox, emulated boards) are compared in boards.test.ts.
const MODES = ['node', 'host', 'sim'];
const scripts = readdirSync(SCRIPTS_DIR)
  .filter((f) => f.endsWith('.js'))
  .sort();
const results = new Map<string, Promise<BehaviourLog>>();

/** Runs everything up front, a few processes at a time. */
test.before(async () => {
  const jobs = scripts.flatMap((s) => MODES.map((m) => [s, m] as const));
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const [s, m] = jobs[next++];
      const p = runBehaviour(join(SCRIPTS_DIR, s), m);
      results.set(`${s} ${m}`, p);
      await p.catch(() => undefined);
    }
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
});

const compared = (log: BehaviourLog) => Object.fromEntries(Object.entries(log).filter(([k]) => !k.startsWith('~')));

test('there are scripts for every scenario of the issue', () => {
  for (const s of ['echo', 'half-close', 'destroy', 'refused', 'addrinuse', 'server-close', 'pause-resume', 'backpressure', 'binary']) {
    assert.ok(scripts.includes(s + '.js'), s);
  }
});

for (const s of scripts) {
  test(`${s}: every mode's log equals Node's`, async () => {
    const node = await results.get(`${s} node`)!;
    assert.not.ok('unfinished' in node, 'the scenario finished on Node');
    for (const m of MODES) if (m !== 'node') assert.equal(compared(await results.get(`${s} ${m}`)!), compared(node), m);
  });
}

test('backpressure.js: with the sim driver\'s small buffers, write() did say false and drain followed', async () => {
  const log = (await results.get('backpressure.js sim')!)['~backpressure'] as Record<string, { falses: number; drains: number }>;
  for (const who of ['writer', 'echoClient']) {
    assert.ok(log[who].falses > 0, who);
    assert.is(log[who].drains, log[who].falses, who);
  }
});

test.run();
