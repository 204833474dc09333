import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { W5500Chip } from '../../cli/emulate/w5500';
import { echo, tcpServer } from './host-peers';
import { C, CR, FakePins, IRB, S, SpiHost, rejects, spin, waitFor } from './spi-host';

const INT = 21;

function setup(options = {}): { chip: W5500Chip; host: SpiHost; pins: FakePins } {
  const chip = new W5500Chip(options);
  const pins = new FakePins();
  chip.attach(pins, { rst: 20, int: INT });
  const host = new SpiHost(chip);
  host.configure();
  return { chip, host, pins };
}

test('INTn follows (Sn_IR & Sn_IMR) via SIR & SIMR: CON, RECV, SEND_OK, DISCON', async () => {
  const peer = await tcpServer(echo);
  const { chip, host, pins } = setup();
  assert.is(pins.read(INT), 1);
  host.setCommon(C.SIMR, [0x01]);
  host.open(0, 'tcp', 0xc000);
  host.setS(0, S.DIPR, [127, 0, 0, 1]);
  host.setS16(0, S.DPORT, peer.port);
  host.command(0, CR.CONNECT);
  await waitFor('INTn low on CON', () => pins.read(INT) === 0);
  assert.is(host.s8(0, S.IR), IRB.CON);
  assert.is(host.common8(C.SIR), 0x01);
  host.clearIr(0, IRB.CON);
  assert.is(pins.read(INT), 1);
  const wr = host.s16(0, S.TX_WR);
  host.write(2, wr, [1, 2, 3]);
  host.setS16(0, S.TX_WR, (wr + 3) & 0xffff);
  host.command(0, CR.SEND);
  await waitFor('INTn low', () => pins.read(INT) === 0);
  await waitFor('echo arrived', () => host.s8(0, S.IR) === (IRB.SEND_OK | IRB.RECV));
  host.clearIr(0, IRB.SEND_OK);
  assert.is(pins.read(INT), 0); // RECV still pending
  host.clearIr(0, IRB.RECV);
  assert.is(pins.read(INT), 1);
  peer.conns[0].end();
  await waitFor('INTn low on DISCON', () => pins.read(INT) === 0);
  assert.is(host.s8(0, S.IR), IRB.DISCON);
  chip.close();
  await peer.close();
});

test('masks: Sn_IMR selects bits, SIMR selects sockets; IR & IMR drives INTn too', async () => {
  const peer = await tcpServer(() => {});
  const { chip, host, pins } = setup({ tcpTimeoutMs: 30 });
  chip.dropConnects(true);
  host.setCommon(C.SIMR, [0x02]);
  host.open(1, 'tcp', 0xc001);
  host.setS(1, S.IMR, [IRB.RECV]);
  await rejects(host.connect(1, '127.0.0.1', peer.port), /ETIMEDOUT/);
  host.setS(1, S.IR, [0]);
  assert.is(host.s8(1, S.IR), IRB.TIMEOUT);
  assert.is(pins.read(INT), 1); // TIMEOUT masked by Sn_IMR
  host.setS(1, S.IMR, [0xff]);
  assert.is(pins.read(INT), 0);
  host.setCommon(C.SIMR, [0x00]);
  assert.is(pins.read(INT), 1);
  assert.is(host.common8(C.SIR), 0x02); // SIR shows it; only INTn is masked
  host.setCommon(C.IMR, [0x40]);
  host.open(2, 'udp', 0xc002);
  await host.sendTo(2, '127.0.0.254', 7, Uint8Array.of(0));
  await waitFor('UNREACH drives INTn', () => pins.read(INT) === 0);
  host.setCommon(C.IR, [0x40]);
  assert.is(pins.read(INT), 1);
  chip.close();
  await peer.close();
});

test('INTn is released while the chip is held in reset, and cleared by the reset', async () => {
  const { chip, host, pins } = setup();
  host.setCommon(C.IMR, [0x40]);
  host.open(2, 'udp', 0xc002);
  await host.sendTo(2, '127.0.0.254', 7, Uint8Array.of(0));
  await waitFor('UNREACH drives INTn', () => pins.read(INT) === 0);
  pins.write(20, 0);
  assert.is(pins.read(INT), 1);
  spin(0.6);
  pins.write(20, 1);
  spin(1.2);
  assert.is(pins.read(INT), 1);
  assert.is(host.common8(C.IR), 0);
  chip.close();
});

test.run();
