// Systematically corrupted copies of the golden snapshots: the reader throws only SnapshotFormatError,
// the verifier never throws and always explains in its own words (never "could not analyse").

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { SnapshotFormatError, decodeCode, parseSnapshot, readSnapshot, verifySnapshot, writeSnapshot, type FunctionBlock } from '../../cli/codegen/snapshot';
import { CBC, CBC_EXT } from '../../cli/codegen/snapshot/opcodes';
import { goldenFiles } from './golden';

const golden = goldenFiles();
const INTERNAL = /verifier could not analyse/;

/** Verifies and returns the result, failing the test on anything but a clean report. */
function check(bytes: Uint8Array, what: string) {
  let r;
  try {
    r = verifySnapshot(bytes);
  } catch (e) {
    assert.unreachable(`${what}: verifySnapshot threw ${(e as Error).stack}`);
  }
  for (const e of r!.errors) assert.not.match(e, INTERNAL, `${what}: ${e}`);
  try {
    parseSnapshot(bytes);
  } catch (e) {
    assert.instance(e, SnapshotFormatError, `${what}: parseSnapshot threw ${(e as Error).stack}`);
  }
  return r!;
}

test('every truncation of every golden snapshot is rejected', () => {
  let count = 0;
  for (const g of golden) {
    for (let length = 0; length < g.snapshot.length; length++) {
      const r = check(g.snapshot.slice(0, length), `${g.name} cut to ${length}`);
      assert.not.ok(r.ok, `${g.name} cut to ${length} bytes verified`);
      count++;
    }
  }
  assert.ok(count > 9000);
});

test('every bit pattern change in the 24-byte snapshot header is rejected', () => {
  for (const g of golden) {
    for (let at = 0; at < 24; at++) {
      for (const mask of [0x01, 0x80, 0xff]) {
        const bytes = g.snapshot.slice();
        bytes[at] ^= mask;
        assert.not.ok(check(bytes, `${g.name} byte ${at} ^ ${mask}`).ok, `${g.name}: header byte ${at} ^ 0x${mask.toString(16)} verified`);
      }
    }
  }
});

test('flipped bytes in block headers, argument headers, literal slots and tails never crash the verifier', () => {
  let changed = 0;
  let caught = 0;
  for (const g of golden) {
    const { snapshot, layout } = parseSnapshot(g.snapshot);
    snapshot.blocks.forEach((b, i) => {
      const start = layout.blockOffsets[i];
      const size = layout.blockSizes[i];
      const positions = new Set<number>();
      for (let k = 0; k < 6; k++) positions.add(start + k);
      if (b.kind === 'function') {
        for (let k = 6; k < layout.codeOffsets[i] - start; k++) positions.add(start + k);
        for (let k = layout.codeOffsets[i] + b.code.length; k < start + size; k++) positions.add(k);
      }
      for (const at of positions) {
        for (const mask of [0x01, 0xff]) {
          const bytes = g.snapshot.slice();
          bytes[at] ^= mask;
          changed++;
          if (!check(bytes, `${g.name} byte ${at} ^ ${mask}`).ok) caught++;
        }
      }
    });
  }
  // Some flips give another valid snapshot (a reference to a different literal, a higher stack limit,
  // a flag the engine tolerates); the clear majority must be caught.
  assert.ok(caught / changed > 0.85, `${caught} of ${changed} caught`);
});

test('block size fields: any other value is rejected', () => {
  for (const g of golden) {
    const { layout } = parseSnapshot(g.snapshot);
    for (const start of layout.blockOffsets) {
      for (const delta of [-2, -1, 1, 2]) {
        const bytes = g.snapshot.slice();
        const view = new DataView(bytes.buffer);
        view.setUint16(start, (view.getUint16(start, true) + delta) & 0xffff, true);
        assert.not.ok(check(bytes, `${g.name} block at ${start} size ${delta}`).ok, `${g.name}: block at ${start} size ${delta > 0 ? '+' : ''}${delta} verified`);
      }
    }
  }
});

test('invalid opcodes at every instruction are rejected with their position', () => {
  let tried = 0;
  for (const g of golden) {
    const { snapshot, layout } = parseSnapshot(g.snapshot);
    snapshot.blocks.forEach((b, i) => {
      if (b.kind !== 'function') return;
      const fn = b as FunctionBlock;
      for (const ins of decodeCode(fn.code, (fn.statusFlags & 1) !== 0, { base: 0, label: '' })) {
        const at = layout.codeOffsets[i] + ins.offset + (ins.opcode.ext ? 1 : 0);
        for (const bad of ins.opcode.ext ? [CBC_EXT.length, 0xff] : [CBC.length, 0xff]) {
          const bytes = g.snapshot.slice();
          bytes[at] = bad;
          const r = check(bytes, `${g.name} opcode at ${at} = ${bad}`);
          const kind = ins.opcode.ext ? 'unknown extended opcode' : 'unknown opcode';
          assert.match(r.errors.join('\n'), new RegExp(`block #${i}: ${kind} ${bad} .* at code offset ${ins.offset} \\(at byte ${at - (ins.opcode.ext ? 1 : 0)},`));
          tried++;
        }
      }
    });
  }
  assert.ok(tried > 1000);
});

test('random byte mutations never crash the reader or the verifier', () => {
  let seed = 12345;
  const random = (n: number) => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return (seed >>> 8) % n;
  };
  for (let round = 0; round < 1000; round++) {
    const g = golden[random(golden.length)];
    const bytes = g.snapshot.slice();
    const count = 1 + random(4);
    for (let k = 0; k < count; k++) bytes[random(bytes.length)] = random(256);
    check(bytes, `${g.name} round ${round}`);
  }
});

test('adversarial sizes: 400 KB of byte code the VM cannot run is reported briefly and quickly', () => {
  const g = golden.find((x) => x.name === 'es2020_nullish')!;
  const s = readSnapshot(g.snapshot);
  const fn = s.blocks[0] as FunctionBlock;
  const code = new Uint8Array(400_000 + fn.code.length);
  code.set(fn.code, 400_000);
  fn.code = code;
  const started = Date.now();
  const r = check(writeSnapshot(s), 'EXT_NOP run');
  assert.ok(Date.now() - started < 3000, `${Date.now() - started} ms`);
  assert.is(r.errors.length, 11);
  assert.match(r.errors[0], /CBC_EXT_NOP at code offset 0 .*not allowed in a snapshot/);
  assert.match(r.errors[10], /and 199990 more byte-code errors/);
});

test.run();
