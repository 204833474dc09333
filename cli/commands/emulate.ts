import type { Command } from 'commander';
import type { EspAtDialect, WifiNetwork } from '../emulate/esp-at/modem';
import { servePty } from '../emulate/esp-at/serve-pty';
import { UserError } from '../util/errors';

interface EspAtFlags {
  dialect: string;
  network: string[];
  trace?: boolean;
}

const DIALECTS: Record<EspAtDialect, string> = { nonos: 'NonOS AT 1.7.4', 'esp-at': 'ESP-AT 2.2' };

function parseNetwork(value: string): WifiNetwork {
  const colon = value.indexOf(':');
  const ssid = colon < 0 ? '' : value.slice(0, colon);
  const password = value.slice(colon + 1);
  if (!ssid) throw new UserError(`--network '${value}': expected <ssid>:<password> (an empty password is written 'ssid:')`);
  if (Buffer.byteLength(ssid) > 32) throw new UserError(`--network '${value}': the SSID is longer than 32 bytes`);
  if (Buffer.byteLength(password) > 64) throw new UserError(`--network '${value}': the password is longer than 64 bytes`);
  return { ssid, password };
}

function printable(bytes: Uint8Array): string {
  return JSON.stringify(Buffer.from(bytes).toString('latin1')).slice(1, -1);
}

/** Resolves with the signal's name once SIGINT or SIGTERM arrives. */
function untilStopped(): Promise<string> {
  return new Promise((resolve) => {
    const stop = (signal: string) => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve(signal);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

async function serveEspAt(flags: EspAtFlags): Promise<void> {
  if (!(flags.dialect in DIALECTS)) throw new UserError(`--dialect must be 'nonos' or 'esp-at', not '${flags.dialect}'`);
  const dialect = flags.dialect as EspAtDialect;
  const networks = flags.network.map(parseNetwork);
  const stopped = untilStopped();
  let pty;
  try {
    pty = await servePty({
      dialect,
      pace: true, // at the line rate, as a real ESP-01 talks
      networks: networks.length > 0 ? networks : undefined,
      trace: flags.trace
        ? (direction, bytes) => process.stderr.write(`${direction === 'to-modem' ? '>>' : '<<'} ${printable(bytes)}\n`)
        : undefined,
    });
  } catch (e) {
    throw new UserError((e as Error).message);
  }
  process.stdout.write(`${pty.path}\n`);
  const joins = networks.length > 0 ? networks.map((n) => n.ssid).join(', ') : 'any SSID and password';
  process.stderr.write(`emulated ESP-01 (${DIALECTS[dialect]}) on ${pty.path}; joins: ${joins}; stop with Ctrl-C\n`);
  await stopped;
  await pty.close();
}

export function register(program: Command): void {
  const emulate = program.command('emulate').description('run emulated network hardware on this PC');
  emulate
    .command('esp-at')
    .description('serve an emulated ESP-01 (ESP8266 AT firmware, TCP over host sockets) on a pseudo-terminal until stopped; prints its device path')
    .option('--dialect <dialect>', "firmware: 'nonos' (NonOS AT 1.7.4) or 'esp-at' (ESP-AT 2.2)", 'nonos')
    .option(
      '--network <ssid:password>',
      'an access point the modem can join (repeatable; default: any SSID and password join)',
      (v: string, p: string[] = []) => [...p, v],
      [],
    )
    .option('--trace', 'print the UART traffic on stderr')
    .action((flags: EspAtFlags) => serveEspAt(flags));
}
