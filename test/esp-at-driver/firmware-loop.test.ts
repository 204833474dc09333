// The driver on Kaluma 1.2.1's real event loop (see firmware-loop.ts): a program that took 1.7 s to
// parse, timers that fire before buffered answers are read, answers split 1 byte + the rest, late
// answers. The modem must never be reset at boot and no answer may be credited to another command.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createEspAtNetdev, type EspAtConfig, type EspAtDriver } from '../../runtime/drivers/esp-at';
import { ERRNO } from '../../runtime/netdev-contract';
import { FakeModem, type Dialect, type FakeModemOptions } from './fake-modem';
import { FirmwareLoop, type FirmwareLoopOptions } from './firmware-loop';
import { Rng, SEED } from './rng';

interface Board {
  loop: FirmwareLoop;
  modem: FakeModem;
  drv: EspAtDriver;
  logs: string[];
}

function board(modemOpts: Partial<FakeModemOptions> = {}, loopOpts: FirmwareLoopOptions = {}, config: EspAtConfig = {}, before?: (b: Board) => void): Board {
  const loop = new FirmwareLoop({ parseMs: 1700, ...loopOpts });
  const modem = new FakeModem(loop.deviceClock, {
    dialect: 'nonos',
    networks: { home: 'secret' },
    joined: 'home',
    ...modemOpts,
  });
  const logs: string[] = [];
  const b = { loop, modem, logs } as Board;
  if (before) before(b);
  const uart = loop.attach(modem);
  loop.boot(() => {
    b.drv = createEspAtNetdev(uart, { log: (m) => logs.push(Math.round(loop.now) + ': ' + m), ...config }, loop.timers);
  });
  return b;
}

function ready(b: Board, maxMs = 60000): number {
  let res = -1;
  b.drv.whenReady((err) => (res = err));
  b.loop.until(() => res >= 0, maxMs);
  return res;
}

function call(b: Board, op: (cb: (err: number) => void) => void, maxMs = 60000): number {
  let res: number | null = null;
  op((err) => (res = err));
  b.loop.until(() => res !== null, maxMs);
  if (res === null) throw new Error('callback never called');
  return res;
}

/** A client socket to 10.0.0.2:7; returns its fd and the bytes it received. */
function client(b: Board): { fd: number; got: number[]; events: string[] } {
  const nd = b.drv.netdev;
  const fd = nd.socket('AF_INET', 'STREAM');
  const s = nd.get(fd)!;
  const c = { fd, got: [] as number[], events: [] as string[] };
  s.read_cb = (u8) => c.got.push(...u8);
  s.close_cb = () => c.events.push('close_cb');
  s.error_cb = (e) => c.events.push('error_cb:' + e);
  return c;
}

function initSequence(dialect: Dialect): string[] {
  return [
    'AT+CIPMUX?',
    'ATE0',
    'AT+GMR',
    ...(dialect === 'esp-at' ? ['AT+SYSSTORE=0', 'AT+CWMODE=1'] : ['AT+CWMODE_CUR=1']),
    'AT+CIPSERVER=0',
    'AT+CIPCLOSE=5',
    'AT+CIPMUX=1',
    'AT+CIPMUX?',
    'AT+CIFSR',
  ];
}

/** 20,000 bytes out and echoed back by the peer (+IPD interleaved with SEND OK). */
function echo20k(b: Board): void {
  b.modem.onPayload = (link, data) => b.modem.peerSend(link, data);
  const c = client(b);
  assert.is(call(b, (cb) => b.drv.netdev.connect(c.fd, '10.0.0.2', 7, cb)), 0, 'connect: ' + b.logs.join(' / '));
  const data = new Uint8Array(20000).map((_, i) => (i * 31 + (i >> 8)) & 255);
  assert.is(call(b, (cb) => b.drv.netdev.write(c.fd, data, cb)), 0);
  b.loop.until(() => c.got.length >= data.length, 60000);
  assert.is(c.got.length, data.length);
  assert.ok(Buffer.from(c.got).equals(Buffer.from(data)), 'no lost or reordered byte');
  assert.equal(c.events, []);
  assert.is(b.loop.overruns, 0, 'no RX ring buffer overrun');
}

for (const dialect of ['nonos', 'esp-at'] as const) {
  test(`${dialect}: boot after a 1.7 s parse: no modem reset, the plain init sequence, then a 20 kB echo`, () => {
    const b = board({ dialect });
    assert.is(ready(b), 0, b.logs.join(' / '));
    assert.equal(b.modem.commands, initSequence(dialect), b.modem.commands.join(', '));
    assert.is(b.drv.dialect, dialect);
    assert.equal(b.logs, []);
    echo20k(b);
    assert.not.ok(b.modem.commands.includes('AT+RST'));
  });
}

for (const [late, busy] of [[1001.5, false], [1400, true]] as const) {
  test(`the answer to the first command ${late} ms late (${busy ? 'busy meanwhile' : 'on the wire when the retry goes out'}) is credited to no other command`, () => {
    let first = true;
    const b = board({ dialect: 'esp-at' }, { parseMs: 0 }, {}, (bb) => {
      bb.modem.scripts.push((cmd) => {
        if (!first) return undefined;
        first = false;
        const answer = (bb.modem as unknown as { builtin(c: string): string }).builtin(cmd);
        if (busy) return [[late, answer]]; // the modem answers `busy p...` until then
        bb.loop.deviceClock.setTimeout(() => bb.modem.out(answer), late);
        return null;
      });
    });
    assert.is(ready(b), 0, b.logs.join(' / '));
    assert.is(b.drv.dialect, 'esp-at', 'AT+GMR read its own answer');
    assert.is(b.modem.echo, false, 'ATE0 took effect');
    assert.not.ok(b.modem.commands.includes('AT+RST'), b.modem.commands.join(', '));
    assert.equal(b.logs, []);
    echo20k(b);
  });
}

test('a timeout that fires while its answer waits in the RX buffer does not fail the command', () => {
  const b = board({ dialect: 'nonos' }, {}, { timeouts: { connect: 1000 } });
  assert.is(ready(b), 0);
  const c = client(b);
  let err: number | null = null;
  b.drv.netdev.connect(c.fd, '10.0.0.2', 7, (e) => (err = e));
  // JS keeps the board busy for 1.5 s right after the first byte of the answer came in (as a
  // 'data' handler of the program might): the rest of the answer waits in the ring buffer when
  // the loop runs again, and timers run first.
  b.loop.afterNextEvent(() => b.loop.spend(1500));
  b.loop.until(() => err !== null);
  assert.is(err, 0, b.logs.join(' / '));
  b.modem.onPayload = (link, data) => b.modem.peerSend(link, data);
  assert.is(call(b, (cb) => b.drv.netdev.write(c.fd, 'still in step', cb)), 0);
  b.loop.until(() => c.got.length >= 13);
  assert.is(Buffer.from(c.got).toString('latin1'), 'still in step');
});

test('a command that really timed out: its late answer is discarded, the next commands get their own', () => {
  const b = board({ dialect: 'nonos' }, {}, { timeouts: { connect: 3000 } });
  assert.is(ready(b), 0);
  let slow = true;
  b.modem.scripts.push((cmd) => {
    if (!slow || !cmd.startsWith('AT+CIPSTART=')) return undefined;
    slow = false;
    // The modem connects after 4 s, past the driver's 3 s: answer and link arrive late.
    b.loop.deviceClock.setTimeout(() => {
      b.modem.links[4] = { ip: '10.0.0.2', rport: 7, lport: 40004, server: false, rx: [], notified: false };
      b.modem.out('4,CONNECT\r\n\r\nOK\r\n');
    }, 4000);
    return null;
  });
  const c = client(b);
  assert.is(call(b, (cb) => b.drv.netdev.connect(c.fd, '10.0.0.2', 7, cb)), ERRNO.ETIMEDOUT);
  b.loop.advance(3000);
  assert.is(b.modem.links[4], null, 'the late link was closed');
  echo20k(b);
  assert.not.ok(b.modem.commands.includes('AT+RST'), b.modem.commands.join(', '));
  assert.equal(b.logs, []);
});

test('small writes queued while a CIPSEND is under way share the next one, in order', () => {
  const b = board({ dialect: 'nonos' });
  assert.is(ready(b), 0);
  const c = client(b);
  assert.is(call(b, (cb) => b.drv.netdev.connect(c.fd, '10.0.0.2', 7, cb)), 0);
  const order: number[] = [];
  let want = '';
  for (let i = 0; i < 60; i++) {
    const piece = String(i).padStart(2, '0').repeat(25);
    want += piece;
    b.drv.netdev.write(c.fd, piece, (err) => order.push(err ? -1 : i));
  }
  b.loop.until(() => order.length === 60);
  assert.equal(order, Array.from({ length: 60 }, (_, i) => i));
  assert.is(b.modem.sentOn(4), want);
  const sends = b.modem.commands.filter((x) => x.startsWith('AT+CIPSEND='));
  assert.equal(sends, ['AT+CIPSEND=4,50', 'AT+CIPSEND=4,2048', 'AT+CIPSEND=4,902']);
});

test('random parse times, JS costs and a program that blocks the board now and then: always in step', () => {
  const rng = new Rng(SEED);
  for (let run = 0; run < 12; run++) {
    const dialect = rng.pick(['nonos', 'esp-at'] as const);
    const b = board({ dialect }, { parseMs: rng.int(0, 4000), eventMs: rng.int(1, 60) / 10, eventByteMs: rng.int(0, 60) / 1000, timerMs: rng.int(1, 20) / 10 });
    const why = `run ${run} (FUZZ_SEED=${SEED})`;
    assert.is(ready(b), 0, why + ': ' + b.logs.join(' / '));
    b.modem.onPayload = (link, data) => b.modem.peerSend(link, data);
    const c = client(b);
    assert.is(call(b, (cb) => b.drv.netdev.connect(c.fd, '10.0.0.2', 7, cb)), 0, why);
    const data = new Uint8Array(6000).map(() => rng.int(0, 255));
    let blocks = 3;
    const block = () => {
      if (blocks-- <= 0) return;
      b.loop.afterNextEvent(() => {
        b.loop.spend(rng.int(0, 2500)); // e.g. a long computation or delay() in a 'data' handler
        b.loop.timers.setTimeout(block, rng.int(0, 300));
      });
    };
    block();
    assert.is(call(b, (cb) => b.drv.netdev.write(c.fd, data, cb)), 0, why);
    b.loop.until(() => c.got.length >= data.length, 120000);
    assert.ok(Buffer.from(c.got).equals(Buffer.from(data)), why + ': every byte, in order');
    assert.not.ok(b.modem.commands.includes('AT+RST'), why + ': ' + b.modem.commands.join(', '));
    assert.equal(b.logs, [], why);
  }
});

test.run();
