// YMODEM transfers to the emulated board over a real pty pair: the stored bytes must equal the program
// plus its NUL, or the flash must fail with a clear message: never a silently truncated program.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { flashProgram, type FlashOptions } from '../../cli/flash/flash-program';
import type { KalumaDeviceOptions } from '../../cli/emulate/kaluma-device/device';
import { FAST_TIMEOUTS, faultsOf, openBoard, sampleProgram, until, withNul } from './board';

async function flashTo(device: KalumaDeviceOptions, program: Uint8Array, extra: Partial<FlashOptions> = {}) {
  const board = await openBoard(device);
  const log: string[] = [];
  try {
    const result = await flashProgram({ port: board.port, program, stamp: null, where: 'app.js', timeouts: FAST_TIMEOUTS, maxRetries: 4, log: (l) => log.push(l), ...extra })
      .then((report) => ({ report, error: undefined }))
      .catch((error: Error) => ({ report: undefined, error }));
    if (result.report?.loaded) await until(() => board.device.events.includes('load'));
    return { ...result, device: board.device, stored: Buffer.from(board.device.storedProgram()), log };
  } finally {
    await board.close();
  }
}

function assertStored(r: { stored: Buffer; error?: Error }, program: Uint8Array) {
  assert.is(r.error, undefined, r.error?.message);
  assert.is(r.stored.length, program.length + 1);
  assert.ok(r.stored.equals(withNul(program)), 'stored bytes differ from the program');
}

test('64 KB program: stored bytes equal the program and its NUL, then .load', async () => {
  const program = sampleProgram(64 * 1024);
  const r = await flashTo({}, program);
  assertStored(r, program);
  assert.equal(r.device.events, ['ctrl-c', 'reset', 'header usercode 65536', 'ymodem Done', 'load']);
  assert.is(r.report!.blocks, 64);
  assert.ok(r.report!.readBack);
  console.log(`    64 KB over the pty: YMODEM session ${r.report!.transferMs} ms (includes the emulated 50 ms erase and 40 ms pause before "Done")`);
});

test('a program that is not a multiple of 1024 and one of a single byte', async () => {
  for (const size of [1, 3000]) {
    const program = sampleProgram(size, size);
    assertStored(await flashTo({}, program), program);
  }
});

test('--no-load leaves the program stopped; --no-verify skips the read-back', async () => {
  const program = sampleProgram(2000);
  const r = await flashTo({}, program, { load: false, verify: false });
  assertStored(r, program);
  assert.not.ok(r.device.events.includes('load'));
  assert.is(r.report!.loaded, false);
  assert.is(r.report!.readBack, false);
});

test('a byte lost inside a block: the receiver times out and parses the rest as start bytes; a new session succeeds', async () => {
  // Kaluma's receiver leaves a cut-off packet's bytes in its ring buffer; read one by one afterwards,
  // the first `a` among them aborts the session (program text has plenty).
  const program = sampleProgram(8000);
  const r = await flashTo({ faults: { dropByte: [{ seq: 2, index: 300 }] } }, program);
  assertStored(r, program);
  assert.equal(faultsOf(r.device), ['fault dropByte 2']);
  assert.is(r.report!.sessions, 2);
  assert.equal(r.device.events.filter((e) => e.startsWith('ymodem')), ['ymodem Aborted', 'ymodem Done']);
});

test('bad CRC answers (C) and NAKs are retried', async () => {
  const program = sampleProgram(6000);
  const r = await flashTo({ faults: { badCrc: [{ seq: 1, times: 2 }, { seq: 0 }], nak: [{ seq: 3, times: 2 }, { seq: 6, times: 1 }] } }, program);
  assertStored(r, program);
  assert.is(faultsOf(r.device).length, 6);
});

test('a lost ACK: the repeat gets NAK and the next block is offered, nothing is skipped or doubled', async () => {
  const program = sampleProgram(6000);
  const r = await flashTo({ faults: { dropAnswer: [{ seq: 2 }, { seq: 4 }] } }, program);
  assertStored(r, program);
  assert.equal(faultsOf(r.device), ['fault dropAnswer 2', 'fault dropAnswer 4']);
  assert.is(r.report!.sessions, 1);
});

test('a lost ACK of the last block cannot be told from a refusal: a new session, never an early EOT', async () => {
  const program = sampleProgram(3000);
  const r = await flashTo({ faults: { dropAnswer: [{ seq: 3 }] } }, program);
  assertStored(r, program);
  assert.equal(faultsOf(r.device), ['fault dropAnswer 3']);
  assert.is(r.report!.sessions, 2);
});

test('lost answers to the header and to the closing header still end in Done', async () => {
  const program = sampleProgram(3000);
  const r = await flashTo({ faults: { dropAnswer: [{ seq: 0, times: 2 }] } }, program);
  assertStored(r, program);
  assert.equal(faultsOf(r.device), ['fault dropAnswer 0', 'fault dropAnswer 0']);
});

test('a slow erase: the header ACK is waited for, not resent', async () => {
  const program = sampleProgram(3000);
  const r = await flashTo({ eraseMs: 400 }, program);
  assertStored(r, program);
  assert.is(r.device.events.filter((e) => e.startsWith('header')).length, 1);
});

test('a flash write the board refuses: CA CA and "Verification failed", not retried, a clear failure with recovery advice', async () => {
  const program = sampleProgram(5000);
  const r = await flashTo({ faults: { writeFails: [{ seq: 3, times: 9 }] } }, program);
  assert.ok(r.error);
  assert.match(r.error!.message, /flashing app\.js failed: the board aborted the transfer at block 3 of 5 and said "Verification failed"/);
  assert.match(r.error!.message, /incomplete/);
  assert.match(r.error!.message, /kaluma-net erase/);
  assert.match(r.error!.message, /BOOTSEL/);
  assert.is(r.device.events.filter((e) => e.startsWith('header')).length, 1);
  assert.not.ok(r.stored.equals(withNul(program)));
});

test('a stalled device: bounded retries, CA CA, then a clear failure', async () => {
  const program = sampleProgram(5000);
  const started = Date.now();
  const r = await flashTo({ faults: { stallAt: 3 } }, program, { maxRetries: 3, timeouts: { ...FAST_TIMEOUTS, replyMs: 150 } });
  assert.ok(r.error);
  assert.match(r.error!.message, /block 3 of 5 was not acknowledged after 3 attempts/);
  assert.match(r.error!.message, /stopped answering its REPL/);
  assert.match(r.error!.message, /unplug and replug/);
  assert.ok(Date.now() - started < 4000);
  assert.is(r.stored.length, 0, 'no NUL was written: the board holds no finished program');
});

test('more than 5 bad packets: the board answers CA CA but its receiver goes on; our CA CA ends it, a new session succeeds', async () => {
  const program = sampleProgram(4000);
  const r = await flashTo({ faults: { badCrc: [{ seq: 2, times: 6 }] } }, program, { maxRetries: 8 });
  assertStored(r, program);
  assert.is(r.report!.sessions, 2);
  assert.equal(r.device.events.filter((e) => e.startsWith('ymodem')), ['ymodem Aborted', 'ymodem Done']);
});

test('a failed flash leaves no receiver open: Kaluma never gives up by itself, so the flasher ends it', async () => {
  const program = sampleProgram(4000);
  const r = await flashTo({ faults: { badCrc: [{ seq: 2, times: 6 }] } }, program, { maxRetries: 8, sessions: 1 });
  assert.ok(r.error);
  assert.match(r.error!.message, /the board aborted the transfer at block 2 of 4/);
  assert.equal(r.device.events.filter((e) => e.startsWith('ymodem')), ['ymodem Aborted']);
  assert.is(r.device.events.at(-1), 'reset');
});

test('region overflow the board only notices while writing: Verification failed, not retried', async () => {
  const program = sampleProgram(12 * 1024);
  const r = await flashTo({ regionSize: 8 * 1024, faults: { reportedAreaSize: 512 * 1024 } }, program);
  assert.ok(r.error);
  assert.match(r.error!.message, /aborted the transfer at block 8 of 12 and said "Verification failed"/);
  assert.match(r.error!.message, /does not fit/);
  assert.is(r.device.events.filter((e) => e.startsWith('header')).length, 1);
});

test('a program larger than the region is refused before anything is erased', async () => {
  const program = sampleProgram(8 * 1024);
  const r = await flashTo({ regionSize: 8 * 1024 }, program);
  assert.ok(r.error);
  assert.match(r.error!.message, /app\.js: the program has 8192 bytes; with its NUL terminator it does not fit the board's 8192-byte program region/);
  assert.not.ok(r.device.events.some((e) => e.startsWith('header')));
});

test.run();
