// Node's own net tests through `kaluma-net run` on host and sim (see conformance.ts). Skipped unless
// KALUMA_NET_NODE_TESTS names a directory of Node v20's test/parallel/test-net-*.js; never committed.
import { test as uvuTest } from 'uvu';
import * as assert from 'uvu/assert';
import { gated } from '../helpers/gated';
import { ENV, runAll, totals, type Outcome } from './conformance';

const dir = process.env[ENV];
const test = gated(uvuTest, !!dir, `node-net.test.ts: skipped: set ${ENV} to a directory of Node v20's test/parallel/test-net-*.js`);

test("Node's net tests pass through kaluma-net run on host and sim", async () => {
  const all: Outcome[] = await runAll(dir!, ['host', 'sim']);
  console.log(`node-net.test.ts: ${totals(all, ['host', 'sim'])}`);
  assert.ok(all.length > 0, `no test-net-*.js in ${dir}`);
  assert.equal(
    all.filter((o) => !o.pass).map((o) => `${o.where} ${o.test}: ${o.why}`),
    [],
  );
});

test.run();
