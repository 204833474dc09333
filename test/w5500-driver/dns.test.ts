// Host names through the W5500 driver's DNS client (UDP on the fd's own hardware socket), against
// the emulated network's DNS server, plus the DNS message helpers on their own.

import * as net from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ERRNO } from '../../runtime/netdev-contract';
import { dnsQuery, parseDnsReply } from '../../runtime/drivers/w5500/dns';
import { client, up, waitFor } from './board';

const TABLE = { 'echo.test': '127.0.0.1', 'other.test': '127.0.0.1' };

test('a name from the DNS table resolves to 127.0.0.1 and connects', async () => {
  let accepted = 0;
  const srv = net.createServer((s) => {
    accepted++;
    s.pipe(s);
  });
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const port = (srv.address() as net.AddressInfo).port;
  const b = await up({ dnsTable: TABLE });
  try {
    const c = client(b.nd);
    assert.is(await c.connect('Echo.Test.', port), 0, 'case and a trailing dot do not matter');
    assert.is(b.nd.get(c.fd)!.raddr, '127.0.0.1');
    assert.is(await c.write('via dns'), 0);
    await waitFor('echo', () => c.text === 'via dns');
    assert.is(accepted, 1);
    assert.equal(b.chip.warnings, []);
    await c.close();
  } finally {
    await b.close();
    srv.close();
  }
});

test('an unknown name: ENOTFOUND (3008), NXDOMAIN named in errmsg; the socket is usable for nothing else', async () => {
  const b = await up({ dnsTable: TABLE });
  try {
    const c = client(b.nd);
    assert.is(await c.connect('nope.test', 80), ERRNO.ENOTFOUND);
    assert.is(b.nd.errno, 3008);
    assert.match(b.nd.errmsg, /cannot resolve nope.test: no such name \(NXDOMAIN\)/);
    assert.is(await c.connect('echo.test', 80), ERRNO.EINVAL);
    assert.is(await c.close(), 0);
    assert.is(await client(b.nd).connect('bad..name', 80), ERRNO.ENOTFOUND);
    assert.match(b.nd.errmsg, /not a valid host name/);
    assert.equal(b.chip.warnings, []);
  } finally {
    await b.close();
  }
});

test('no answer from the DNS server: ENOTFOUND after timeouts.dns', async () => {
  const b = await up({ dhcp: false }, { ip: { ip: '127.0.0.1', subnet: '255.0.0.0', dns: '127.0.0.99' }, timeouts: { dns: 300 } });
  try {
    const t0 = Date.now();
    assert.is(await client(b.nd).connect('echo.test', 80), ERRNO.ENOTFOUND);
    assert.ok(Date.now() - t0 >= 290);
    assert.match(b.nd.errmsg, /no answer from DNS server 127.0.0.99/);
  } finally {
    await b.close();
  }
});

test('no DNS server configured: ENOTFOUND at once; dotted quads need none', async () => {
  const b = await up({ dhcp: false }, { ip: { ip: '127.0.0.1', subnet: '255.0.0.0' } });
  try {
    assert.is(await client(b.nd).connect('echo.test', 80), ERRNO.ENOTFOUND);
    assert.match(b.nd.errmsg, /no DNS server configured/);
  } finally {
    await b.close();
  }
});

test('DNS messages: query layout, answers with compression, errors, foreign ids', () => {
  const q = dnsQuery(0x1234, 'a.bc')!;
  assert.equal([...q], [0x12, 0x34, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 97, 2, 98, 99, 0, 0, 1, 0, 1]);
  assert.is(dnsQuery(1, 'x'.repeat(64) + '.com'), null);
  assert.is(dnsQuery(1, 'sp ace.com'), null);
  const answer = Uint8Array.from([
    ...[0x12, 0x34, 0x81, 0x80, 0, 1, 0, 2, 0, 0, 0, 0],
    ...q.slice(12),
    ...[0xc0, 12, 0, 5, 0, 1, 0, 0, 0, 60, 0, 2, 0xc0, 12], // a CNAME first
    ...[0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 10, 0, 0, 7],
  ]);
  assert.equal(parseDnsReply(answer, 0x1234), { ip: [10, 0, 0, 7], rcode: 0 });
  assert.is(parseDnsReply(answer, 0x1235), null, 'another id');
  const nx = Uint8Array.from([0x12, 0x34, 0x81, 0x83, 0, 1, 0, 0, 0, 0, 0, 0, ...q.slice(12)]);
  assert.equal(parseDnsReply(nx, 0x1234), { ip: null, rcode: 3 });
  assert.is(parseDnsReply(answer.slice(0, answer.length - 3), 0x1234), null, 'truncated');
});

test.run();
