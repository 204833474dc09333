// The flasher's REPL side against the emulated board: version lock, interrupting what runs, verification, erase.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { eraseProgram } from '../../cli/flash/erase-program';
import { flashProgram, type FlashOptions } from '../../cli/flash/flash-program';
import { SerialLink } from '../../cli/flash/serial-link';
import { engineOfKalumaVersion } from '../../cli/flash/version-lock';
import type { KalumaDeviceOptions } from '../../cli/emulate/kaluma-device/device';
import { stampProgram, type StampInfo } from '../../cli/image/stamp';
import { FAST_TIMEOUTS, openBoard, sampleProgram, until, withNul, type Board } from './board';

function stamped(engine: string, target = 'pico-w'): { program: Buffer; stamp: StampInfo } {
  const text = stampProgram('"use strict";print("hi");\n' + sampleProgram(3000).toString('latin1'), { v: '0.1.0', target, engine });
  const program = Buffer.from(text, 'latin1');
  const info = JSON.parse(/^\/\*kaluma-net:(\{.*?\})\*\//.exec(text)![1]) as StampInfo;
  return { program, stamp: info };
}

async function onBoard<T>(device: KalumaDeviceOptions, fn: (board: Board) => Promise<T>): Promise<T> {
  const board = await openBoard(device);
  try {
    return await fn(board);
  } finally {
    await board.close();
  }
}

const options = (board: Board, extra: Partial<FlashOptions>): FlashOptions => ({
  port: board.port,
  program: Buffer.from('x'),
  stamp: null,
  where: 'app.js',
  timeouts: FAST_TIMEOUTS,
  ...extra,
});

test('engine profile of a Kaluma version', () => {
  assert.is(engineOfKalumaVersion('1.2.1'), 'kaluma-1.2');
  assert.is(engineOfKalumaVersion('1.3.0-beta.2'), 'kaluma-1.3');
  assert.is(engineOfKalumaVersion('junk'), null);
});

test('version lock: a kaluma-1.2 program is refused by a Kaluma 1.3 board, before anything is erased', async () => {
  const { program, stamp } = stamped('kaluma-1.2');
  await onBoard({ version: '1.3.0', program: Buffer.from('old();') }, async (board) => {
    const error = await flashProgram(options(board, { program, stamp })).catch((e: Error) => e);
    assert.instance(error, Error);
    assert.is(
      (error as Error).message,
      'app.js was built for engine "kaluma-1.2" (target pico-w), but the board runs Kaluma v1.3.0 (engine "kaluma-1.3"); build it for a target with engine "kaluma-1.3", or pass --force to flash it anyway',
    );
    assert.not.ok(board.device.events.some((e) => e.startsWith('header')));
    assert.ok(Buffer.from(board.device.storedProgram()).equals(withNul(Buffer.from('old();'))), 'old program untouched');
  });
});

test('version lock: --force flashes anyway, with a warning', async () => {
  const { program, stamp } = stamped('kaluma-1.2');
  await onBoard({ version: '1.3.0' }, async (board) => {
    const log: string[] = [];
    await flashProgram(options(board, { program, stamp, force: true, log: (l) => log.push(l) }));
    assert.ok(Buffer.from(board.device.storedProgram()).equals(withNul(program)));
    assert.match(log.join('\n'), /warning: app\.js was built for engine "kaluma-1\.2" .* flashing anyway \(--force\)/);
  });
});

test('version lock: a matching engine passes silently; an unstamped program passes with a note', async () => {
  const { program, stamp } = stamped('kaluma-1.2');
  await onBoard({ version: '1.2.1' }, async (board) => {
    const log: string[] = [];
    await flashProgram(options(board, { program, stamp, log: (l) => log.push(l) }));
    assert.equal(log, []);
    await flashProgram(options(board, { program: Buffer.from('print(1)'), log: (l) => log.push(l) }));
    assert.match(log.join('\n'), /app\.js has no kaluma-net stamp: not checked against the board's engine \(Kaluma v1\.2\.1\)/);
  });
});

test('a chatty program, a busy loop and echo off are all interrupted before the transfer', async () => {
  const program = sampleProgram(4000);
  for (const device of [{ running: 'chatty' }, { running: 'busy' }, { echo: false }] as KalumaDeviceOptions[]) {
    await onBoard(device, async (board) => {
      await flashProgram(options(board, { program }));
      assert.ok(Buffer.from(board.device.storedProgram()).equals(withNul(program)), JSON.stringify(device));
    });
  }
});

/** The lines the flasher itself types. */
const OURS = /^(\.echo on( \w+)?|\.reset|\.hi|\.flash -[twsr]|\.load)$/;

test('whatever the line buffer holds, none of it runs and none of it reaches our commands', async () => {
  // Kaluma keeps typed bytes in its line buffer through Ctrl+C: `.reset` after them would be one
  // line with them (issue 15: "\x18\x18.reset" answered with a SyntaxError). A trailing space after
  // ".flash -e" would even erase the program if that line ran.
  const program = sampleProgram(2000);
  for (const typed of ['abc', '.flash -e ', 'while(1){}', '\x1b[', '\x1b[3', 'x'.repeat(1100)]) {
    await onBoard({ program: Buffer.from('old();') }, async (board) => {
      const raw = await SerialLink.open(board.port);
      await raw.write(typed);
      await raw.waitForLength(typed.length, 200);
      await raw.close();
      await flashProgram(options(board, { program }));
      assert.ok(Buffer.from(board.device.storedProgram()).equals(withNul(program)), JSON.stringify(typed));
      const foreign = board.device.lines.filter((l) => !OURS.test(l) && !l.startsWith('\x18'));
      assert.equal(foreign, [], `lines run after ${JSON.stringify(typed.slice(0, 20))}`);
      assert.not.ok(board.device.events.includes('erase'));
    });
  }
});

test('a board busy longer than a REPL answer may take (an erase left running): late answers are not taken for the retry\'s', async () => {
  const program = sampleProgram(3000);
  await onBoard({ eraseMs: 2500 }, async (board) => {
    const raw = await SerialLink.open(board.port);
    await raw.write('.flash -e\r');
    await raw.waitForLength('.flash -e\r\n'.length, 500);
    await raw.close();
    await flashProgram(options(board, { program }));
    assert.ok(Buffer.from(board.device.storedProgram()).equals(withNul(program)));
    assert.equal(board.device.events.filter((e) => e.startsWith('ymodem')), ['ymodem Done']);
  });
});

test('a YMODEM session left open by a killed flasher is ended with CA CA first', async () => {
  const program = sampleProgram(2000);
  await onBoard({}, async (board) => {
    const stale = await SerialLink.open(board.port);
    await stale.write('.flash -w\r');
    await stale.expect(/C/, 1000, 'C');
    await stale.close();
    await flashProgram(options(board, { program }));
    assert.ok(Buffer.from(board.device.storedProgram()).equals(withNul(program)));
    assert.equal(board.device.events.filter((e) => e.startsWith('ymodem')), ['ymodem Aborted', 'ymodem Done']);
  });
});

test('a flash write that goes wrong is caught by the read-back', async () => {
  const program = sampleProgram(4000);
  await onBoard({ faults: { corruptStore: [{ seq: 2 }] } }, async (board) => {
    const error = await flashProgram(options(board, { program })).catch((e: Error) => e);
    assert.match((error as Error).message, /verification failed: the program read back from the board \(\.flash -r\) differs from app\.js/);
    assert.not.ok(board.device.events.includes('load'), 'a corrupt program is not started');
  });
});

test('a silent port: a clear error naming the step, quickly', async () => {
  await onBoard({ faults: { silent: true } }, async (board) => {
    const started = Date.now();
    const error = await flashProgram(options(board, { program: sampleProgram(100), timeouts: { ...FAST_TIMEOUTS, replyMs: 150 } })).catch((e: Error) => e);
    assert.match((error as Error).message, /the board does not answer \.reset .* Is it a Kaluma board\? Unplug and replug it/);
    assert.ok(Date.now() - started < 2000);
  });
});

test('erase clears the program region', async () => {
  await onBoard({ program: Buffer.from('setInterval(() => print(1), 100);') }, async (board) => {
    const r = await eraseProgram({ port: board.port, timeouts: FAST_TIMEOUTS });
    assert.is(r.kalumaVersion, '1.2.1');
    assert.is(board.device.storedProgram().length, 0);
    assert.ok(await until(() => board.device.events.includes('erase')));
  });
});

test.run();
