import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { W5500Chip } from '../../cli/emulate/w5500';
import { C, CR, FakePins, S, SpiHost, sleep, spin, waitFor } from './spi-host';

const WIRING = { cs: 17, rst: 20, int: 21 };

test('detection as Arduino/Adafruit do it: soft reset, MR write/read-back, VERSIONR', () => {
  const host = new SpiHost(new W5500Chip());
  host.setCommon(C.MR, [0x80]);
  assert.is(host.common8(C.MR), 0x00);
  for (const v of [0x08, 0x10, 0x00]) {
    host.setCommon(C.MR, [v]);
    assert.is(host.common8(C.MR), v);
  }
  host.setCommon(C.MR, [0x45]); // reserved bits 6, 2, 0 do not stick
  assert.is(host.common8(C.MR), 0x00);
  assert.is(host.common8(C.VERSIONR), 0x04);
  assert.equal(Array.from(host.read(0, C.RTR, 2)), [0x07, 0xd0]);
});

test('MR.RST: every register back to its reset value, sockets closed', () => {
  const chip = new W5500Chip();
  const host = new SpiHost(chip);
  host.configure();
  host.setCommon(C.RTR, [0x00, 0x10]);
  host.setCommon(C.SIMR, [0xff]);
  host.open(2, 'tcp', 4242);
  host.setS(2, S.TXBUF, [4]);
  host.setS(2, S.IMR, [0x0f]);
  host.setCommon(C.MR, [0x80]);
  assert.equal(Array.from(host.read(0, C.GAR, 18)), new Array(18).fill(0));
  assert.equal(Array.from(host.read(0, C.RTR, 2)), [0x07, 0xd0]);
  assert.is(host.common8(C.SIMR), 0);
  assert.is(host.status(2), 0);
  assert.is(host.s16(2, S.PORT), 0);
  assert.is(host.s8(2, S.TXBUF), 2);
  assert.is(host.s8(2, S.IMR), 0xff);
  assert.is(host.common8(C.PHYCFGR), 0xbf);
});

test('CS pin frames SPI; RSTn low ≥ 500 µs resets, the chip reads 0x00 while held and until its PLL locks', async () => {
  const chip = new W5500Chip();
  const pins = new FakePins();
  chip.attach(pins, WIRING);
  const frame = (bytes: number[]): number[] => {
    pins.write(17, 0);
    const miso = chip.transfer(Uint8Array.from(bytes));
    pins.write(17, 1);
    return Array.from(miso);
  };
  assert.equal(frame([0x00, 0x39, 0x00, 0x00]), [1, 2, 3, 4]);
  frame([0x00, 0x0f, 0x04, 127, 0, 0, 1]);
  pins.write(20, 0);
  assert.equal(frame([0x00, 0x39, 0x00, 0x00]), [0, 0, 0, 0]);
  spin(0.6);
  pins.write(20, 1);
  assert.equal(frame([0x00, 0x39, 0x00, 0x00]), [0, 0, 0, 0]); // PLL not locked yet
  await sleep(3);
  assert.equal(frame([0x00, 0x39, 0x00, 0x00]), [1, 2, 3, 4]);
  assert.equal(frame([0x00, 0x0f, 0x00, 0, 0, 0, 0]), [1, 2, 3, 0, 0, 0, 0]);
  assert.equal(chip.warnings, []);
});

test('a RSTn pulse shorter than 500 µs does not reset (warning)', async () => {
  const chip = new W5500Chip();
  const pins = new FakePins();
  chip.attach(pins, WIRING);
  const host = new SpiHost(chip);
  host.setCommon(C.SIPR, [127, 0, 0, 1]);
  pins.write(20, 0);
  pins.write(20, 1);
  assert.equal(Array.from(host.read(0, C.SIPR, 4)), [127, 0, 0, 1]);
  assert.ok(chip.warnings[0].includes('shorter than 500 µs'));
});

test('attach() rejects bad wiring', () => {
  const chip = new W5500Chip();
  assert.throws(() => chip.attach(new FakePins(), { cs: 17, rst: 17 }), /wiring\.rst uses GP17 twice/);
  assert.throws(() => chip.attach(new FakePins(), { cs: 40 }), /wiring\.cs must be a GPIO number/);
});

test('without a CS pin the chip is always selected (SCSn tied low, FDM)', () => {
  const chip = new W5500Chip();
  chip.attach(new FakePins(), { int: 21 });
  assert.equal(Array.from(chip.transfer(Uint8Array.of(0x00, 0x39, 0x01, 0x00))), [1, 2, 3, 4]);
});

test('PHYCFGR: link bit settable by the test; PHY reset (RST 0 then 1) and power-down drop the link', async () => {
  const chip = new W5500Chip({ linkDelayMs: 20 });
  const host = new SpiHost(chip);
  assert.is(host.common8(C.PHYCFGR), 0xb8); // link not up yet
  await waitFor('link', () => host.common8(C.PHYCFGR) & 0x01);
  assert.is(host.common8(C.PHYCFGR), 0xbf); // 100 Mb/s full duplex, link
  chip.setLink(false);
  assert.is(host.common8(C.PHYCFGR), 0xb8);
  chip.setLink(true);
  assert.is(host.common8(C.PHYCFGR), 0xbf);
  host.setCommon(C.PHYCFGR, [0x38]);
  assert.is(host.common8(C.PHYCFGR) & 0x01, 0);
  host.setCommon(C.PHYCFGR, [0xb8]);
  assert.is(host.common8(C.PHYCFGR) & 0x01, 0);
  await waitFor('link after PHY reset', () => host.common8(C.PHYCFGR) & 0x01);
  host.setCommon(C.PHYCFGR, [0xd8]); // OPMD=1, OPMDC=011: 100BT full duplex, no AN
  assert.is(host.common8(C.PHYCFGR), 0xdf);
  host.setCommon(C.PHYCFGR, [0xc8]); // OPMDC=001: 10BT full duplex
  assert.is(host.common8(C.PHYCFGR), 0xcd);
  host.setCommon(C.PHYCFGR, [0xf0]); // OPMDC=110: power down
  assert.is(host.common8(C.PHYCFGR), 0xf0);
  host.setS(0, S.MR, [0x01]);
  host.setS16(0, S.PORT, 0xc000);
  host.command(0, CR.OPEN);
  assert.is(host.status(0), 0x13);
});

test('dead chip: 0x00 everywhere, writes ignored, INTn high; revived it still has its state', async () => {
  const chip = new W5500Chip();
  const pins = new FakePins();
  chip.attach(pins, { int: 21 });
  const host = new SpiHost(chip);
  host.configure();
  host.setCommon(C.IMR, [0x40]);
  host.open(2, 'udp', 0xc002);
  await host.sendTo(2, '127.0.0.254', 9, Uint8Array.of(0));
  await waitFor('UNREACH', () => pins.read(21) === 0);
  chip.setDead(true);
  assert.is(pins.read(21), 1);
  assert.equal(Array.from(host.frame([0x00, 0x39, 0x00, 0x00])), [0, 0, 0, 0]);
  host.setCommon(C.SIPR, [1, 1, 1, 1]);
  host.setS(0, S.CR, [CR.OPEN]);
  assert.is(host.s8(0, S.CR), 0);
  chip.setDead(false);
  assert.equal(Array.from(host.read(0, C.SIPR, 4)), [127, 0, 0, 1]);
  assert.is(host.common8(C.VERSIONR), 4);
  chip.close();
});

test.run();
