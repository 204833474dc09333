// The emulated board against the real one: every step of a transcript captured from the Kaluma 1.2.1
// firmware (test/realboard/record-transcript.ts on the rp2040 bench) is replayed on the emulator,
// which must answer the same bytes: echo, prompt, line editing, commands, the issue-15 failure modes
// (CA CA typed at the REPL, Ctrl+C dropping its packet but not the line), a YMODEM session.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { KalumaDevice } from '../../cli/emulate/kaluma-device/device';
import { stepBytes, type Transcript } from './transcript';

const transcript = JSON.parse(readFileSync(join(__dirname, 'data/kaluma-1.2.1-transcript.json'), 'utf8')) as Transcript;

function emulated() {
  let out = '';
  const device = new KalumaDevice((b) => (out += Buffer.from(b).toString('latin1')), { tickMs: 400, doneDelayMs: 20, eraseMs: 20 });
  return {
    device,
    async answer(bytes: Uint8Array, until?: string): Promise<string> {
      out = '';
      device.receive(bytes);
      const pattern = until ? new RegExp(until) : null;
      const deadline = Date.now() + 2000;
      let seen = -1;
      // Quiet for 30 ms, or the step's pattern.
      while (pattern ? !pattern.test(out) : seen !== out.length) {
        if (Date.now() > deadline) break;
        seen = out.length;
        await new Promise((r) => setTimeout(r, 30));
      }
      return out;
    },
  };
}

test('the emulator answers every step of the captured firmware transcript byte for byte', async () => {
  const board = emulated();
  try {
    for (const [i, step] of transcript.steps.entries()) {
      const got = await board.answer(stepBytes(step), step.until);
      const what = `step ${i} ${JSON.stringify(step.tx ?? step.block).slice(0, 60)}${step.note ? ` (${step.note})` : ''}`;
      assert.is(JSON.stringify(got), JSON.stringify(step.rx), what);
    }
  } finally {
    board.device.close();
  }
});

test('the transcript holds the failure modes of issue 15', () => {
  const rx = (tx: string) => transcript.steps.find((s) => s.tx === tx)!.rx;
  // CA CA at the REPL are echoed and stay in the line; Ctrl+C's packet (with its \r) is dropped;
  // so `.reset` runs as JavaScript.
  assert.is(rx('\x18\x18'), '\x18\x18');
  assert.is(rx('\x03\r'), '');
  assert.match(rx('.reset\r'), /^\.reset\r\n\x1b\[31mSyntaxError: Invalid \(unexpected\) character\. \[<anonymous>:1:1\]\r\n\x1b\[0m\x1b\[0m\r\x1b7> \x1b\[H\x1b\[900C\x1b\[6n\x1b8\x1b\[2C$/);
  // The prompt is never a bare "\r\n> ".
  assert.not.ok(transcript.steps.some((s) => s.rx.includes('\r\n> ')));
});

test('USB input as the board takes it: a Ctrl+C packet is dropped whole; behind a full FIFO a busy board never sees Ctrl+C', async () => {
  const idle = emulated();
  try {
    assert.is(await idle.answer(Buffer.from('ab\x03cd')), '', 'the bytes before Ctrl+C in its packet are lost too');
    assert.equal(idle.device.events, ['ctrl-c']);
  } finally {
    idle.device.close();
  }
  let out = '';
  const busy = new KalumaDevice((b) => (out += Buffer.from(b).toString('latin1')), { running: 'busy' });
  try {
    busy.receive(Buffer.alloc(200, 0x61)); // TinyUSB takes packets while 64 bytes are free in its 256-byte FIFO
    busy.receive(Buffer.from('\x03'));
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(busy.events, [], 'the Ctrl+C packet waits on the host');
    assert.is(out, '');
  } finally {
    busy.close();
  }
});

test.run();
