// `monitor` as a module: piped input goes to the board with `\r` line ends, its output comes back.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PassThrough } from 'node:stream';
import { runMonitor } from '../../cli/flash/monitor';
import { FAST_TIMEOUTS, openBoard, until } from './board';

function capture() {
  let text = '';
  return { write: (d: Uint8Array | string) => (text += typeof d === 'string' ? d : Buffer.from(d).toString('latin1')), text: () => text };
}

test('piped lines reach the REPL; --reset sends .load first; the session ends after the input', async () => {
  const board = await openBoard();
  try {
    const input = new PassThrough();
    const output = capture();
    const notices: string[] = [];
    const done = runMonitor({ port: board.port, reset: true, timeouts: FAST_TIMEOUTS, input, output, notice: (l) => notices.push(l), lingerMs: 200 });
    input.end('.hi\n');
    await done;
    assert.match(output.text(), /^\.load\r\n\x1b\[0m\r\x1b7> \x1b\[H\x1b\[900C\x1b\[6n\x1b8\x1b\[2C\.hi\r\n {9}___\r\n   _____\/ \. \\   Welcome to Kaluma v1\.2\.1\r\n/);
    assert.equal(board.device.events, ['ctrl-c', 'reset', 'load']);
    assert.match(notices[0], /^--- kaluma-net monitor on .*; exit with Ctrl-\] ---$/);
    assert.is(notices[1], '--- monitor closed ---');
  } finally {
    await board.close();
  }
});

test('the exit key ends the session at once; bytes before it are sent', async () => {
  const board = await openBoard();
  try {
    const input = new PassThrough();
    const output = capture();
    const done = runMonitor({ port: board.port, input, output, notice: () => undefined, lingerMs: 5000 });
    input.write('.flash -s\n');
    await until(() => output.text().includes('> '));
    const started = Date.now();
    input.write('.reset\r\x1d');
    await done;
    assert.ok(Date.now() - started < 1000);
    assert.ok(await until(() => board.device.events.includes('reset')));
  } finally {
    await board.close();
  }
});

test.run();
