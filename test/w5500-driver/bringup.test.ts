// Bring-up of the W5500 driver against the emulated chip: reset and detection, MAC, PHY link,
// DHCP lease and renewal, static configuration, and the failures (dead chip, no link, no lease).

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ERRNO } from '../../runtime/netdev-contract';

const ECONNREFUSED = ERRNO.ECONNREFUSED;
import { macFromUid } from '../../runtime/drivers/w5500';
import { performance } from 'node:perf_hooks';
import { UID, boot, call, client, closedPort, ready, sleep, up, waitFor } from './board';

test('DHCP lease on the emulated network: 127.0.0.1, gateway, DNS; MAC from board.uid', async () => {
  const b = await up();
  try {
    assert.is(b.driver.status, 'up');
    assert.is(b.nd.ip, '127.0.0.1');
    const n = b.driver.network;
    assert.equal([n.ip, n.subnet, n.gateway, n.dns, n.dhcp], ['127.0.0.1', '255.0.0.0', '127.0.0.254', '127.0.0.53', true]);
    assert.ok(n.leaseEndsAt - performance.now() > 3590 * 1000, 'a one-hour lease');
    const mac = macFromUid(UID);
    assert.is(mac[0] & 0x03, 0x02, 'locally administered, unicast');
    assert.is(b.nd.mac, mac.map((v) => v.toString(16).padStart(2, '0')).join(':'));
    assert.is(b.chip.mac(), b.nd.mac, 'SHAR holds the MAC');
    assert.is(b.chip.sourceIp(), '127.0.0.1', 'SIPR holds the lease');
    assert.equal(b.chip.warnings, []);
    assert.equal(b.logs, []);
  } finally {
    await b.close();
  }
});

test('the derived MAC is stable per board and differs between boards', () => {
  assert.equal(macFromUid(UID), macFromUid(UID));
  assert.not.equal(macFromUid(UID), macFromUid('E6614104032F5A2C'));
  for (const uid of ['', '0000000000000000', 'FFFFFFFFFFFFFFFF']) assert.is(macFromUid(uid)[0] & 0x03, 0x02, uid);
});

test('a configured MAC is used (a DHCP reservation for it is honoured)', async () => {
  const b = await up({ mac: '02:00:00:12:34:56' }, { mac: '02:00:00:12:34:56' });
  try {
    assert.is(b.nd.mac, '02:00:00:12:34:56');
    assert.is(b.nd.ip, '127.0.0.1');
  } finally {
    await b.close();
  }
});

test('bad configuration is refused with a precise message', () => {
  assert.throws(() => boot({}, { mac: '01:00:5e:00:00:01' }), /config mac 01:00:5e:00:00:01 is a multicast address/);
  assert.throws(() => boot({}, { mac: 'nonsense' }), /config mac must look like/);
  assert.throws(() => boot({}, { ip: { ip: '10.0.0.300' } }), /config ip.ip must be a dotted IPv4 address/);
  assert.throws(() => boot({}, { timeouts: { link: -1 } }), /config timeouts.link must be an integer/);
});

test('static configuration: no DHCP, the address is set at once', async () => {
  const b = await up({ dhcp: false }, { ip: { ip: '127.0.0.1', subnet: '255.0.0.0', gateway: '127.0.0.254', dns: '127.0.0.53' } });
  try {
    assert.is(b.nd.ip, '127.0.0.1');
    assert.is(b.driver.network.dhcp, false);
    assert.is(b.chip.gateway(), '127.0.0.254');
    assert.is(b.chip.subnetMask(), '255.0.0.0');
    assert.equal(b.chip.warnings, []);
  } finally {
    await b.close();
  }
});

test('the lease is renewed at T1 (unicast REQUEST) while the program holds a socket', async () => {
  const b = await up({ dhcp: { leaseSeconds: 2 } });
  try {
    const fd = b.nd.socket('INET', 'STREAM');
    assert.is(await call((cb) => b.nd.bind(fd, '0.0.0.0', 8080, cb)), 0);
    assert.is(await call((cb) => b.nd.listen(fd, cb)), 0);
    const firstEnd = b.driver.network.leaseEndsAt;
    await waitFor('a renewal', () => b.driver.network.renewals >= 1, 2500);
    assert.ok(b.driver.network.leaseEndsAt > firstEnd + 500, 'the lease was extended');
    assert.is(b.driver.status, 'up');
    assert.is(b.nd.ip, '127.0.0.1');
    // The renewal socket is released once the lease is extended: 7 more are free for the program.
    const fds = Array.from({ length: 7 }, () => b.nd.socket('INET', 'STREAM'));
    assert.ok(fds.every((f) => f >= 0), 'seven sockets');
    assert.equal(b.chip.warnings, []);
  } finally {
    await b.close();
  }
});

test('holding nothing, the driver sleeps (no SPI, no timers); socket() wakes it and renews a lease past T1', async () => {
  const b = await up({ dhcp: { leaseSeconds: 2 } });
  try {
    const c = client(b.nd);
    assert.is(await c.connect('127.0.0.1', await closedPort()), ECONNREFUSED);
    assert.is(await c.close(), 0);
    await sleep(30);
    const frames = b.frames();
    await sleep(1100);
    assert.is(b.frames(), frames, 'no SPI traffic while asleep');
    assert.is(b.driver.network.renewals, 0, 'T1 passed unnoticed');
    const fd = b.nd.socket('INET', 'STREAM');
    assert.ok(fd >= 0);
    await waitFor('a renewal on wake', () => b.driver.network.renewals === 1, 1000);
    assert.is(b.driver.status, 'up');
    assert.ok(b.frames() > frames);
  } finally {
    await b.close();
  }
});

test('no DHCP server: ETIMEDOUT "no DHCP lease" after timeouts.dhcp; connects fail with it', async () => {
  const b = boot({ dhcp: false }, { timeouts: { dhcp: 300 } });
  try {
    const t0 = Date.now();
    assert.is(await ready(b), ERRNO.ETIMEDOUT);
    assert.ok(Date.now() - t0 >= 250, 'not before the timeout');
    assert.match(b.nd.errmsg, /no DHCP lease after 0.3 s/);
    assert.is(b.driver.status, 'down');
    assert.match(b.logs.join('\n'), /no DHCP lease/);
    const c = client(b.nd);
    assert.is(await c.connect('127.0.0.1', 80), ERRNO.ETIMEDOUT);
  } finally {
    await b.close();
  }
});

test('dead chip (MISO reads 0x00): EIO "W5500 not found" within timeouts.reset, no hang', async () => {
  const b = boot({}, { timeouts: { reset: 50 }, spi: { bus: 0, miso: 16, cs: 17, sck: 18, mosi: 19 }, reset: 20 }, { before: (chip) => chip.setDead(true) });
  try {
    const t0 = Date.now();
    assert.is(await ready(b), ERRNO.EIO);
    assert.ok(Date.now() - t0 < 1000);
    assert.match(b.nd.errmsg, /^W5500 not found on SPI0 MISO GP16 CS GP17 SCK GP18 MOSI GP19 RST GP20: VERSIONR reads 0x00 \(expected 0x04\)/);
    assert.is(b.driver.status, 'dead');
    assert.is(b.nd.socket('INET', 'STREAM'), -1);
    assert.is(b.nd.errno, ERRNO.EIO);
    assert.is(b.logs.length, 1);
    const frames = b.frames();
    await sleep(50);
    assert.is(b.frames(), frames, 'a dead driver stops polling');
  } finally {
    await b.close();
  }
});

test('MISO stuck high (0xFF): EIO naming the value read', async () => {
  const b = boot({}, { timeouts: { reset: 30 } }, { transfer: (tx) => new Uint8Array(tx.length).fill(0xff) });
  try {
    assert.is(await ready(b), ERRNO.EIO);
    assert.match(b.nd.errmsg, /VERSIONR reads 0xff \(expected 0x04\)/);
  } finally {
    await b.close();
  }
});

test('no link: ENETDOWN after timeouts.link; the driver comes up once a cable is plugged in', async () => {
  const b = boot({}, { timeouts: { link: 150 } }, { before: (chip) => chip.setLink(false) });
  try {
    assert.is(await ready(b), ERRNO.ENETDOWN);
    assert.match(b.nd.errmsg, /no Ethernet link after 0.15 s/);
    assert.is(b.driver.status, 'down');
    const c = client(b.nd);
    assert.is(await c.connect('127.0.0.1', 80), ERRNO.ENETDOWN);
    assert.is(await c.close(), 0);
    b.chip.setLink(true);
    await waitFor('the network', () => b.driver.status === 'up', 3000);
    assert.is(b.nd.ip, '127.0.0.1');
    assert.is(await call((cb) => b.driver.whenReady(cb)), 0);
  } finally {
    await b.close();
  }
});

test('connect and listen issued during bring-up wait for the lease', async () => {
  const b = boot();
  try {
    const c = client(b.nd);
    const fd = b.nd.socket('INET', 'STREAM');
    const bound = await call((cb) => b.nd.bind(fd, '0.0.0.0', 0, cb));
    assert.is(bound, 0);
    assert.ok(b.nd.get(fd)!.lport >= 0xc000, 'port 0 picks an ephemeral port');
    const listening = call((cb) => b.nd.listen(fd, cb));
    const refused = c.connect('127.0.0.1', await closedPort());
    assert.is(b.driver.status, 'starting');
    assert.is(await listening, 0);
    assert.is(b.driver.status, 'up');
    assert.is(await refused, ERRNO.ECONNREFUSED);
  } finally {
    await b.close();
  }
});

test.run();
