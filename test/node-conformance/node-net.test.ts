// Node's own net tests through `kaluma-net run` on host and sim, and built for sim on the real engine
// (see conformance.ts). Skipped unless KALUMA_NET_NODE_TESTS names a directory of Node v20's
// test/parallel/test-net-*.js (never committed); the engine run also needs KALUMA_NET_TEST_JERRY.
import { test as uvuTest } from 'uvu';
import * as assert from 'uvu/assert';
import { gated } from '../helpers/gated';
import { JERRY, JERRY_ENV } from '../engine/jerry';
import { ENV, runAll, totals, type Outcome } from './conformance';

/** Tests that need more than a board's 180 KB JerryScript heap: they must fail by running out of it
 *  (the engine's exit status 10), not otherwise. */
const BEYOND_THE_HEAP: Record<string, string> = {
  'test-net-large-string.js': "a 40960-character string of 3-byte characters, its 120 KB of UTF-8 and the peer's copy",
  'test-net-connect-options-port.js': '72 connections open at once (144 sockets; about 1.4 KB of heap each)',
};

const dir = process.env[ENV];
const why = `node-net.test.ts: skipped: set ${ENV} to a directory of Node v20's test/parallel/test-net-*.js`;
const test = gated(uvuTest, !!dir, why);
const engineTest = gated(uvuTest, !!dir && !!JERRY, dir ? `node-net.test.ts: engine run skipped: set ${JERRY_ENV}` : why);

const failures = (all: Outcome[]) => all.filter((o) => !o.pass).map((o) => `${o.where} ${o.test}: ${o.why}`);

test("Node's net tests pass through kaluma-net run on host and sim", async () => {
  const all = await runAll(dir!, ['host', 'sim']);
  console.log(`node-net.test.ts: ${totals(all, ['host', 'sim'])}`);
  assert.ok(all.length > 0, `no test-net-*.js in ${dir}`);
  assert.equal(failures(all), []);
});

engineTest("Node's net tests pass on the real engine (built for sim), except those beyond a board's heap", async () => {
  const all = await runAll(dir!, ['jerry']);
  console.log(`node-net.test.ts: ${totals(all, ['jerry'])} (${Object.keys(BEYOND_THE_HEAP).length} beyond the heap by design)`);
  const unexpected = all.filter((o) => !o.pass !== (o.test in BEYOND_THE_HEAP) || (!o.pass && !/^status 10 /.test(o.why)));
  assert.equal(failures(unexpected), []);
});

test.run();
