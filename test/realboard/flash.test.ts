// `kaluma-net flash`, `erase` and `monitor` (the CLI as a child process) against the REAL Kaluma 1.2.1
// firmware running in the rp2040 bench, its USB-CDC console on a pty. Skips, saying so, without
// KALUMA_NET_TEST_FIRMWARE, KALUMA_NET_TEST_BOOTROM and KALUMA_NET_TEST_RP2040_BENCH.
// Each boot costs tens of wall seconds, so one board goes through every serial step in order.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { join } from 'node:path';
import { EspAtModem } from '../../cli/emulate/esp-at/modem';
import { SerialLink } from '../../cli/flash/serial-link';
import { cli, cliAsync, freePort, project } from '../helpers/cli';
import { gated } from '../helpers/gated';
import { BENCH_TIME_SCALE, benchEnv, startBench, type Bench } from './rp2040-bench';

const found = benchEnv();
const env = 'skip' in found ? null : found;
const realTest = gated(test, env !== null, 'skip' in found ? found.skip : '');
const SCALE = { KALUMA_NET_SERIAL_TIME_SCALE: String(BENCH_TIME_SCALE) };
/** The slowest step (a 32 KB template: ~30 s on the bench) times a margin for a loaded machine. */
const CLI_LIFE_MS = 600000;

const TICKER = 'let n = 0;\nsetInterval(() => console.log("tick " + n++), 300);\n';
const BUSY = 'console.log("busy");\nwhile (true) {}\n';

async function kn(args: string[], cwd: string, stdin?: string) {
  const run = cliAsync(args, cwd, SCALE, CLI_LIFE_MS);
  if (stdin !== undefined) run.child.stdin.end(stdin);
  return run.done;
}

/** What `kaluma-net monitor` shows within `ms` of (scaled) output, exiting with Ctrl-] when `until` shows. */
async function monitor(port: string, cwd: string, until: RegExp, flags: string[] = []): Promise<string> {
  const run = cliAsync(['monitor', '--port', port, ...flags], cwd, SCALE, CLI_LIFE_MS);
  const deadline = Date.now() + 180000;
  while (!until.test(run.stdout) && Date.now() < deadline && run.child.exitCode === null) await new Promise((r) => setTimeout(r, 200));
  run.child.stdin.end('\x1d');
  const r = await run.done;
  assert.is(r.status, 0, r.stderr);
  return r.stdout;
}

/** `.flash -s` and `.flash -r` typed in `kaluma-net monitor`, as a user would. */
async function stored(port: string, cwd: string): Promise<{ size: number; dump: string }> {
  const run = cliAsync(['monitor', '--port', port], cwd, SCALE, CLI_LIFE_MS);
  run.child.stdin.write('.flash -s\n');
  const prompt = '\x1b[0m\r\x1b7> \x1b[H\x1b[900C\x1b[6n\x1b8\x1b[2C';
  const sizeAnswer = new RegExp(`\\.flash -s\\r\\n(\\d+)\\r\\n${escape(prompt)}`);
  while (!sizeAnswer.test(run.stdout) && run.child.exitCode === null) await new Promise((r) => setTimeout(r, 200));
  const size = Number(sizeAnswer.exec(run.stdout)![1]);
  run.child.stdin.write('.flash -r\n');
  const dumpAnswer = new RegExp(`\\.flash -r\\r\\n([^]*?)\\r\\n${escape(prompt)}`);
  while (!dumpAnswer.test(run.stdout) && run.child.exitCode === null) await new Promise((r) => setTimeout(r, 200));
  const dump = dumpAnswer.exec(run.stdout)![1];
  run.child.stdin.end('\x1d');
  await run.done;
  return { size, dump };
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Type `text` on the console and leave it there (a user who walked away, a killed tool). */
async function typeAndLeave(port: string, text: string): Promise<void> {
  const link = await SerialLink.open(port);
  await link.write(text);
  await link.waitForLength(1, 5000);
  await link.close();
}

realTest('real firmware: the tcp-client template after a half-typed line, monitor, read-back, flash while printing, YMODEM left open, busy loop, erase', async () => {
  const dir = project({ 'tick.js': TICKER, 'busy.js': BUSY });
  for (const entry of ['tick.js', 'busy.js']) {
    const built = cli(['build', entry, '--target', 'pico'], dir);
    assert.is(built.status, 0, built.stderr);
  }
  const tick = readFileSync(join(dir, 'dist/tick.js'));
  // The template as a user gets it, for the Pico + ESP-01 (an emulated modem on the bench's UART0,
  // joining any network, its sockets on this machine's loopback, where an echo server waits).
  const echo = createServer((s) => s.pipe(s));
  await new Promise<void>((r) => echo.listen(0, '127.0.0.1', () => r()));
  const echoPort = (echo.address() as { port: number }).port;
  const app = join(dir, 'app');
  const init = cli(['init', app, '--template', 'tcp-client', '--target', 'pico-esp01'], dir);
  assert.is(init.status, 0, init.stderr);
  const config = JSON.parse(readFileSync(join(app, 'kaluma-net.json'), 'utf8'));
  writeFileSync(join(app, 'kaluma-net.json'), JSON.stringify({ ...config, define: { __PORT__: String(echoPort) } }));
  writeFileSync(join(app, '.env'), 'KALUMA_NET_WIFI_SSID=bench\nKALUMA_NET_WIFI_PASSWORD=bench-password\n', { mode: 0o600 });

  const uart0 = await freePort();
  const board: Bench = await startBench(env!, { uart0Tcp: uart0 });
  const modem = new EspAtModem({});
  const wire = connect(uart0, '127.0.0.1');
  modem.onData((d) => wire.write(d));
  wire.on('data', (d) => modem.write(d));
  wire.on('error', () => undefined);
  try {
    // A half-typed line that would erase the program if it ever ran.
    await typeAndLeave(board.port, '.flash -e ');
    let t = Date.now();
    const first = await kn(['flash', '--port', board.port], app);
    assert.is(first.status, 0, first.stderr);
    assert.match(first.stdout, /^flashed dist\/index\.js to \S+ \(Kaluma v1\.2\.1\): \d+ bytes in [\d.]+ s, size and read-back verified, program started\n$/);
    const program = readFileSync(join(app, 'dist/index.js'));
    console.log(`    flash of the tcp-client template (${program.length} bytes) on the bench: ${((Date.now() - t) / 1000).toFixed(1)} s wall`);
    // Its output, whether the emulated network answers or not.
    const out = await monitor(board.port, dir, /(connected to|error: )[^\r]*\r\n/);
    const said = /\x1b\[2K\r\x1b\[0m(connected to 127\.0\.0\.1:\d+|error: \w+ [^\r]*)\r\n/.exec(out);
  assert.ok(said, `the template prints on the console: ${JSON.stringify(out.slice(-300))}`);
  console.log(`    the template printed: ${said[1]}`);

    const s = await stored(board.port, dir);
    assert.is(s.size, program.length);
    assert.is(s.dump, program.toString('latin1').replace(/\n/g, '\r\n'), '.flash -r is the program');

    const ticker = await kn(['flash', 'dist/tick.js', '--port', board.port], dir);
    assert.is(ticker.status, 0, ticker.stderr);
    const ticks = await monitor(board.port, dir, /tick 2\r\n/);
    assert.match(ticks, /\x1b\[2K\r\x1b\[0mtick \d+\r\n/, 'a program built by kaluma-net prints on the console');

    // The ticker is still printing: flash the busy loop over it, and start it.
    t = Date.now();
    const busy = await kn(['flash', 'dist/busy.js', '--port', board.port], dir);
    assert.is(busy.status, 0, busy.stderr);
    console.log(`    flash while a program prints: ${((Date.now() - t) / 1000).toFixed(1)} s wall`);

    // A YMODEM receiver left open on top of a board whose JavaScript never yields (only Ctrl+C stops it).
    await typeAndLeave(board.port, '\x03');
    await typeAndLeave(board.port, '.flash -w\r');
    t = Date.now();
    const again = await kn(['flash', 'dist/tick.js', '--port', board.port, '--no-load'], dir);
    assert.is(again.status, 0, again.stderr);
    console.log(`    flash with a YMODEM session left open: ${((Date.now() - t) / 1000).toFixed(1)} s wall`);
    assert.is((await stored(board.port, dir)).size, tick.length);

    // Erase with the busy loop running again.
    const loaded = await kn(['flash', 'dist/busy.js', '--port', board.port], dir);
    assert.is(loaded.status, 0, loaded.stderr);
    const erased = await kn(['erase', '--port', board.port], dir);
    assert.is(erased.status, 0, erased.stderr);
    assert.match(erased.stdout, /^erased the program on \S+ \(Kaluma v1\.2\.1\)\n$/);
    assert.equal(await stored(board.port, dir), { size: 0, dump: '' });

    // Flash again after the erase; monitor --reset restarts it and shows it from its first line.
    const last = await kn(['flash', 'dist/tick.js', '--port', board.port], dir);
    assert.is(last.status, 0, last.stderr);
    const restarted = await monitor(board.port, dir, /tick 1\r\n/, ['--reset']);
    assert.match(restarted, /^\.load\r\n[^]*tick 0\r\n/);
  } finally {
    wire.destroy();
    modem.close();
    echo.close();
    await board.stop();
  }
});

realTest('real firmware: a `kaluma-net build` UF2 (program region) runs at boot', async () => {
  const dir = project({ 'tick.js': TICKER });
  const built = cli(['build', 'tick.js', '--target', 'pico', '--format', 'js,uf2'], dir);
  assert.is(built.status, 0, built.stderr);
  const board = await startBench(env!, { programs: [join(dir, 'dist/tick.uf2')] });
  try {
    const out = await monitor(board.port, dir, /tick \d+\r\n/);
    assert.match(out, /\x1b\[2K\r\x1b\[0mtick \d+\r\n/);
  } finally {
    await board.stop();
  }
});

realTest.run();
