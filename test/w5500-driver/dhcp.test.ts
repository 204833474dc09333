// The W5500 driver's DHCP client on its own, with hand-made server replies and a fake clock:
// message layout, retransmission, NAK, renewal (unicast) → rebinding (broadcast) → lease lost,
// and T1/T2 values that would make it renew in a loop.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { BROADCAST, createDhcpClient, type DhcpClient, type DhcpStep } from '../../runtime/drivers/w5500/dhcp-client';

const MAC = [0x02, 0x11, 0x22, 0x33, 0x44, 0x55];
const SERVER = [192, 0, 2, 1];

function opts(m: Uint8Array): Map<number, number[]> {
  const out = new Map<number, number[]>();
  for (let i = 240; i < m.length && m[i] !== 255; ) {
    if (m[i] === 0) {
      i++;
      continue;
    }
    out.set(m[i], [...m.slice(i + 2, i + 2 + m[i + 1])]);
    i += 2 + m[i + 1];
  }
  return out;
}

function xidOf(m: Uint8Array): number {
  return ((m[4] << 24) | (m[5] << 16) | (m[6] << 8) | m[7]) >>> 0;
}

/** A server reply to `request` (type 2 OFFER, 5 ACK, 6 NAK). */
function reply(request: Uint8Array, type: number, extra: [number, number[]][] = [], yiaddr = [192, 0, 2, 50]): Uint8Array {
  const m = new Uint8Array(300);
  m[0] = 2;
  m[1] = 1;
  m[2] = 6;
  m.set(request.slice(4, 8), 4);
  m.set(yiaddr, 16);
  m.set(MAC, 28);
  m.set([99, 130, 83, 99], 236);
  let i = 240;
  for (const [code, bytes] of [[53, [type]], [54, SERVER], ...extra] as [number, number[]][]) {
    m[i++] = code;
    m[i++] = bytes.length;
    m.set(bytes, i);
    i += bytes.length;
  }
  m[i] = 255;
  return m;
}

const u32 = (v: number) => [(v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff];
const LEASE: [number, number[]][] = [
  [51, u32(100)],
  [1, [255, 255, 255, 0]],
  [3, [192, 0, 2, 1]],
  [6, [192, 0, 2, 53]],
];

function sent(step: DhcpStep): Uint8Array {
  assert.ok(step.send, 'a message to send');
  return step.send!.data;
}

function bind(c: DhcpClient, now = 0, extra = LEASE): void {
  const discover = sent(c.poll(now));
  const request = sent(c.receive(reply(discover, 2), now));
  assert.is(c.receive(reply(request, 5, extra), now).event, 'bound');
}

test('DISCOVER, OFFER, REQUEST, ACK: layout and the lease', () => {
  const c = createDhcpClient(MAC, 'kaluma-334455', () => 0.5);
  const d = c.poll(0);
  assert.equal(d.send!.to, BROADCAST);
  const discover = d.send!.data;
  assert.ok(discover.length >= 300);
  assert.equal([discover[0], discover[1], discover[2], discover[10]], [1, 1, 6, 0x80], 'BOOTREQUEST, Ethernet, broadcast flag');
  assert.equal([...discover.slice(28, 34)], MAC);
  const o = opts(discover);
  assert.equal(o.get(53), [1]);
  assert.equal(o.get(61), [1, ...MAC]);
  assert.is(String.fromCharCode(...o.get(12)!), 'kaluma-334455');
  assert.is(c.state, 'selecting');
  const r = c.receive(reply(discover, 2), 5);
  const request = sent(r);
  assert.is(xidOf(request), xidOf(discover));
  assert.equal(opts(request).get(53), [3]);
  assert.equal(opts(request).get(50), [192, 0, 2, 50], 'requested address');
  assert.equal(opts(request).get(54), SERVER, 'server identifier');
  const ack = c.receive(reply(request, 5, LEASE), 10);
  assert.is(ack.event, 'bound');
  assert.equal(c.lease, { ip: [192, 0, 2, 50], subnet: [255, 255, 255, 0], router: [192, 0, 2, 1], dns: [192, 0, 2, 53], server: SERVER, seconds: 100 });
  assert.is(c.endsAt, 10 + 100000);
  assert.is(c.active(10), false, 'no socket needed until T1');
});

test('replies for another transaction or another MAC are ignored; DISCOVER is retransmitted with back-off', () => {
  const c = createDhcpClient(MAC, '', () => 0.25);
  const discover = sent(c.poll(0));
  const foreign = reply(discover, 2);
  foreign[7] ^= 1;
  assert.equal(c.receive(foreign, 1), { send: null, event: null });
  const otherMac = reply(discover, 2);
  otherMac[33] ^= 1;
  assert.equal(c.receive(otherMac, 1), { send: null, event: null });
  assert.is(c.poll(999).send, null);
  assert.ok(c.poll(1000).send, 'after 1 s');
  assert.is(c.poll(2999).send, null);
  assert.ok(c.poll(3000).send, 'then after 2 s more');
});

test('NAK while requesting starts over with a new DISCOVER', () => {
  const c = createDhcpClient(MAC, '', Math.random);
  const discover = sent(c.poll(0));
  const request = sent(c.receive(reply(discover, 2), 0));
  const step = c.receive(reply(request, 6), 1);
  assert.equal(opts(sent(step)).get(53), [1]);
  assert.is(c.state, 'selecting');
  assert.is(c.lease, null);
});

test('renewal at T1 (unicast, ciaddr set), rebinding at T2 (broadcast), lease lost at the end', () => {
  const c = createDhcpClient(MAC, '', Math.random);
  bind(c);
  assert.is(c.poll(49999).send, null);
  assert.is(c.active(50000), true, 'T1 = lease/2');
  const renew = c.poll(50000);
  assert.equal(renew.send!.to, SERVER);
  const m = renew.send!.data;
  assert.equal([...m.slice(12, 16)], [192, 0, 2, 50], 'ciaddr');
  assert.is(opts(m).get(50), undefined);
  assert.is(m[10], 0, 'no broadcast flag');
  assert.is(c.state, 'renewing');
  const rebind = c.poll(87500);
  assert.is(c.state, 'rebinding', 'T2 = 7/8 lease');
  assert.equal(rebind.send!.to, BROADCAST);
  const lost = c.poll(100000);
  assert.is(lost.event, 'lost');
  assert.is(c.lease, null);
  assert.equal(opts(sent(lost)).get(53), [1], 'and discovers again');
});

test('an ACK to the renewal extends the lease (renewed, same address)', () => {
  const c = createDhcpClient(MAC, '', Math.random);
  bind(c);
  const renew = sent(c.poll(50000));
  const step = c.receive(reply(renew, 5, LEASE), 50001);
  assert.is(step.event, 'renewed');
  assert.is(c.renewals, 1);
  assert.is(c.endsAt, 150001);
  assert.is(c.state, 'bound');
});

test('T1 = 0 or T2 before T1 fall back to the defaults (no renewal loop)', () => {
  const c = createDhcpClient(MAC, '', Math.random);
  bind(c, 0, [[51, u32(2)], [58, u32(0)], [59, u32(0)]]);
  assert.is(c.active(1), false);
  assert.is(c.active(999), false);
  assert.is(c.active(1000), true);
});

test.run();
