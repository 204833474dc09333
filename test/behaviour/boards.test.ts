// The behaviour scripts through the real CLI: built by our pipeline, run in the Kaluma sandbox on the
// sim target and on every emulated board (the target's real driver against its emulated hardware).
// Where a board's firmware or modem makes Node's behaviour impossible, the documented behaviour is
// asserted instead (README: "What differs on each board").
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runBehaviour, runCli, SCRIPTS_DIR, freePort, type BehaviourLog } from './runner';

const scripts = readdirSync(SCRIPTS_DIR).filter((f) => f.endsWith('.js')).sort();
const compared = (log: BehaviourLog) => Object.fromEntries(Object.entries(log).filter(([k]) => !k.startsWith('~')));
type Outcome = { log?: BehaviourLog; error?: string };

/** Node's log, or, when the peer's FIN reached the board before it had answered everything, the
 *  documented EPIPE of boards that cannot half-close (which of the two depends on timing). */
const equalOrEpipe = (o: Outcome, node: BehaviourLog) => {
  if (o.log) assert.equal(compared(o.log), compared(node));
  else assert.match(o.error ?? '', /Uncaught Error: write EPIPE/);
};

/** Scripts whose board behaviour differs from Node by design, with the check that replaces equality. */
const DIFFERS: Record<string, Record<string, (o: Outcome, node: BehaviourLog) => void>> = {
  'pico-esp01': {
    // AT has no half-close: the link closes both ways once the peer ends, so later writes fail.
    'half-close.js': (o) => assert.match(o.error ?? '', /Uncaught Error: write EPIPE/),
    // The UART carries about 11.5 KB/s each way at 115200 baud (run paces it as the line does), so
    // the script's watchdog is sized for it; the echo's end races the link's close as in binary.js.
    'backpressure.js': equalOrEpipe,
    // The client end()s right after writing what the server echoes; the echo races the link's close.
    'binary.js': equalOrEpipe,
    // end() closes the link at once, so the last server-side 'close' comes after the script's report.
    'server-close.js': (o, node) => {
      const server = node.server as string[];
      assert.equal(compared(o.log!), { ...compared(node), server: server.slice(0, -1) });
    },
  },
  'pico-w': {
    // The firmware does not tell an accepted socket its peer's address.
    'echo.js': (o, node) => {
      const server = (node.server as string[]).map((l) => l.replace('connection 127.0.0.1', 'connection 0.0.0.0'));
      assert.equal(compared(o.log!), { ...compared(node), server });
    },
    // A peer's FIN closes the firmware socket completely: writing after 'end' fails.
    'half-close.js': (o) => assert.match(o.error ?? '', /Uncaught Error: write EPIPE/),
    'backpressure.js': equalOrEpipe,
    // One client at a time: the second connection waits while the first is open, so a script that
    // needs two concurrent server connections stops at its watchdog with exactly this log.
    'server-close.js': (o) => assert.equal(o.log, { server: ['connection 1'], client1: ['connect'], client2: ['connect'], client3: [], unfinished: 'watchdog' }),
    // Refusals are never reported by the firmware: the adapter's connect timeout gives ETIMEDOUT
    // (checked below with a short timeout); with the default 10 s the script's watchdog fires first.
    'refused.js': (o) => assert.equal(o.log, { client: ['created opening'], unfinished: 'watchdog' }),
  },
};

const MODES = ['sim-sandbox', 'w5500-evb-pico', 'pico-esp01', 'pico-w'];
const outcomes = new Map<string, Promise<Outcome>>();
const nodeLogs = new Map<string, Promise<BehaviourLog>>();

test.before(async () => {
  const jobs = scripts.flatMap((s) => MODES.map((m) => [s, m] as const));
  for (const s of scripts) nodeLogs.set(s, runBehaviour(join(SCRIPTS_DIR, s), 'node'));
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const [s, m] = jobs[next++];
      const p = runBehaviour(join(SCRIPTS_DIR, s), m).then(
        (log) => ({ log }),
        (e: Error) => ({ error: e.message }),
      );
      outcomes.set(`${s} ${m}`, p);
      await p;
    }
  };
  await Promise.all([worker(), worker(), worker()]);
});

for (const mode of MODES) {
  test(`${mode}: every behaviour script logs what Node's net logs (or the board's documented difference)`, async () => {
    for (const s of scripts) {
      const o = await outcomes.get(`${s} ${mode}`)!;
      const node = await nodeLogs.get(s)!;
      const differs = DIFFERS[mode]?.[s];
      try {
        if (differs) differs(o, node);
        else {
          assert.ok(o.log, o.error);
          assert.equal(compared(o.log!), compared(node));
        }
      } catch (e) {
        (e as Error).message = `${mode} ${s}: ${(e as Error).message}`;
        throw e;
      }
    }
  });
}

test('pico-w: a refused connection fails with ECONNREFUSED at the adapter connect timeout, as in Node', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kn-cyw43-'));
  writeFileSync(join(dir, 'kaluma-net.json'), JSON.stringify({ netdev: { connectTimeout: 1500 } }));
  const script = join(SCRIPTS_DIR, 'refused.js');
  const port = await freePort();
  const [ours, node] = await Promise.all([runCli('pico-w', true, 40000, dir)(script, port), runBehaviour(script, 'node', port)]);
  assert.equal(compared(ours), compared(node));
});

test("pico-w: an answer written in 'data' reaches a peer that sent its data and FIN at once, as in Node", async () => {
  // The firmware closes the connection in the same poll that brings the FIN, so the bytes must reach
  // the 'data' handler inside the firmware's read_cb, after the events queued before them (it used to
  // fail with EPIPE, the peer got nothing).
  const dir = mkdtempSync(join(tmpdir(), 'kn-cyw43-'));
  const script = join(dir, 'answer.js');
  writeFileSync(
    script,
    `import * as net from 'net';
// A board busy 100 ms a pass: the connection's establishment, the data and the FIN come in one poll.
const busy = setInterval(() => { const t = Date.now(); while (Date.now() - t < 100); }, 1);
const log = [];
const c = net.createConnection({ port: __PORT__, host: '127.0.0.1' });
c.on('data', (d) => { log.push('data ' + new TextDecoder().decode(d)); c.write('pong ' + new TextDecoder().decode(d)); });
c.on('error', (e) => log.push('error ' + e.code));
c.on('end', () => log.push('end'));
c.on('close', (hadError) => { clearInterval(busy); log.push('close ' + hadError); console.log('BEHAVIOUR ' + JSON.stringify({ client: log })); });
`,
  );
  const peer = async (mode: (script: string, port: number) => Promise<BehaviourLog>) => {
    const got: string[] = [];
    const server = createServer((s) => {
      let text = '';
      s.on('data', (d) => (text += d));
      s.on('end', () => got.push(text));
      s.end('ping');
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    try {
      const log = await mode(script, (server.address() as AddressInfo).port);
      return { log, got };
    } finally {
      server.close();
    }
  };
  const [ours, node] = await Promise.all([peer(runCli('pico-w', true, 40000, dir)), peer((s, p) => runBehaviour(s, 'node', p))]);
  assert.equal(node, { log: { client: ['data ping', 'end', 'close false'] }, got: ['pong ping'] });
  assert.equal(ours, node);
});

test.run();
