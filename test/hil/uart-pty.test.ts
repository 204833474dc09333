// Hardware in the loop without hardware: `kaluma-net emulate esp-at` serves the modem emulator on a
// pseudo-terminal in its own process, and `kaluma-net run --target pico-esp01 --uart 0=<pty>` runs the
// real ESP-AT driver against it through serialport, as it would against an ESP-01 on a USB adapter.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { gated } from '../helpers/gated';
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { BIN, cli, ROOT } from '../helpers/cli';
import { freePort, parseBehaviour, runBehaviour, SCRIPTS_DIR } from '../behaviour/runner';

const hasSocat = spawnSync('sh', ['-c', 'command -v socat']).status === 0;

async function startModem(): Promise<{ path: string; stop(): Promise<void> }> {
  const child = spawn(process.execPath, [BIN, 'emulate', 'esp-at'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const path = await new Promise<string>((res, rej) => {
    const t = setTimeout(() => {
      child.kill('SIGKILL');
      rej(new Error('the emulator printed no device path'));
    }, 10000);
    child.stdout.on('data', (d) => {
      out += d;
      const line = out.split('\n').find((l) => l.startsWith('/'));
      if (line) {
        clearTimeout(t);
        res(line.trim());
      }
    });
    child.on('exit', (code) => rej(new Error(`the emulator exited with ${code}`)));
  });
  return {
    path,
    stop: () =>
      new Promise<void>((res) => {
        child.once('exit', () => res());
        child.kill('SIGTERM');
      }),
  };
}

const EPIPE = { epipe: true };

async function runOnPty(script: string, path: string, epipeAllowed = false): Promise<Record<string, unknown>> {
  const port = await freePort();
  const r = await new Promise<{ status: number | null; out: string; err: string }>((res) => {
    const child = spawn(process.execPath, [BIN, 'run', script, '--target', 'pico-esp01', '--uart', `0=${path}`, '--define', `__PORT__=${port}`], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      // The build gives the driver Wi-Fi credentials, as a user's .env would; the emulator takes any.
      env: { ...process.env, KALUMA_NET_WIFI_SSID: 'hil-test', KALUMA_NET_WIFI_PASSWORD: 'hil-password' },
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => {
      out += d;
      // The program has finished its scenario; the bound serial port would keep the run alive.
      if (out.includes('BEHAVIOUR ')) child.kill('SIGINT');
    });
    child.stderr.on('data', (d) => (err += d));
    const t = setTimeout(() => child.kill('SIGKILL'), 30000);
    child.on('close', (status) => {
      clearTimeout(t);
      res({ status, out, err });
    });
  });
  if (epipeAllowed && /(^|\n)Uncaught Error: write EPIPE/.test(r.err)) return EPIPE;
  return parseBehaviour(r.out + '\n' + r.err);
}

const compared = (log: Record<string, unknown>) => Object.fromEntries(Object.entries(log).filter(([k]) => !k.startsWith('~')));

const ptyTest = gated(test, hasSocat, 'test/hil: skipped: socat is not installed (apt-get install socat), so no pseudo-terminal pair can be made');
ptyTest('a UART bound to nothing names --uart and --emulate', () => {
  const r = cli(['run', join(SCRIPTS_DIR, 'echo.js'), '--target', 'pico-esp01', '--define', '__PORT__=1'], ROOT);
  assert.is(r.status, 1);
  assert.match(r.stderr, /its ESP-01 modem is on UART0: bind it to a serial port with --uart 0=\/dev\/ttyUSB0, or run it with --emulate/);
});

for (const name of ['echo.js', 'binary.js', 'refused.js']) {
  ptyTest(`${name} on pico-esp01 over a pty to the modem emulator equals Node's log`, async () => {
    const modem = await startModem();
    try {
      const script = join(SCRIPTS_DIR, name);
      const [ours, node] = await Promise.all([runOnPty(script, modem.path, name === 'binary.js'), runBehaviour(script, 'node')]);
      // binary.js: the client end()s right after writing what the server echoes; AT cannot
      // half-close, so at the UART's real line rate the echo may lose the race (README, ESP-01).
      if (ours === EPIPE) return;
      assert.equal(compared(ours), compared(node));
    } finally {
      await modem.stop();
    }
  });
}

test.run();
