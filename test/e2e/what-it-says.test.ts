// What the CLI tells a user: help texts, the size report, and what `run` is doing.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli, cliAsync, project } from '../helpers/cli';

const CLIENT = `const net = require('net');
net.createConnection(1, '127.0.0.1').on('error', (e) => console.log(e.code));
`;
const PLAIN = `console.log('no network here');\n`;

test('--help of build, run and flash: the --outdir default, no "(default: [])"', () => {
  for (const command of ['build', 'run', 'flash']) {
    const r = cli([command, '--help'], process.cwd());
    assert.is(r.status, 0, r.stderr);
    assert.not.match(r.stdout, /default: \[\]/, command);
  }
  assert.match(cli(['build', '--help'], process.cwd()).stdout.replace(/\s+/g, ' '), /-o, --outdir <dir> output directory \(default: "outdir" in kaluma-net\.json, else dist\)/);
});

/** The rows of the size report: [bytes, group, path]. */
function sizeRows(stdout: string): { total: number; rows: [number, string, string][] } {
  const report = stdout.slice(stdout.indexOf('size:\n'));
  const total = Number(/total (\d+) bytes/.exec(report)![1]);
  const rows = [...report.matchAll(/^ +(\d+) {2}(\w+) +(.+)$/gm)].map((m) => [Number(m[1]), m[2], m[3]] as [number, string, string]);
  return { total, rows };
}

test('the size report: bytes in the output file, largest first, adding up to the total (minified or not)', () => {
  const dir = project({ 'app.js': CLIENT });
  for (const flags of [[], ['--no-minify']]) {
    const r = cli(['build', 'app.js', '--target', 'pico-esp01', ...flags], dir);
    assert.is(r.status, 0, r.stderr);
    const { total, rows } = sizeRows(r.stdout);
    assert.is(total, readFileSync(join(dir, 'dist/app.js')).length);
    assert.is(rows.reduce((n, [b]) => n + b, 0), total, r.stdout);
    const bytes = rows.map(([b]) => b);
    assert.equal(bytes, [...bytes].sort((a, b) => b - a), 'largest first');
    assert.ok(rows.some(([, g, p]) => g === 'driver' && p === 'runtime/drivers/esp-at.ts'), r.stdout);
    assert.ok(rows.some(([, g, p]) => g === 'user' && p === 'app.js'), r.stdout);
    assert.ok(rows.some(([b, g]) => g === 'other' && b > 0 && b < total / 20), r.stdout);
  }
});

test('run says what it runs, on which network, and how it stops (one line on stderr)', () => {
  const dir = project({ 'client.js': CLIENT, 'plain.js': PLAIN });
  const cases: [string[], string][] = [
    [['client.js', '-t', 'host'], "network: this PC's, real sockets"],
    [['client.js', '-t', 'pico-esp01', '--emulate'], 'network: an emulated ESP-01 modem on UART0, on the loopback 127.0.0.1'],
    [['client.js', '-t', 'sim'], 'network: in memory, inside the program'],
    [['plain.js', '-t', 'w5500-evb-pico'], 'network: none'],
  ];
  for (const [args, network] of cases) {
    const r = cli(['run', ...args], dir);
    assert.is(r.status, 0, r.stderr);
    const line = `running ${args[0]} for ${args[2]} on this PC; ${network}; it ends when idle, Ctrl-C stops it\n`;
    assert.is(r.stderr, line);
  }
});

test('run -t pico-w: a program without net needs no --emulate; one with net is told to add it', () => {
  const dir = project({ 'client.js': CLIENT, 'plain.js': PLAIN });
  const plain = cli(['run', 'plain.js', '-t', 'pico-w'], dir);
  assert.is(plain.status, 0, plain.stderr);
  assert.is(plain.stdout, 'no network here\n');
  const net = cli(['run', 'client.js', '-t', 'pico-w'], dir);
  assert.is(net.status, 1);
  assert.match(net.stderr, /target pico-w: its Wi-Fi chip is built into the firmware; run it with --emulate/);
});

test('run with a UART bound to a serial port says so', async () => {
  const dir = project({ 'client.js': CLIENT });
  const p = cliAsync(['run', 'client.js', '-t', 'pico-esp01', '--uart', '0=/dev/null'], dir, {}, 20000);
  const deadline = Date.now() + 15000;
  while (!p.stderr.includes('\n') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  p.child.kill('SIGINT');
  await p.done;
  assert.is(p.stderr.split('\n')[0], "running client.js for pico-esp01 on this PC; network: the board's driver, with UART0 on /dev/null; it ends when idle, Ctrl-C stops it");
});

test.run();
