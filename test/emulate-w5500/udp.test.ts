import * as dgram from 'node:dgram';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { W5500Chip, type W5500Options } from '../../cli/emulate/w5500';
import { C, CR, IRB, S, SpiHost, sleep, waitFor } from './spi-host';

const MAC = [0x02, 0x08, 0xdc, 0x01, 0x02, 0x03];

function setup(options: W5500Options = {}, addr = '127.0.0.1'): { chip: W5500Chip; host: SpiHost } {
  const chip = new W5500Chip(options);
  const host = new SpiHost(chip);
  host.configure(addr, MAC);
  return { chip, host };
}

/** A DHCP client message (RFC 2131) as a driver builds it. */
function dhcpMessage(type: number, xid: number, o: { ciaddr?: number[]; requested?: number[]; server?: number[]; mac?: number[] } = {}): Uint8Array {
  const m = new Uint8Array(300);
  m.set([1, 1, 6, 0]);
  m.set([xid >>> 24, (xid >> 16) & 0xff, (xid >> 8) & 0xff, xid & 0xff], 4);
  if (o.ciaddr) m.set(o.ciaddr, 12);
  else m[10] = 0x80; // broadcast flag while unconfigured
  m.set(o.mac ?? MAC, 28);
  m.set([0x63, 0x82, 0x53, 0x63], 236);
  const opts = [53, 1, type];
  if (o.requested) opts.push(50, 4, ...o.requested);
  if (o.server) opts.push(54, 4, ...o.server);
  opts.push(55, 4, 1, 3, 6, 51, 255);
  m.set(opts, 240);
  return m;
}

function dhcpReply(data: Uint8Array): { xid: number; yiaddr: string; options: Map<number, number[]> } {
  const options = new Map<number, number[]>();
  for (let i = 240; data[i] !== 255; i += 2 + data[i + 1]) options.set(data[i], Array.from(data.subarray(i + 2, i + 2 + data[i + 1])));
  assert.is(data[0], 2);
  assert.equal(Array.from(data.subarray(28, 34)), MAC);
  return { xid: new DataView(data.buffer, data.byteOffset).getUint32(4), yiaddr: Array.from(data.subarray(16, 20)).join('.'), options };
}

/** Send a datagram, then wait briefly for a reply (the emulated services answer within ~1 ms). */
async function exchange(host: SpiHost, n: number, to: string, port: number, message: Uint8Array) {
  assert.is(await host.sendTo(n, to, port, message), 'ok');
  return waitFor('reply datagram', () => host.receiveDatagram(n), 80).catch(() => undefined);
}

test('DHCP over a UDP socket: DISCOVER → OFFER, REQUEST → ACK, renewal, NAK for another address', async () => {
  const { chip, host } = setup({ dhcp: { leaseSeconds: 120 } }, '0.0.0.0');
  host.open(0, 'udp', 68);
  const offer = await exchange(host, 0, '255.255.255.255', 67, dhcpMessage(1, 0x1234));
  assert.ok(offer);
  assert.is(offer!.ip, '127.0.0.254');
  assert.is(offer!.port, 67);
  const o = dhcpReply(offer!.data);
  assert.is(o.xid, 0x1234);
  assert.is(o.yiaddr, '127.0.0.1');
  assert.equal(o.options.get(53), [2]);
  assert.equal(o.options.get(54), [127, 0, 0, 254]);
  assert.equal(o.options.get(51), [0, 0, 0, 120]);
  assert.equal(o.options.get(58), [0, 0, 0, 60]);
  assert.equal(o.options.get(1), [255, 0, 0, 0]);
  assert.equal(o.options.get(3), [127, 0, 0, 254]);
  assert.equal(o.options.get(6), [127, 0, 0, 53]);
  const ack = await exchange(host, 0, '255.255.255.255', 67, dhcpMessage(3, 0x1235, { requested: [127, 0, 0, 1], server: [127, 0, 0, 254] }));
  assert.equal(dhcpReply(ack!.data).options.get(53), [5]);
  host.setCommon(C.SIPR, [127, 0, 0, 1]);
  // renewal (T1): unicast to the server with ciaddr
  const renew = await exchange(host, 0, '127.0.0.254', 67, dhcpMessage(3, 0x2000, { ciaddr: [127, 0, 0, 1] }));
  const r = dhcpReply(renew!.data);
  assert.equal(r.options.get(53), [5]);
  assert.is(r.yiaddr, '127.0.0.1');
  const nak = await exchange(host, 0, '255.255.255.255', 67, dhcpMessage(3, 0x2001, { requested: [127, 0, 0, 9] }));
  assert.equal(dhcpReply(nak!.data).options.get(53), [6]);
  assert.equal(chip.warnings, []);
  chip.close();
});

test('DHCP: no server when dhcp is false; a reservation ignores other MACs; chaddr ≠ SHAR warns', async () => {
  const off = setup({ dhcp: false }, '0.0.0.0');
  off.host.open(0, 'udp', 68);
  assert.is(await exchange(off.host, 0, '255.255.255.255', 67, dhcpMessage(1, 1)), undefined);
  off.chip.close();

  const reserved = setup({ mac: '02:00:00:00:00:01' }, '0.0.0.0');
  reserved.host.open(0, 'udp', 68);
  assert.is(await exchange(reserved.host, 0, '255.255.255.255', 67, dhcpMessage(1, 1)), undefined);
  assert.ok(reserved.chip.warnings.length === 0);
  assert.ok(await exchange(reserved.host, 0, '255.255.255.255', 67, dhcpMessage(1, 2, { mac: [2, 0, 0, 0, 0, 1] })));
  assert.ok(reserved.chip.warnings.some((w) => w.includes('chaddr 02:00:00:00:00:01 differs from SHAR 02:08:dc:01:02:03')));
  reserved.chip.close();
});

test('DHCP replies are broadcasts: Sn_MR.BCASTB blocks them; a client port other than 68 hears nothing', async () => {
  const { chip, host } = setup({}, '0.0.0.0');
  host.command(0, CR.CLOSE);
  host.setS(0, S.MR, [0x42]);
  host.setS16(0, S.PORT, 68);
  host.command(0, CR.OPEN);
  assert.is(await exchange(host, 0, '255.255.255.255', 67, dhcpMessage(1, 1)), undefined);
  host.open(1, 'udp', 6800);
  assert.is(await exchange(host, 1, '255.255.255.255', 67, dhcpMessage(1, 2)), undefined);
  assert.ok(chip.warnings.some((w) => w.includes('DHCP request sent from port 6800')));
  chip.close();
});

function dnsQuery(id: number, name: string, type = 1): Uint8Array {
  const q = [id >> 8, id & 0xff, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0];
  for (const label of name.split('.')) q.push(label.length, ...Buffer.from(label));
  q.push(0, 0, type, 0, 1);
  return Uint8Array.from(q);
}

test('DNS: A from the name table, NXDOMAIN for unknown names, empty answer for other types', async () => {
  const { chip, host } = setup({ dnsTable: { 'example.test': '127.0.0.1' } });
  host.open(2, 'udp', 0xc100);
  const found = await exchange(host, 2, '127.0.0.53', 53, dnsQuery(0xabcd, 'Example.TEST'));
  assert.is(found!.ip, '127.0.0.53');
  assert.is(found!.port, 53);
  const a = found!.data;
  assert.equal(Array.from(a.subarray(0, 8)), [0xab, 0xcd, 0x81, 0x80, 0, 1, 0, 1]);
  assert.equal(Array.from(a.subarray(a.length - 4)), [127, 0, 0, 1]);
  const missing = await exchange(host, 2, '127.0.0.53', 53, dnsQuery(7, 'nowhere.test'));
  assert.is(missing!.data[3] & 0x0f, 3);
  assert.is(missing!.data[7], 0);
  const aaaa = await exchange(host, 2, '127.0.0.53', 53, dnsQuery(8, 'example.test', 28));
  assert.is(aaaa!.data[3] & 0x0f, 0);
  assert.is(aaaa!.data[7], 0);
  chip.close();
});

test('UDP to a real host socket on loopback, RX datagrams carry the 8-byte header', async () => {
  const echo = dgram.createSocket('udp4');
  echo.on('message', (msg, rinfo) => echo.send(Buffer.concat([Buffer.from('re:'), msg]), rinfo.port, rinfo.address));
  await new Promise<void>((resolve) => echo.bind(0, '127.0.0.1', resolve));
  const { chip, host } = setup();
  const local = await new Promise<number>((resolve) => {
    const probe = dgram.createSocket('udp4');
    probe.bind(0, '127.0.0.1', () => {
      const port = probe.address().port;
      probe.close(() => resolve(port));
    });
  });
  host.open(3, 'udp', local);
  const reply = await exchange(host, 3, '127.0.0.1', echo.address().port, Buffer.from('hi'));
  assert.equal(reply, { ip: '127.0.0.1', port: echo.address().port, data: Uint8Array.from(Buffer.from('re:hi')) });
  chip.close();
  echo.close();
});

test('UDP to an emulated host on a closed port → IR.UNREACH with UIPR/UPORTR', async () => {
  const { chip, host } = setup();
  host.open(0, 'udp', 0xc000);
  assert.is(await host.sendTo(0, '127.0.0.254', 9999, Uint8Array.of(1)), 'ok');
  await waitFor('UNREACH', () => host.common8(C.IR) & 0x40);
  assert.equal(Array.from(host.read(0, C.UIPR, 6)), [127, 0, 0, 254, 0x27, 0x0f]);
  host.setCommon(C.IR, [0x40]);
  assert.is(host.common8(C.IR), 0);
  chip.close();
});

test('UDP with the link down: unicast → TIMEOUT (no ARP answer), broadcast → SEND_OK', async () => {
  const { chip, host } = setup({ tcpTimeoutMs: 100 });
  host.open(0, 'udp', 68);
  chip.setLink(false);
  assert.is(await host.sendTo(0, '127.0.0.53', 53, dnsQuery(1, 'x.test')), 'timeout');
  assert.is(await host.sendTo(0, '255.255.255.255', 67, dhcpMessage(1, 1)), 'ok');
  await sleep(10);
  assert.is(host.stable16(0, S.RX_RSR), 0);
  chip.close();
});

test('UDP RX: datagrams that do not fit are dropped whole', async () => {
  const { chip, host } = setup({ dnsTable: { 'a.test': '127.0.0.1' } });
  host.command(0, CR.CLOSE);
  host.setS(0, S.RXBUF, [1]);
  host.open(0, 'udp', 0xc000);
  for (let i = 0; i < 40; i++) assert.is(await host.sendTo(0, '127.0.0.53', 53, dnsQuery(i, 'a.test')), 'ok');
  await sleep(10);
  const size = host.stable16(0, S.RX_RSR);
  const each = 8 + 40; // header + answer (12 + 12-byte question + 16-byte A record)
  assert.ok(size <= 1024 && size > 1024 - each, `RSR ${size}`);
  assert.is(size % each, 0); // no partial datagram
  assert.is(host.s8(0, S.IR) & IRB.RECV, IRB.RECV);
  chip.close();
});

test.run();
