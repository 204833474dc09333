// Client links over real host sockets: CIPSTART, CIPSEND, +IPD, CIPCLOSE, DNS, errors, single mode.

import type net from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { closedPort, delay, eventually, ready, tcpServer } from './board';

const DIALECTS = ['nonos', 'esp-at'] as const;

/** Every byte value, with CR LF, "OK", "+IPD," and a fake prompt inside the payload. */
const BINARY = Buffer.concat([Buffer.from('\r\nOK\r\n+IPD,0,3:> \r\n'), Buffer.from(Array.from({ length: 256 }, (_, i) => i))]);

const echo = (s: net.Socket) => s.on('data', (d) => s.write(d));

for (const dialect of DIALECTS) {
  const nonos = dialect === 'nonos';
  const prompt = nonos ? '\r\nOK\r\n> ' : '\r\nOK\r\n\r\n>';

  test(`${dialect}: TCP echo through CIPSTART, CIPSEND (exact prompt) and +IPD, binary-safe`, async () => {
    const peer = await tcpServer(echo);
    const b = await ready({ dialect });
    assert.is(await b.cmd(`AT+CIPSTART=4,"TCP","127.0.0.1",${peer.port}`), '4,CONNECT\r\n\r\nOK\r\n');
    b.send(`AT+CIPSEND=4,${BINARY.length}\r\n`);
    assert.is(await b.until(prompt), prompt);
    b.send(BINARY);
    // The echo may come back before SEND OK (an +IPD between Recv and SEND OK is legal).
    const ipd = `\r\n+IPD,4,${BINARY.length}:${BINARY.toString('latin1')}`;
    await eventually(() => b.rest.includes('SEND OK\r\n') && b.rest.includes(ipd));
    assert.is(b.rest.replace(ipd, ''), `\r\nRecv ${BINARY.length} bytes\r\n\r\nSEND OK\r\n`);
    b.cursor = b.text.length;
    assert.is(await b.cmd('AT+CIPCLOSE=4'), '4,CLOSED\r\n\r\nOK\r\n');
    assert.is(await b.cmd('AT+CIPCLOSE=4'), nonos ? 'UNLINK\r\n\r\nERROR\r\n' : '\r\nERROR\r\n');
    await eventually(() => peer.sockets[0].readableEnded, 1000);
    b.close();
    await peer.close();
  });

  test(`${dialect}: peer data over 1460 bytes arrives as several +IPD records; peer close → CLOSED`, async () => {
    const big = Buffer.alloc(5000, 0x61);
    const peer = await tcpServer((s) => s.end(big));
    const b = await ready({ dialect });
    assert.is(await b.cmd(`AT+CIPSTART=0,"TCP","127.0.0.1",${peer.port}`), '0,CONNECT\r\n\r\nOK\r\n');
    const all = await b.until('0,CLOSED\r\n');
    const records = [...all.matchAll(/\r\n\+IPD,0,(\d+):/g)].map((m) => Number(m[1]));
    assert.ok(records.length >= 4, `split into records: ${records}`);
    assert.ok(records.every((n) => n <= 1460));
    assert.is(records.reduce((a, n) => a + n, 0), big.length);
    assert.is(all.replace(/\r\n\+IPD,0,\d+:/g, '').replace('0,CLOSED\r\n', ''), big.toString('latin1'));
    assert.is(await b.cmd('AT+CIPSTATUS'), 'STATUS:4\r\n\r\nOK\r\n');
    b.close();
    await peer.close();
  });

  test(`${dialect}: CIPSEND errors: bad length, link not open; extra bytes after the payload`, async () => {
    const peer = await tcpServer();
    const b = await ready({ dialect });
    assert.is(await b.cmd('AT+CIPSEND=1,5'), nonos ? 'link is not valid\r\n\r\nERROR\r\n' : '\r\nERROR\r\n');
    await b.cmd(`AT+CIPSTART=1,"TCP","127.0.0.1",${peer.port}`);
    assert.is(await b.cmd('AT+CIPSEND=1,0'), '\r\nERROR\r\n');
    assert.is(await b.cmd('AT+CIPSEND=1,2049'), '\r\nERROR\r\n');
    assert.is(await b.cmd('AT+CIPSEND=5,1'), '\r\nERROR\r\n');
    b.send('AT+CIPSEND=1,2048\r\n');
    await b.until(prompt);
    b.send(Buffer.alloc(2048, 0x62));
    await b.until('SEND OK\r\n');
    await eventually(() => peer.sockets[0]?.bytesRead === 2048);

    // 5 payload bytes + a command line: the first 5 bytes are sent, the line hits a busy modem.
    b.send('AT+CIPSEND=1,5\r\n');
    await b.until(prompt);
    b.send('hello\r\nAT\r\n');
    const out = await b.until('SEND OK\r\n');
    // "hello" ends the payload; the CR LF after it is an empty command line, then comes "AT".
    const busy = `${nonos ? 'busy s...' : 'busy p...'}\r\n`;
    assert.is(out, `\r\nRecv 5 bytes\r\n${busy}${busy}\r\nSEND OK\r\n`);
    await eventually(() => peer.sockets[0].bytesRead === 2053);
    assert.is(await b.quiet(), '');
    b.close();
    await peer.close();
  });

  test(`${dialect}: data sent before the prompt is lost`, async () => {
    const peer = await tcpServer();
    const b = await ready({ dialect, timing: { commandDelayMs: 10 } });
    await b.cmd(`AT+CIPSTART=0,"TCP","127.0.0.1",${peer.port}`);
    b.send('AT+CIPSEND=0,4\r\nabcd');
    await b.until(prompt);
    assert.is(await b.quiet(), '', 'still waiting for 4 bytes');
    b.send('wxyz');
    await b.until('SEND OK\r\n');
    let got = '';
    peer.sockets[0].on('data', (d) => (got += d));
    await eventually(() => got === 'wxyz');
    b.close();
    await peer.close();
  });

  test(`${dialect}: refused connect → ERROR then <id>,CLOSED; ALREADY CONNECTED; CIPCLOSE=5 closes all`, async () => {
    const peer = await tcpServer();
    const b = await ready({ dialect });
    const port = await closedPort();
    assert.is(await b.cmd(`AT+CIPSTART=2,"TCP","127.0.0.1",${port}`), '\r\nERROR\r\n');
    assert.is(await b.until('\r\n'), '2,CLOSED\r\n');
    await b.cmd(`AT+CIPSTART=2,"TCP","127.0.0.1",${peer.port}`);
    assert.is(await b.cmd(`AT+CIPSTART=2,"TCP","127.0.0.1",${peer.port}`), 'ALREADY CONNECTED\r\n\r\nERROR\r\n');
    await b.cmd(`AT+CIPSTART=3,"TCP","127.0.0.1",${peer.port},60`);
    assert.is(await b.cmd('AT+CIPMUX=0'), '\r\nERROR\r\n', 'CIPMUX changes only without links');
    const status = await b.cmd('AT+CIPSTATUS');
    assert.match(status, /^STATUS:3\r\n/);
    assert.match(status, new RegExp(`\\+CIPSTATUS:2,"TCP","127\\.0\\.0\\.1",${peer.port},\\d+,0\\r\\n`));
    assert.match(status, new RegExp(`\\+CIPSTATUS:3,"TCP","127\\.0\\.0\\.1",${peer.port},\\d+,0\\r\\n`));
    assert.is(await b.cmd('AT+CIPCLOSE=5'), '2,CLOSED\r\n3,CLOSED\r\n\r\nOK\r\n');
    assert.is(await b.cmd('AT+CIPSTART="TCP","127.0.0.1",1'), '\r\nERROR\r\n', 'single-mode form in multi mode');
    assert.is(await b.cmd(`AT+CIPSTART=0,"UDP","127.0.0.1",${peer.port}`), '\r\nERROR\r\n');
    b.close();
    await peer.close();
  });

  test(`${dialect}: host names go through the resolver; failures are DNS errors`, async () => {
    const peer = await tcpServer();
    const asked: string[] = [];
    const b = await ready({
      dialect,
      resolve: async (host) => {
        asked.push(host);
        if (host === 'echo.test') return '127.0.0.1';
        throw new Error('no such host');
      },
    });
    assert.is(await b.cmd(`AT+CIPSTART=0,"TCP","echo.test",${peer.port}`), '0,CONNECT\r\n\r\nOK\r\n');
    const dnsFail = nonos ? 'DNS Fail\r\n\r\nERROR\r\n' : '\r\nERROR\r\n';
    assert.is(await b.cmd(`AT+CIPSTART=1,"TCP","nowhere.test",${peer.port}`), dnsFail);
    assert.is(await b.cmd('AT+CIPDOMAIN="echo.test"'), nonos ? '+CIPDOMAIN:127.0.0.1\r\n\r\nOK\r\n' : '+CIPDOMAIN:"127.0.0.1"\r\n\r\nOK\r\n');
    assert.is(await b.cmd('AT+CIPDOMAIN="nowhere.test"'), dnsFail);
    assert.equal(asked, ['echo.test', 'nowhere.test', 'echo.test', 'nowhere.test']);
    b.close();
    await peer.close();
  });

  test(`${dialect}: default resolver: localhost and dotted quads only`, async () => {
    const peer = await tcpServer();
    const b = await ready({ dialect });
    assert.is(await b.cmd(`AT+CIPSTART=0,"TCP","localhost",${peer.port}`), '0,CONNECT\r\n\r\nOK\r\n');
    assert.match(await b.cmd(`AT+CIPSTART=1,"TCP","example.com",${peer.port}`), /ERROR\r\n$/);
    b.close();
    await peer.close();
  });

  test(`${dialect}: CIPDINFO=1 adds the remote address to +IPD`, async () => {
    const peer = await tcpServer((s) => s.write('hi'));
    const b = await ready({ dialect });
    await b.cmd('AT+CIPDINFO=1');
    await b.cmd(`AT+CIPSTART=0,"TCP","127.0.0.1",${peer.port}`);
    const ip = nonos ? '127.0.0.1' : '"127.0.0.1"';
    assert.is(await b.until('hi'), `\r\n+IPD,0,2,${ip},${peer.port}:hi`);
    b.close();
    await peer.close();
  });

  test(`${dialect}: single-connection mode (CIPMUX=0)`, async () => {
    const peer = await tcpServer(echo);
    const b = await ready({ dialect }, 0);
    assert.is(await b.cmd(`AT+CIPSTART=0,"TCP","127.0.0.1",${peer.port}`), '\r\nERROR\r\n');
    assert.is(await b.cmd(`AT+CIPSTART="TCP","127.0.0.1",${peer.port}`), 'CONNECT\r\n\r\nOK\r\n');
    assert.is(await b.cmd(`AT+CIPSTART="TCP","127.0.0.1",${peer.port}`), 'ALREADY CONNECTED\r\n\r\nERROR\r\n');
    assert.is(await b.cmd('AT+CIPSERVER=1,8080'), '\r\nERROR\r\n', 'a server needs CIPMUX=1');
    b.send('AT+CIPSEND=3\r\n');
    await b.until(prompt);
    b.send('abc');
    await eventually(() => b.rest.includes('SEND OK\r\n') && b.rest.includes('\r\n+IPD,3:abc'));
    b.cursor = b.text.length;
    assert.is(await b.cmd('AT+CIPCLOSE'), 'CLOSED\r\n\r\nOK\r\n');
    b.close();
    await peer.close();
  });

  test(`${dialect}: connections need an IP; CWQAP closes links`, async () => {
    const peer = await tcpServer();
    const b = await ready({ dialect });
    await b.cmd(`AT+CIPSTART=0,"TCP","127.0.0.1",${peer.port}`);
    await b.cmd('AT+CWQAP');
    assert.is(await b.until('0,CLOSED\r\n'), 'WIFI DISCONNECT\r\n0,CLOSED\r\n');
    assert.is(await b.cmd(`AT+CIPSTART=0,"TCP","127.0.0.1",${peer.port}`), '\r\nERROR\r\n');
    assert.is(await b.cmd('AT+CIPSTATUS'), 'STATUS:5\r\n\r\nOK\r\n');
    b.close();
    await peer.close();
  });
}

test('esp-at: CIPSTARTEX picks the lowest free id; CIPSTATE? lists links', async () => {
  const peer = await tcpServer();
  const b = await ready({ dialect: 'esp-at' });
  await b.cmd(`AT+CIPSTART=0,"TCP","127.0.0.1",${peer.port}`);
  assert.is(await b.cmd(`AT+CIPSTARTEX="TCP","127.0.0.1",${peer.port}`), '1,CONNECT\r\n\r\nOK\r\n');
  const state = await b.cmd('AT+CIPSTATE?');
  assert.is(state.match(/\+CIPSTATE:/g)?.length, 2);
  b.close();
  await peer.close();
});

test('SEND OK comes sendOkDelayMs after Recv', async () => {
  const peer = await tcpServer();
  const b = await ready({ timing: { sendOkDelayMs: 40 } });
  await b.cmd(`AT+CIPSTART=0,"TCP","127.0.0.1",${peer.port}`);
  b.send('AT+CIPSEND=0,3\r\n');
  await b.until('> ');
  b.send('abc');
  assert.is(await b.until('Recv 3 bytes\r\n'), '\r\nRecv 3 bytes\r\n');
  await delay(15);
  assert.is(b.rest, '', 'not yet');
  assert.is(await b.until('SEND OK\r\n'), '\r\nSEND OK\r\n');
  b.close();
  await peer.close();
});

test.run();
