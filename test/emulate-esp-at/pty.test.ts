// The modem served on a pseudo-terminal (socat + serialport), in-process and as `emulate esp-at`.

import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { SerialPort } from 'serialport';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { servePty } from '../../cli/emulate/esp-at/serve-pty';
import { tcpServer } from './board';

const CLI = fileURLToPath(new URL('./emulate-cli.ts', import.meta.url));

/** Opens a serial port and reads it like a board would. */
async function open(path: string) {
  const port = new SerialPort({ path, baudRate: 115200, autoOpen: false });
  await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
  let text = '';
  const waiters: (() => void)[] = [];
  port.on('data', (d: Buffer) => {
    text += d.toString('latin1');
    for (const w of waiters.splice(0)) w();
  });
  return {
    write: (data: string | Buffer) => port.write(typeof data === 'string' ? Buffer.from(data, 'latin1') : data),
    /** Waits for `s` in what was received; consumes up to and including it. */
    async until(s: string, timeoutMs = 3000): Promise<string> {
      const deadline = Date.now() + timeoutMs;
      while (!text.includes(s)) {
        if (Date.now() > deadline) throw new Error(`timeout waiting for ${JSON.stringify(s)}; got ${JSON.stringify(text)}`);
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, 50);
          waiters.push(() => {
            clearTimeout(t);
            resolve();
          });
        });
      }
      const end = text.indexOf(s) + s.length;
      const out = text.slice(0, end);
      text = text.slice(end);
      return out;
    },
    close: () => new Promise<void>((resolve) => port.close(() => resolve())),
  };
}

test('servePty: a serial port on the printed path talks to the modem, across reopenings', async () => {
  const pty = await servePty({ networks: [{ ssid: 'lab', password: 'secret' }] });
  assert.match(pty.path, /^\/dev\/pts\/\d+$/);
  const first = await open(pty.path);
  await first.until('ready\r\n');
  first.write('AT\r\n');
  assert.ok((await first.until('\r\nOK\r\n')).endsWith('AT\r\r\n\r\nOK\r\n'));
  await first.close();

  const second = await open(pty.path);
  second.write('ATE0\r\n');
  await second.until('\r\nOK\r\n');
  second.write('AT+GMR\r\n');
  assert.match(await second.until('\r\nOK\r\n'), /^AT version:1\.7\.4/);
  await second.close();
  await pty.close();
});

test('servePty: byte-exact TCP echo through the pty', async () => {
  const peer = await tcpServer((s) => s.on('data', (d) => s.write(d)));
  const pty = await servePty({});
  const port = await open(pty.path);
  await port.until('ready\r\n');
  port.write('ATE0\r\n');
  await port.until('\r\nOK\r\n');
  for (const line of ['AT+CWMODE_CUR=1', 'AT+CWJAP_CUR="any","pw"', 'AT+CIPMUX=1', `AT+CIPSTART=0,"TCP","127.0.0.1",${peer.port}`]) {
    port.write(line + '\r\n');
    await port.until('\r\nOK\r\n');
  }
  const payload = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
  port.write('AT+CIPSEND=0,256\r\n');
  await port.until('> ');
  port.write(payload);
  await port.until('\r\n+IPD,0,');
  const rest = await port.until(payload.subarray(200).toString('latin1'));
  assert.ok(rest.endsWith(payload.toString('latin1')), 'payload came back unchanged');
  await port.close();
  await pty.close();
  await peer.close();
});

test('servePty: a missing socat is a clear error', async () => {
  try {
    await servePty({ socat: '/nonexistent/socat' });
    assert.unreachable();
  } catch (e) {
    assert.match((e as Error).message, /socat is needed for a pseudo-terminal/);
  }
});

function runCli(args: string[]) {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exited, stdout: () => stdout, stderr: () => stderr };
}

test('emulate esp-at: prints the device path, serves until SIGTERM, exits 0', async () => {
  const run = runCli(['emulate', 'esp-at', '--dialect', 'esp-at', '--network', 'lab:se:cret']);
  try {
    // The path (stdout) and the banner (stderr) come on two pipes, in no fixed order.
    const deadline = Date.now() + 8000;
    while (!run.stdout().includes('\n') || !run.stderr().includes('\n')) {
      if (Date.now() > deadline) throw new Error(`no path and banner printed; stdout: ${run.stdout()}; stderr: ${run.stderr()}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    const path = run.stdout().trim();
    assert.match(path, /^\/dev\/pts\/\d+$/);
    assert.match(run.stderr(), /ESP-AT 2\.2.*joins: lab/);
    const port = await open(path);
    await port.until('ready\r\n');
    port.write('ATE0\r\n');
    await port.until('\r\nOK\r\n');
    port.write('AT+GMR\r\n');
    assert.match(await port.until('\r\nOK\r\n'), /^AT version:2\.2/);
    port.write('AT+CWMODE=1\r\n');
    await port.until('\r\nOK\r\n');
    port.write('AT+CWJAP="lab","se:cret"\r\n');
    assert.is(await port.until('\r\nOK\r\n'), 'WIFI CONNECTED\r\nWIFI GOT IP\r\n\r\nOK\r\n');
    await port.close();
    run.child.kill('SIGTERM');
    assert.is(await run.exited, 0);
  } finally {
    if (run.child.exitCode === null && run.child.signalCode === null) run.child.kill('SIGKILL');
  }
});

test('emulate esp-at: bad options exit 1 with one clear line', async () => {
  const dialect = runCli(['emulate', 'esp-at', '--dialect', 'v9']);
  const network = runCli(['emulate', 'esp-at', '--network', 'nocolon']);
  assert.is(await dialect.exited, 1);
  assert.match(dialect.stderr(), /--dialect must be 'nonos' or 'esp-at', not 'v9'/);
  assert.is(await network.exited, 1);
  assert.match(network.stderr(), /--network 'nocolon': expected <ssid>:<password>/);
});

test.run();
