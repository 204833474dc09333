import * as net from 'node:net';
import { performance } from 'node:perf_hooks';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { W5500Chip, type W5500Options } from '../../cli/emulate/w5500';
import { bytes, echo, freePort, tcpServer } from './host-peers';
import { C, CR, IRB, S, SR, SpiHost, rejects, sleep, txBsb, waitFor } from './spi-host';

function setup(options: W5500Options = {}): { chip: W5500Chip; host: SpiHost } {
  const chip = new W5500Chip(options);
  const host = new SpiHost(chip);
  host.configure();
  return { chip, host };
}

test('client echo through real host sockets, pointers wrapping past 0xFFFF', async () => {
  const peer = await tcpServer(echo);
  const { chip, host } = setup();
  host.open(0, 'tcp', 0xc000);
  const seen: number[] = [];
  await host.connect(0, '127.0.0.1', peer.port, seen);
  assert.equal(seen, [SR.SYNSENT, SR.ESTABLISHED]);
  assert.equal(Array.from(host.read(1, S.DIPR, 6)), [127, 0, 0, 1, peer.port >> 8, peer.port & 0xff]);
  assert.equal(Array.from(host.read(1, S.DHAR, 6)), [0x02, 0x00, 127, 0, 0, 1]);
  assert.is(host.s16(0, S.TX_WR), 0xfff0);
  assert.is(host.s16(0, S.RX_RD), 0xfff0);
  const sent: number[] = [];
  const got: number[] = [];
  for (const size of [100, 2048, 1500, 3]) {
    const chunk = bytes(size, sent.length);
    await host.send(0, chunk);
    sent.push(...chunk);
    got.push(...(await host.receiveExactly(0, size)));
  }
  assert.equal(got, sent);
  assert.is(host.s16(0, S.TX_WR), (0xfff0 + sent.length) & 0xffff);
  assert.is(host.s16(0, S.RX_RD), (0xfff0 + sent.length) & 0xffff);
  assert.is(host.stable16(0, S.TX_FSR), 2048);
  // active close: FIN_WAIT is visible, the echo server ends too, then CLOSED (via TIME_WAIT)
  host.command(0, CR.DISCON);
  const states: number[] = [];
  await waitFor('CLOSED', () => {
    const sr = host.status(0);
    if (states[states.length - 1] !== sr) states.push(sr);
    return sr === SR.CLOSED;
  });
  assert.equal(states, [SR.FIN_WAIT, SR.TIME_WAIT, SR.CLOSED]);
  assert.is(host.s8(0, S.IR) & IRB.DISCON, IRB.DISCON);
  assert.equal(chip.warnings, []);
  chip.close();
  await peer.close();
});

test('TX_FSR gives space back only when the peer ACKs; overrunning it is reported', async () => {
  const peer = await tcpServer(() => {});
  const { chip, host } = setup({ ackDelayMs: 40 });
  host.open(1, 'tcp', 0xc001);
  await host.connect(1, '127.0.0.1', peer.port);
  await host.send(1, bytes(2000));
  assert.is(host.stable16(1, S.TX_FSR), 48); // SEND_OK came, the ACK not yet
  await waitFor('ACK', () => host.stable16(1, S.TX_FSR) === 2048);
  // a driver that ignores TX_FSR
  const wr = host.s16(1, S.TX_WR);
  host.write(txBsb(1), wr, bytes(1000));
  host.setS16(1, S.TX_WR, (wr + 1000) & 0xffff);
  host.command(1, CR.SEND);
  const wr2 = (wr + 1000) & 0xffff;
  host.write(txBsb(1), wr2, bytes(1500));
  host.setS16(1, S.TX_WR, (wr2 + 1500) & 0xffff);
  host.command(1, CR.SEND);
  assert.ok(chip.warnings.some((w) => w.includes('TX_WR advanced beyond TX_FSR')));
  chip.close();
  await peer.close();
});

test('refused connection: SYNSENT then CLOSED, no TIMEOUT', async () => {
  const port = await freePort();
  const { chip, host } = setup();
  host.open(0, 'tcp', 0xc000);
  const seen: number[] = [];
  await rejects(host.connect(0, '127.0.0.1', port, seen), /ECONNREFUSED/);
  assert.equal(seen, [SR.SYNSENT, SR.CLOSED]);
  assert.is(host.s8(0, S.IR), 0);
  chip.close();
});

test('fault: CONNECT never answered → TIMEOUT after the scaled TCPTO', async () => {
  const peer = await tcpServer(() => {});
  const { chip, host } = setup({ tcpTimeoutMs: 150 });
  chip.dropConnects(true);
  host.open(0, 'tcp', 0xc000);
  const start = Date.now();
  await rejects(host.connect(0, '127.0.0.1', peer.port), /ETIMEDOUT/);
  assert.ok(Date.now() - start >= 140, `after ${Date.now() - start} ms`);
  assert.is(host.status(0), SR.CLOSED);
  assert.is(peer.conns.length, 0);
  chip.close();
  await peer.close();
});

test('TCPTO follows RTR/RCR when not scaled: RTR 1 ms, RCR 2 → 1+2+4 = 7 ms; ARP timeout 3 ms', async () => {
  const { chip, host } = setup();
  chip.dropConnects(true);
  host.setCommon(C.RTR, [0x00, 0x0a]);
  host.setCommon(C.RCR, [2]);
  host.open(0, 'tcp', 0xc000);
  let start = performance.now();
  await rejects(host.connect(0, '127.0.0.1', 9), /ETIMEDOUT/);
  const tcp = performance.now() - start;
  assert.ok(tcp >= 7 && tcp < 500, `TCPTO ${tcp} ms`);
  chip.setLink(false);
  host.clearIr(0, 0xff);
  host.open(0, 'tcp', 0xc000);
  start = performance.now();
  await rejects(host.connect(0, '127.0.0.1', 9), /ETIMEDOUT/);
  const arp = performance.now() - start;
  assert.ok(arp >= 3 && arp < 500, `ARPTO ${arp} ms`);
  chip.close();
});

test('CONNECT before the IP is configured never gets an answer (warning, TIMEOUT)', async () => {
  const peer = await tcpServer(() => {});
  const chip = new W5500Chip({ tcpTimeoutMs: 50 });
  const host = new SpiHost(chip);
  host.open(0, 'tcp', 0xc000);
  await rejects(host.connect(0, '127.0.0.1', peer.port), /ETIMEDOUT/);
  assert.ok(chip.warnings.some((w) => w.includes('CONNECT with SIPR 0.0.0.0')));
  assert.is(peer.conns.length, 0);
  chip.close();
  await peer.close();
});

test('destinations beyond the loopback network: via the gateway nobody answers (TCPTO); no gateway → ARP timeout', async () => {
  const { chip, host } = setup({ tcpTimeoutMs: 60 });
  host.setCommon(C.SUBR, [255, 255, 255, 0]);
  host.open(0, 'tcp', 0xc000);
  let start = Date.now();
  await rejects(host.connect(0, '10.1.2.3', 80), /ETIMEDOUT/);
  assert.ok(Date.now() - start >= 55);
  host.setCommon(C.GAR, [0, 0, 0, 0]);
  host.clearIr(0, 0xff);
  host.open(0, 'tcp', 0xc000);
  start = Date.now();
  await rejects(host.connect(0, '10.1.2.3', 80), /ETIMEDOUT/);
  assert.ok(Date.now() - start < 55, 'ARP timeout is shorter than TCPTO');
  chip.close();
});

test('peer reset: → CLOSED with no Sn_IR bit; fault resetPeer() resets the host side too', async () => {
  const peer = await tcpServer((conn) => setTimeout(() => conn.resetAndDestroy(), 20));
  const { chip, host } = setup();
  host.open(0, 'tcp', 0xc000);
  await host.connect(0, '127.0.0.1', peer.port);
  await waitFor('CLOSED', () => host.status(0) === SR.CLOSED);
  assert.is(host.s8(0, S.IR), 0);
  await peer.close();

  const errors: string[] = [];
  const peer2 = await tcpServer((conn) => conn.on('error', (e: NodeJS.ErrnoException) => errors.push(e.code ?? '')));
  host.open(1, 'tcp', 0xc001);
  await host.connect(1, '127.0.0.1', peer2.port);
  assert.ok(chip.resetPeer(1));
  assert.is(host.status(1), SR.CLOSED);
  await waitFor('host ECONNRESET', () => errors.length > 0);
  assert.equal(errors, ['ECONNRESET']);
  assert.not.ok(chip.resetPeer(1));
  chip.close();
  await peer2.close();
});

test('fault: a peer that stops acknowledging → SEND never completes, TIMEOUT after TCPTO, CLOSED', async () => {
  const peer = await tcpServer(() => {});
  const { chip, host } = setup({ tcpTimeoutMs: 80 });
  host.open(0, 'tcp', 0xc000);
  await host.connect(0, '127.0.0.1', peer.port);
  chip.stallPeer(0, true);
  await rejects(host.send(0, bytes(10)), /ETIMEDOUT/);
  assert.is(host.status(0), SR.CLOSED);
  chip.close();
  await peer.close();
});

test('zero window: RX_RSR never exceeds the RX size; nothing is lost; RECV reopens the window', async () => {
  const data = bytes(7000, 3);
  const peer = await tcpServer((conn) => conn.write(data));
  const { chip, host } = setup();
  host.open(0, 'tcp', 0xc000);
  await host.connect(0, '127.0.0.1', peer.port);
  await waitFor('RX full', () => host.stable16(0, S.RX_RSR) === 2048);
  await sleep(20);
  assert.is(host.stable16(0, S.RX_RSR), 2048);
  const got = [...host.receive(0, 1000)];
  assert.is(host.stable16(0, S.RX_RSR), 2048); // refilled after RECV
  got.push(...(await host.receiveExactly(0, data.length - got.length)));
  assert.equal(got, Array.from(data));
  chip.close();
  await peer.close();
});

test('fault: RX_RSR changes between its two byte reads; double reads settle on the truth', async () => {
  const peer = await tcpServer((conn) => conn.write(bytes(300)));
  const { chip, host } = setup();
  chip.tearRxRsr(0, true);
  host.open(0, 'tcp', 0xc000);
  await host.connect(0, '127.0.0.1', peer.port);
  await waitFor('RECV', () => host.s8(0, S.IR) & IRB.RECV);
  const msb = host.read(1, S.RX_RSR, 1)[0];
  const lsb = host.read(1, S.RX_RSR + 1, 1)[0];
  assert.is((msb << 8) | lsb, 0x002c); // 0x0001 then 0x012C: a torn read
  assert.is(host.stable16(0, S.RX_RSR), 300);
  assert.equal(Array.from(await host.receiveExactly(0, 300)), Array.from(bytes(300)));
  chip.close();
  await peer.close();
});

test('link down: incoming data waits, SEND waits; back up in time, both flow', async () => {
  let conn: net.Socket | undefined;
  const received: number[] = [];
  const peer = await tcpServer((c) => {
    conn = c;
    c.on('data', (d) => received.push(...d));
  });
  const { chip, host } = setup({ tcpTimeoutMs: 2000 });
  host.open(0, 'tcp', 0xc000);
  await host.connect(0, '127.0.0.1', peer.port);
  await waitFor('server side', () => conn);
  chip.setLink(false);
  conn!.write('hello');
  await sleep(20);
  assert.is(host.stable16(0, S.RX_RSR), 0);
  const sending = host.send(0, bytes(4));
  await sleep(20);
  assert.is(received.length, 0);
  chip.setLink(true);
  await sending;
  assert.equal(Buffer.from(await host.receiveExactly(0, 5)).toString(), 'hello');
  await waitFor('peer got data', () => received.length === 4);
  chip.close();
  await peer.close();
});

test.run();
