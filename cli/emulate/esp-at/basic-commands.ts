// Basic commands: AT, ATE0/ATE1, AT+RST, AT+GMR, AT+UART_CUR/_DEF, AT+SYSSTORE (ESP-AT), AT+CIPMODE.

import { intParam } from './at-command';
import type { Handler } from './core';
import { BAUD_MAX, BAUD_MIN } from './options';

const VERSION_LINES = {
  nonos: [
    'AT version:1.7.4.0(Jun 12 2020 10:02:41)',
    'SDK version:3.0.4(b1e2c3d)',
    'compile time:Jun 12 2020 10:05:17',
    'Bin version(Wroom 02):1.7.4',
  ],
  'esp-at': [
    'AT version:2.2.0.0(5a1c9e2 - ESP8266 - Jul 20 2021 11:41:08)',
    'SDK version:v3.4-22-g4a7f6b1',
    'compile time(7b9c2d0):Jul 20 2021 11:46:30',
    'Bin version:2.2.0(WROOM-02)',
  ],
};

const at: Handler = (_m, cmd) => (cmd.form === 'exec' ? 'OK' : null);

const echo =
  (on: boolean): Handler =>
  (m) => {
    m.s.echo = on;
    return 'OK';
  };

const rst: Handler = (m, cmd) => {
  if (cmd.form !== 'exec') return null;
  m.resetAfterResult();
  return 'OK';
};

const gmr: Handler = (m, cmd) => {
  if (cmd.form !== 'exec') return null;
  for (const line of VERSION_LINES[m.o.dialect]) m.line(line);
  return 'OK';
};

/** `AT+UART_CUR=<baud>,<databits>,<stopbits>,<parity>,<flow control>`: OK at the old rate, then switch. */
const uart =
  (variant: '_CUR' | '_DEF'): Handler =>
  (m, cmd) => {
    if (cmd.form !== 'set' || cmd.params.length !== 5) return null;
    const baud = intParam(cmd, 0, BAUD_MIN, BAUD_MAX);
    const valid =
      baud !== undefined &&
      intParam(cmd, 1, 5, 8) !== undefined &&
      intParam(cmd, 2, 1, 3) !== undefined &&
      intParam(cmd, 3, 0, 2) !== undefined &&
      intParam(cmd, 4, 0, 3) !== undefined;
    if (!valid) return null;
    if (variant === '_DEF') m.stored.baudrate = baud;
    m.afterResult(() => {
      m.s.baud = baud;
    });
    return 'OK';
  };

const sysstore: Handler = (m, cmd) => {
  if (m.nonos) return null;
  if (cmd.form === 'query') {
    m.line(`+SYSSTORE:${m.stored.sysstore ? 1 : 0}`);
    return 'OK';
  }
  const value = cmd.form === 'set' && cmd.params.length === 1 ? intParam(cmd, 0, 0, 1) : undefined;
  if (value === undefined) return null;
  m.stored.sysstore = value === 1;
  return 'OK';
};

/** Only normal transmission mode (0) is emulated; passthrough (1) answers ERROR. */
const cipmode: Handler = (m, cmd) => {
  if (cmd.form === 'query') {
    m.line('+CIPMODE:0');
    return 'OK';
  }
  return cmd.form === 'set' && cmd.params.length === 1 && intParam(cmd, 0, 0, 0) === 0 ? 'OK' : null;
};

export const basicCommands: Record<string, Handler> = {
  '': at,
  E0: echo(false),
  E1: echo(true),
  RST: rst,
  GMR: gmr,
  UART_CUR: uart('_CUR'),
  UART_DEF: uart('_DEF'),
  SYSSTORE: sysstore,
  CIPMODE: cipmode,
};
