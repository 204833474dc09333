import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { W5500Chip } from '../../cli/emulate/w5500';
import { C, CR, S, SpiHost, sregBsb, txBsb, waitFor } from './spi-host';

test('VERSIONR reads 0x04 in a VDM frame; header bytes clock out 01 02 03', () => {
  const chip = new W5500Chip();
  const miso = new SpiHost(chip).frame([0x00, 0x39, 0x00, 0xaa]);
  assert.equal(Array.from(miso), [0x01, 0x02, 0x03, 0x04]);
});

test('worked frames of the datasheet: write S0_CR=OPEN, read S2_SR, S1 TX buffer at 0x07FE', () => {
  const chip = new W5500Chip();
  const host = new SpiHost(chip);
  host.frame([0x00, 0x00, 0x0c, 0x01]); // S0_MR = TCP
  host.frame([0x00, 0x04, 0x0c, 0xc0, 0x00]); // S0_PORT = 49152
  host.frame([0x00, 0x01, 0x0c, 0x01]); // S0_CR = OPEN
  assert.is(host.status(0), 0x13);
  assert.is(host.frame([0x00, 0x03, 0x48, 0x00])[3], 0x00); // S2_SR: closed
  host.frame([0x07, 0xfe, 0x34, 0xd0, 0xd1, 0xd2]);
  assert.equal(Array.from(host.read(txBsb(1), 0x07fe, 3)), [0xd0, 0xd1, 0xd2]);
  assert.equal(chip.warnings, []);
});

test('auto-increment: one frame writes and reads several registers; multi-byte reset values', () => {
  const chip = new W5500Chip();
  const host = new SpiHost(chip);
  host.write(0, C.GAR, [127, 0, 0, 254, 255, 0, 0, 0, 1, 2, 3, 4, 5, 6]); // GAR, SUBR, SHAR in one go
  assert.equal(Array.from(host.read(0, C.GAR, 14)), [127, 0, 0, 254, 255, 0, 0, 0, 1, 2, 3, 4, 5, 6]);
  assert.equal(Array.from(host.read(0, C.RTR, 4)), [0x07, 0xd0, 0x08, 0x28]); // RTR, RCR, PTIMER
  assert.equal(Array.from(host.read(sregBsb(3), S.DHAR, 6)), [0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
  assert.is(host.s16(3, S.TX_FSR), 0x0800);
  assert.is(host.s8(3, 0x16), 0x80); // TTL
  assert.is(host.s8(3, S.IMR), 0xff);
  assert.is(host.s16(3, 0x2d), 0x4000); // FRAG
});

test('a frame may span several transfer() calls (header and data split anywhere)', () => {
  const chip = new W5500Chip();
  chip.select();
  chip.transfer(Uint8Array.of(0x00));
  chip.transfer(Uint8Array.of(0x09, 0x04, 0xaa)); // rest of header + first SHAR byte
  chip.transfer(Uint8Array.of(0xbb, 0xcc));
  chip.deselect();
  chip.select();
  const a = chip.transfer(Uint8Array.of(0x00, 0x09));
  const b = chip.transfer(Uint8Array.of(0x00));
  const c = chip.transfer(Uint8Array.of(0, 0, 0));
  chip.deselect();
  assert.equal([...a, ...b, ...c], [1, 2, 3, 0xaa, 0xbb, 0xcc]);
});

test('FDM: 1, 2 and 4 byte frames back to back within one selection', () => {
  const chip = new W5500Chip();
  chip.select();
  // FDM4 write SIPR, FDM1 write IMR, FDM2 write RTR, then FDM4 read SIPR, FDM2 read RTR, FDM1 read VERSIONR
  chip.transfer(Uint8Array.of(0x00, 0x0f, 0x07, 127, 0, 0, 9, 0x00, 0x16, 0x05, 0xf0, 0x00, 0x19, 0x06, 0x01, 0x02));
  const miso = chip.transfer(Uint8Array.of(0x00, 0x0f, 0x03, 0, 0, 0, 0, 0x00, 0x19, 0x02, 0, 0, 0x00, 0x39, 0x01, 0));
  chip.deselect();
  assert.equal(Array.from(miso), [1, 2, 3, 127, 0, 0, 9, 1, 2, 3, 0x01, 0x02, 1, 2, 3, 0x04]);
  assert.is(new SpiHost(chip).common8(0x16), 0xf0);
});

test('VDM frame ends at CS high: the next byte is a new header', () => {
  const chip = new W5500Chip();
  const host = new SpiHost(chip);
  host.frame([0x00, 0x0f, 0x04, 127, 0]); // SIPR first two bytes only
  host.frame([0x00, 0x39, 0x04]); // header only (write to VERSIONR, no data): nothing happens
  assert.equal(Array.from(host.read(0, C.SIPR, 4)), [127, 0, 0, 0]);
  assert.is(host.common8(C.VERSIONR), 4);
});

test('buffer blocks: any 16-bit offset maps into the socket buffer and wraps inside it', () => {
  const chip = new W5500Chip();
  const host = new SpiHost(chip);
  host.write(txBsb(2), 0xfffe, [1, 2, 3, 4]); // 0xFFFE mod 2048 = 2046: 2046, 2047, then 0, 1
  assert.equal(Array.from(host.read(txBsb(2), 0x07fe, 4)), [1, 2, 3, 4]);
  assert.equal(Array.from(host.read(txBsb(2), 0x0000, 2)), [3, 4]);
  assert.equal(Array.from(host.read(txBsb(1), 0x0000, 2)), [0, 0]); // other sockets untouched
  assert.equal(Array.from(host.read(txBsb(3), 0x0000, 2)), [0, 0]);
});

test('buffer sizes follow Sn_TXBUF_SIZE; a sum over 16 KB overlaps buffers and warns on OPEN', () => {
  const chip = new W5500Chip();
  const host = new SpiHost(chip);
  host.setS(0, S.TXBUF, [16]);
  host.write(txBsb(0), 0x2000, [7, 7]); // inside a 16 KB buffer: no wrap at 2 KB
  assert.equal(Array.from(host.read(txBsb(0), 0x2000, 2)), [7, 7]);
  assert.equal(Array.from(host.read(txBsb(0), 0x0000, 2)), [0, 0]);
  // S1's 2 KB now starts at 16 KB = wraps onto S0's first bytes
  host.write(txBsb(1), 0x0000, [9]);
  assert.is(host.read(txBsb(0), 0, 1)[0], 9);
  host.setS(1, S.MR, [0x01]);
  host.command(1, CR.OPEN);
  assert.ok(chip.warnings.some((w) => w.includes('sum to 30 KB')));
  host.setS(2, S.RXBUF, [3]);
  assert.ok(chip.warnings.some((w) => w.includes('RXBUF_SIZE = 3')));
  host.setS(3, S.TXBUF, [0]);
  host.write(txBsb(3), 0, [5]);
  assert.is(host.read(txBsb(3), 0, 1)[0], 0);
});

test('reserved BSBs are ignored (writes do nothing, reads 0x00)', () => {
  const chip = new W5500Chip();
  const host = new SpiHost(chip);
  host.write(0x04, C.SIPR, [1, 2, 3, 4]);
  host.write(0x1c, 0x0003, [0xff]);
  assert.equal(Array.from(host.read(0, C.SIPR, 4)), [0, 0, 0, 0]);
  assert.equal(Array.from(host.read(0x08, 0x0039, 1)), [0]);
  assert.ok(chip.warnings.some((w) => w.includes('reserved BSB 0x04')));
});

test('read-only registers ignore writes; Sn_IR and IR are write-1-to-clear; SIR follows Sn_IR & Sn_IMR', async () => {
  const chip = new W5500Chip();
  const host = new SpiHost(chip);
  host.setCommon(C.VERSIONR, [0x99]);
  assert.is(host.common8(C.VERSIONR), 4);
  host.setS(0, S.TX_FSR, [0, 0]);
  assert.is(host.s16(0, S.TX_FSR), 0x0800);
  host.setS(0, S.SR, [0x17]);
  assert.is(host.status(0), 0);
  host.setCommon(C.SIR, [0xff]);
  assert.is(host.common8(C.SIR), 0);
  assert.ok(chip.warnings.some((w) => w.includes('read-only socket register 0x0003')));
  // Sn_IR.SEND_OK from a broadcast UDP datagram nobody answers
  host.configure();
  host.open(5, 'udp', 999);
  host.setS(5, S.DIPR, [255, 255, 255, 255]);
  host.setS16(5, S.DPORT, 9);
  const wr = host.s16(5, S.TX_WR);
  host.write(txBsb(5), wr, [1]);
  host.setS16(5, S.TX_WR, (wr + 1) & 0xffff);
  host.command(5, CR.SEND);
  await waitFor('SEND_OK', () => host.s8(5, S.IR) === 0x10);
  assert.is(host.common8(C.SIR), 0x20);
  host.setS(5, S.IMR, [0x00]);
  assert.is(host.common8(C.SIR), 0x00);
  host.setS(5, S.IMR, [0xff]);
  host.clearIr(5, 0x04); // not set: no change
  assert.is(host.s8(5, S.IR), 0x10);
  host.clearIr(5, 0x10);
  assert.is(host.s8(5, S.IR), 0x00);
  assert.is(host.common8(C.SIR), 0x00);
  chip.close();
});

test('transfer while CS is high: MISO 0xFF and a warning', () => {
  const chip = new W5500Chip();
  const miso = chip.transfer(Uint8Array.of(0x00, 0x39, 0x00, 0x00));
  assert.equal(Array.from(miso), [0xff, 0xff, 0xff, 0xff]);
  assert.ok(chip.warnings[0].includes('SCSn is high'));
});

test('Sn_CR clears after crReadsBeforeClear reads; a command written before that is ignored', () => {
  const chip = new W5500Chip({ crReadsBeforeClear: 3 });
  const host = new SpiHost(chip);
  host.setS(0, S.MR, [0x01]);
  host.setS(0, S.CR, [CR.OPEN]);
  host.setS(0, S.CR, [CR.CLOSE]); // too early
  assert.is(host.status(0), 0x13);
  assert.ok(chip.warnings.some((w) => w.includes('has not cleared')));
  assert.equal([host.s8(0, S.CR), host.s8(0, S.CR), host.s8(0, S.CR), host.s8(0, S.CR)], [1, 1, 1, 0]);
  assert.is(host.command(0, CR.CLOSE), 4);
  assert.is(host.status(0), 0);
});

test('commands in the wrong state are ignored with a warning; OPEN needs CLOSED', () => {
  const chip = new W5500Chip();
  const host = new SpiHost(chip);
  host.command(0, CR.CONNECT);
  host.command(0, CR.SEND);
  assert.is(host.status(0), 0);
  host.setS(0, S.MR, [0x01]);
  host.command(0, CR.OPEN);
  host.setS(0, S.MR, [0x02]);
  host.command(0, CR.OPEN); // still INIT, not reopened as UDP
  assert.is(host.status(0), 0x13);
  assert.ok(chip.warnings.some((w) => w.includes('CONNECT ignored in Sn_SR 0x00')));
  assert.ok(chip.warnings.some((w) => w.includes('OPEN (issue CLOSE first) ignored')));
  host.setS(0, S.CR, [0x03]);
  assert.ok(chip.warnings.some((w) => w.includes('unknown Sn_CR command 0x03')));
});

test('OPEN sets the pointers; UDP starts at pointerStart, TCP elsewhere until connected', () => {
  const chip = new W5500Chip({ pointerStart: 0x1234 });
  const host = new SpiHost(chip);
  host.open(0, 'udp', 900);
  assert.equal([host.s16(0, S.TX_RD), host.s16(0, S.TX_WR), host.s16(0, S.RX_RD), host.s16(0, S.RX_WR)], [0x1234, 0x1234, 0x1234, 0x1234]);
  host.open(1, 'tcp', 901);
  assert.is.not(host.s16(1, S.TX_WR), 0x1234);
  assert.is(host.s16(1, S.TX_FSR), 2048);
  chip.close();
});

test.run();
