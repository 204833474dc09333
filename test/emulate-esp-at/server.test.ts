// The one TCP server: CIPSERVER on a real host port, incoming links, CIPSERVERMAXCONN, CIPSTO.

import net from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { client, delay, eventually, ready } from './board';

const DIALECTS = ['nonos', 'esp-at'] as const;

/** Every CIPSERVER port listens on an ephemeral host port. */
const ephemeral = { hostPort: () => 0 };

for (const dialect of DIALECTS) {
  const nonos = dialect === 'nonos';

  test(`${dialect}: server flow: clients take the lowest free ids, +IPD in, CIPSEND out, CIPSTATUS`, async () => {
    const b = await ready({ dialect, ...ephemeral });
    assert.is(await b.cmd('AT+CIPSERVER=1'), '\r\nOK\r\n', 'default port 333');
    const port = b.modem.serverAddress()!.port;
    assert.is(b.modem.serverAddress()!.address, '127.0.0.1');

    const c0 = await client(port);
    assert.is(await b.until('\r\n'), '0,CONNECT\r\n');
    const c1 = await client(port);
    assert.is(await b.until('\r\n'), '1,CONNECT\r\n');

    c1.socket.write('ping');
    assert.is(await b.until('ping'), '\r\n+IPD,1,4:ping');
    b.send('AT+CIPSEND=1,4\r\n');
    await b.until(nonos ? '> ' : '\r\n>');
    b.send('pong');
    await b.until('SEND OK\r\n');
    await eventually(() => c1.received() === 'pong');

    const status = await b.cmd('AT+CIPSTATUS');
    assert.match(status, /^STATUS:3\r\n/);
    assert.match(status, new RegExp(`\\+CIPSTATUS:0,"TCP","127\\.0\\.0\\.1",${c0.socket.localPort},333,1\\r\\n`));

    // The id freed by a closing client is the next one given out.
    c0.socket.end();
    assert.is(await b.until('\r\n'), '0,CLOSED\r\n');
    const c2 = await client(port);
    assert.is(await b.until('\r\n'), '0,CONNECT\r\n');
    assert.is(await b.cmd('AT+CIPCLOSE=0'), '0,CLOSED\r\n\r\nOK\r\n');
    await c2.closed;
    c1.socket.destroy();
    b.close();
  });

  test(`${dialect}: one server only; needs CIPMUX=1; CIPSERVER=0`, async () => {
    const b = await ready({ dialect, ...ephemeral }, 0);
    assert.is(await b.cmd('AT+CIPSERVER=1,8080'), '\r\nERROR\r\n');
    await b.cmd('AT+CIPMUX=1');
    assert.is(await b.cmd('AT+CIPSERVER=0'), nonos ? 'no change\r\n\r\nOK\r\n' : '\r\nOK\r\n');
    assert.is(await b.cmd('AT+CIPSERVER=1,8080'), '\r\nOK\r\n');
    assert.is(await b.cmd('AT+CIPSERVER=1,8081'), '\r\nERROR\r\n', 'a second server');
    assert.is(await b.cmd('AT+CIPSERVERMAXCONN=2'), '\r\nERROR\r\n', 'only before CIPSERVER=1');
    assert.is(await b.cmd('AT+CIPMUX=0'), '\r\nERROR\r\n', 'not with a server');
    const port = b.modem.serverAddress()!.port;
    const c = await client(port);
    await b.until('0,CONNECT\r\n');
    assert.is(await b.cmd('AT+CIPSERVER=0'), '\r\nOK\r\n');
    assert.is(b.modem.serverAddress(), null);
    assert.match(await b.cmd('AT+CIPSTATUS'), /\+CIPSTATUS:0,/, 'existing client links stay');
    c.socket.destroy();
    b.close();
  });

  test(`${dialect}: CIPSERVERMAXCONN limits server clients; extra ones are turned away`, async () => {
    const b = await ready({ dialect, ...ephemeral });
    assert.is(await b.cmd('AT+CIPSERVERMAXCONN=1'), '\r\nOK\r\n');
    assert.is(await b.cmd('AT+CIPSERVERMAXCONN?'), '+CIPSERVERMAXCONN:1\r\n\r\nOK\r\n');
    assert.is(await b.cmd('AT+CIPSERVERMAXCONN=6'), '\r\nERROR\r\n');
    await b.cmd('AT+CIPSERVER=1,80');
    const port = b.modem.serverAddress()!.port;
    const c0 = await client(port);
    await b.until('0,CONNECT\r\n');
    const c1 = await client(port);
    await c1.closed;
    assert.is(await b.quiet(), '');
    c0.socket.destroy();
    b.close();
  });

  test(`${dialect}: CIPSTO closes idle server links; client traffic restarts the timer`, async () => {
    const b = await ready({ dialect, ...ephemeral, timing: { secondMs: 100 } });
    assert.is(await b.cmd('AT+CIPSTO?'), '+CIPSTO:180\r\n\r\nOK\r\n');
    assert.is(await b.cmd('AT+CIPSTO=1'), '\r\nOK\r\n');
    assert.is(await b.cmd('AT+CIPSTO=7201'), '\r\nERROR\r\n');
    await b.cmd('AT+CIPSERVER=1,80');
    const c = await client(b.modem.serverAddress()!.port);
    await b.until('0,CONNECT\r\n');
    const opened = Date.now();
    for (let i = 0; i < 3; i++) {
      await delay(30);
      c.socket.write('x');
    }
    assert.is(await b.until('0,CLOSED\r\n', 1000), '\r\n+IPD,0,1:x\r\n+IPD,0,1:x\r\n+IPD,0,1:x0,CLOSED\r\n');
    assert.ok(Date.now() - opened >= 90 + 95, 'closed one idle "second" after the last data');
    await c.closed;
    b.close();
  });

  test(`${dialect}: CIPSERVER on a host port already in use → ERROR`, async () => {
    const other = net.createServer();
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    const taken = (other.address() as net.AddressInfo).port;
    const b = await ready({ dialect, hostPort: () => taken });
    assert.is(await b.cmd('AT+CIPSERVER=1,80'), '\r\nERROR\r\n');
    assert.is(b.modem.serverAddress(), null);
    b.close();
    await new Promise<void>((resolve) => other.close(() => resolve()));
  });
}

test('esp-at: CIPSERVER=0,1 also closes the client links; CIPSERVER? reports the port', async () => {
  const b = await ready({ dialect: 'esp-at', ...ephemeral });
  assert.is(await b.cmd('AT+CIPSERVER?'), '+CIPSERVER:0\r\n\r\nOK\r\n');
  await b.cmd('AT+CIPSERVER=1,8080');
  assert.is(await b.cmd('AT+CIPSERVER?'), '+CIPSERVER:1,8080,"TCP",0\r\n\r\nOK\r\n');
  const c = await client(b.modem.serverAddress()!.port);
  await b.until('0,CONNECT\r\n');
  assert.is(await b.cmd('AT+CIPSERVER=0,1'), '0,CLOSED\r\n\r\nOK\r\n');
  await c.closed;
  b.close();
});

test('a client of our own server: both ends are links', async () => {
  const b = await ready({ ...ephemeral });
  await b.cmd('AT+CIPSERVER=1,80');
  const port = b.modem.serverAddress()!.port;
  const out = await b.cmd(`AT+CIPSTART=4,"TCP","127.0.0.1",${port}`);
  // The server side's CONNECT may come before or after the client side's.
  assert.ok(out.includes('4,CONNECT\r\n') && out.endsWith('\r\nOK\r\n'), out);
  await eventually(() => (b.text.match(/0,CONNECT\r\n/g) ?? []).length === 1);
  b.close();
});

test('incoming connections are refused while the station has no IP', async () => {
  const b = await ready({ ...ephemeral });
  await b.cmd('AT+CIPSERVER=1,80');
  const port = b.modem.serverAddress()!.port;
  await b.cmd('AT+CWQAP');
  await b.until('WIFI DISCONNECT\r\n');
  const c = await client(port);
  await c.closed;
  assert.is(await b.quiet(), '');
  b.close();
});

test.run();
