// The ESP-AT driver on the REAL Kaluma 1.2.1 firmware: pico-esp01 programs run in the rp2040
// bench (rp2040js) with UART0 bridged to our ESP-AT modem emulator on this PC, whose TCP side uses
// real sockets on 127.0.0.1. Runs the templates and a 20,000-byte echo through the driver both
// ways (client and server on the board), and prints: boot-to-first-line, echo throughput against
// the UART line rate (goal >= 70%), and the commands the modem got (no AT+RST at boot).
//
//   KALUMA_NET_TEST_FIRMWARE=kaluma-rp2-pico-1.2.1.uf2 KALUMA_NET_TEST_BOOTROM=bootrom-b1.bin \
//   KALUMA_NET_TEST_RP2040_BENCH=<rp2040-bench dir> node bench/esp-at-firmware.mjs [--only echo|templates]
//     [--bytes N] [--dialect nonos|esp-at] [--chunking none|byte|random]
//
// Known limit of the bench: rp2040js sends UART TX bytes at once (a real uart.write() blocks while
// they go out at the baud rate); bytes to the board are paced at the baud rate in simulated time.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { register } from 'tsx/cjs/api';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const LINE_RATE = 115200 / 10; // bytes per second on an 8N1 line
const GOAL = 0.7;

const { values: opt } = parseArgs({
  options: {
    only: { type: 'string' },
    bytes: { type: 'string', default: '20000' },
    dialect: { type: 'string', default: 'nonos' },
    chunking: { type: 'string', default: 'random' },
    console: { type: 'string' },
  },
});

/** The three paths, or a list of what is missing. */
export function benchEnv() {
  const vars = {
    firmware: 'KALUMA_NET_TEST_FIRMWARE',
    bootrom: 'KALUMA_NET_TEST_BOOTROM',
    bench: 'KALUMA_NET_TEST_RP2040_BENCH',
  };
  const env = {};
  const missing = [];
  for (const [k, v] of Object.entries(vars)) {
    const p = process.env[v];
    if (!p) missing.push(`${v} is not set`);
    else if (!existsSync(k === 'bench' ? join(p, 'bench.mjs') : p)) missing.push(`${v}: ${k === 'bench' ? join(p, 'bench.mjs') : p} does not exist`);
    else env[k] = p;
  }
  return { env, missing };
}

register();
const req = createRequire(import.meta.url);
const { build } = req(join(ROOT, 'cli/pipeline/build.ts'));
const { EspAtModem } = req(join(ROOT, 'cli/emulate/esp-at/modem.ts'));

const WIFI = { ssid: 'bench-ap', password: 'bench-password' };

async function freePort() {
  const s = net.createServer();
  await new Promise((r) => s.listen(0, '127.0.0.1', r));
  const port = s.address().port;
  await new Promise((r) => s.close(r));
  return port;
}

/** Builds `entry` (a file in `dir`) for pico-esp01 and returns the path of its program UF2. */
async function buildProgram(benchDir, dir, entry, define) {
  const r = await build({ cwd: dir, entry, target: 'pico-esp01', formats: ['js'], write: false, define, wifi: WIFI });
  const { kalumaProgramUf2 } = await import(pathToFileURL(join(benchDir, 'uf2.mjs')).href);
  const uf2 = join(dir, entry.replace(/\.js$/, '.uf2'));
  await writeFile(uf2, kalumaProgramUf2(Buffer.from(r.program, 'latin1')));
  return { uf2, bytes: r.program.length, heap: r.heap };
}

/**
 * Runs one program on the bench with the modem emulator on UART0 until `expect` matches the
 * console or `onConsole(text, stop)` (called on every console output) calls stop().
 */
async function runOnBench(env, uf2, { expect, timeoutS = 600, modemOptions = {}, onConsole }) {
  const uartPort = await freePort();
  const args = [join(env.bench, 'bench.mjs'), '--firmware', env.firmware, '--bootrom', env.bootrom,
    '--program', uf2, '--uart0-tcp', String(uartPort), '--timeout', String(timeoutS)];
  if (expect) args.push('--expect', expect);
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const stop = () => child.kill();
  let consoleText = '';
  let benchLog = '';
  const toModem = [];
  let modem = null;
  let sock = null;
  const started = new Promise((resolve) => {
    child.stderr.on('data', (d) => {
      benchLog += d;
      if (!sock && /UART0 on tcp/.test(benchLog)) {
        sock = net.connect(uartPort, '127.0.0.1', resolve);
        modem = new EspAtModem({
          networks: [WIFI],
          dialect: opt.dialect,
          chunking: opt.chunking,
          seed: 11,
          trace: (dir, bytes) => {
            if (dir === 'to-modem') toModem.push(Buffer.from(bytes));
          },
          ...modemOptions,
        });
        modem.onData((bytes) => sock.write(bytes));
        sock.on('data', (d) => modem.write(new Uint8Array(d)));
        sock.on('error', () => undefined);
      }
    });
  });
  child.stdout.on('data', (d) => {
    consoleText += d.toString('latin1');
    if (onConsole) onConsole(consoleText, stop);
  });
  const code = await new Promise((r) => child.on('close', r));
  if (opt.console) await writeFile(opt.console, consoleText);
  await started.catch(() => undefined);
  sock?.destroy();
  modem?.close();
  // Command lines (a CIPSEND payload may run into the next command: take the line from its last `AT`).
  const commands = [];
  for (const line of Buffer.concat(toModem).toString('latin1').split('\r\n')) {
    const m = /AT(E0|\+[A-Z_]+[=?]?[\w",.=?-]*)?$/.exec(line);
    if (m) commands.push(m[0]);
  }
  const sim = /simulated ([\d.]+) s in ([\d.]+) s wall/.exec(benchLog);
  return { ok: code === 0, consoleText, benchLog, commands, simS: sim ? Number(sim[1]) : NaN, wallS: sim ? Number(sim[2]) : NaN };
}

function hostCall(port, send, { end = false } = {}) {
  return new Promise((resolve) => {
    let got = '';
    const c = net.connect(port, '127.0.0.1', () => (end ? c.end(send) : c.write(send)));
    c.on('data', (d) => {
      got += d.toString('latin1');
      if (!end && got.length >= send.length) c.end();
    });
    c.on('close', () => resolve(got));
    c.on('error', () => resolve(got));
  });
}

function bootLine(r) {
  const m = /first line at (\d+) ms/.exec(r.consoleText);
  return m ? Number(m[1]) : NaN;
}

function modemReport(r) {
  const resets = r.commands.filter((c) => c === 'AT+RST').length;
  return `${r.commands.length} AT commands, ${resets} AT+RST; first: ${r.commands.slice(0, 12).join(', ')}`;
}

async function echoBench(env, dir) {
  const port = await freePort();
  const bytes = Number(opt.bytes);
  await writeFile(join(dir, 'echo.js'), (await import('node:fs')).readFileSync(join(ROOT, 'bench/esp-at-firmware/echo.js')));
  const p = await buildProgram(env.bench, dir, 'echo.js', { __PORT__: String(port), __BYTES__: String(bytes), __HOST__: '"127.0.0.1"' });
  console.log(`echo program: ${p.bytes} bytes of JS; build's heap estimate ${p.heap ? (p.heap.parse / 1024).toFixed(1) + ' KB' : 'n/a'}`);
  const r = await runOnBench(env, p.uf2, { expect: 'echo ok \\d+ bytes in \\d+ ms|echo BAD.*\\d+\\r?\\n|(client|server) error \\w+' });
  const m = /echo ok (\d+) bytes in (\d+) ms/.exec(r.consoleText);
  console.log(`  console: ${r.consoleText.split(/\r?\n/).filter((l) => /first line|connected|echo|error/.test(l)).join(' | ')}`);
  console.log(`  modem: ${modemReport(r)}`);
  console.log(`  boot to first line: ${bootLine(r)} ms (simulated)`);
  if (!m) {
    console.log(`  ECHO FAILED (${r.ok ? 'ended' : 'timed out'} after ${r.simS} s simulated)`);
    return false;
  }
  const ms = Number(m[2]);
  // Every byte crosses the UART twice in each direction (client -> server, server -> client).
  const perDir = 2 * bytes;
  const rate = perDir / (ms / 1000);
  const ratio = rate / LINE_RATE;
  console.log(`  echo of ${bytes} bytes: ${ms} ms simulated, ${perDir} payload bytes each way over the UART: ${Math.round(rate)} B/s = ${(ratio * 100).toFixed(0)}% of the 115200-baud line rate (${LINE_RATE} B/s; goal >= ${GOAL * 100}%: ${ratio >= GOAL ? 'met' : 'NOT met'})`);
  console.log(`  bench: ${r.simS} s simulated in ${r.wallS} s wall`);
  return r.commands.every((c) => c !== 'AT+RST');
}

async function templateBench(env, dir) {
  let allOk = true;
  const cases = [
    {
      name: 'tcp-echo-server',
      expect: 'echo server listening',
      define: (port) => ({ __PORT__: String(port) }),
      after: async (port) => {
        const got = await hostCall(port, 'ping through the ESP-01\n');
        return got === 'ping through the ESP-01\n' ? 'echoed' : 'got ' + JSON.stringify(got);
      },
    },
    {
      name: 'http-hello',
      expect: 'listening',
      define: (port) => ({ __PORT__: String(port) }),
      after: async (port) => {
        const got = await hostCall(port, 'GET / HTTP/1.1\r\nHost: board\r\n\r\n', { end: false });
        return /^HTTP\/1\.1 200 OK[\s\S]*Hello from Kaluma!/.test(got) ? '200 OK' : 'got ' + JSON.stringify(got.slice(0, 80));
      },
    },
    { name: 'tcp-client', expect: '^closed|error:', define: (port) => ({ __PORT__: String(port), __HOST__: '"127.0.0.1"' }) },
  ];
  for (const t of cases) {
    const port = await freePort();
    const src = (await import('node:fs')).readFileSync(join(ROOT, 'templates', t.name, 'js/src/index.js'), 'utf8');
    await writeFile(join(dir, t.name + '.js'), `console.log('first line at ' + millis() + ' ms');\n` + src);
    const p = await buildProgram(env.bench, dir, t.name + '.js', t.define(port));
    let hostServer = null;
    let received = '';
    if (t.name === 'tcp-client') {
      hostServer = net.createServer((s) => {
        s.on('data', (d) => {
          received += d;
          s.write('hello back\n');
        });
        s.on('error', () => undefined);
      });
      await new Promise((r) => hostServer.listen(port, '127.0.0.1', r));
    }
    let verdict = '';
    let triggered = false;
    const r = await runOnBench(env, p.uf2, {
      expect: t.after ? undefined : t.expect,
      timeoutS: 300,
      onConsole: (text, stop) => {
        if (!t.after || triggered || !new RegExp(t.expect).test(text)) return;
        triggered = true;
        t.after(port).then((v) => {
          verdict = v;
          stop();
        });
      },
    });
    if (hostServer) await new Promise((res) => hostServer.close(res));
    if (t.name === 'tcp-client') verdict = /connected to/.test(r.consoleText) && received === 'hello from kaluma-net\n' ? 'sent its line, closed' : 'console ' + JSON.stringify(r.consoleText.slice(-200));
    const ok = /^(echoed|200 OK|sent its line, closed)$/.test(verdict) && r.commands.every((c) => c !== 'AT+RST');
    allOk &&= ok;
    console.log(`${t.name}: ${ok ? 'ok' : 'FAILED'} (${verdict}); ${p.bytes} bytes of JS; boot to first line ${bootLine(r)} ms simulated; ${modemReport(r)}`);
  }
  return allOk;
}

const { env, missing } = benchEnv();
if (missing.length) {
  console.log('esp-at-firmware bench skipped: ' + missing.join('; '));
  console.log('It needs a Kaluma 1.2.1 pico firmware (uf2), the RP2040 B1 boot ROM and the rp2040 bench folder.');
  process.exit(2);
}
const dir = await mkdtemp(join(tmpdir(), 'kaluma-net-esp-fw-'));
let ok = true;
try {
  if (!opt.only || opt.only === 'echo') ok = (await echoBench(env, dir)) && ok;
  if (!opt.only || opt.only === 'templates') ok = (await templateBench(env, dir)) && ok;
} finally {
  await rm(dir, { recursive: true, force: true });
}
process.exit(ok ? 0 : 1);
