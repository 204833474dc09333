// Passive receive mode: CIPRECVMODE=1, +IPD notices, CIPRECVDATA in each dialect's format,
// CIPRECVLEN, the receive window, and when CLOSED is reported.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { delay, eventually, ready, tcpServer } from './board';

const DIALECTS = ['nonos', 'esp-at'] as const;

for (const dialect of DIALECTS) {
  const nonos = dialect === 'nonos';
  const recvData = (n: number, data: string) => (nonos ? `+CIPRECVDATA,${n}:${data}\r\nOK\r\n` : `+CIPRECVDATA:${n},${data}\r\nOK\r\n`);

  test(`${dialect}: passive mode: one notice with the buffered total, then CIPRECVDATA reads`, async () => {
    const peer = await tcpServer();
    const b = await ready({ dialect });
    assert.is(await b.cmd('AT+CIPRECVMODE=1'), '\r\nOK\r\n');
    assert.is(await b.cmd('AT+CIPRECVMODE?'), '+CIPRECVMODE:1\r\n\r\nOK\r\n');
    await b.cmd(`AT+CIPSTART=2,"TCP","127.0.0.1",${peer.port}`);
    const s = peer.sockets[0] ?? (await eventually(() => peer.sockets.length === 1), peer.sockets[0]);
    s.write('hello ');
    assert.is(await b.until('\r\n+IPD,2,6\r\n'), '\r\n+IPD,2,6\r\n');
    s.write('world\r\nOK\r\n');
    await delay(20);
    assert.is(b.rest, '', 'no second notice before the host reads');
    assert.is(await b.cmd('AT+CIPRECVLEN?'), nonos ? '+CIPRECVLEN:,,17,,\r\n\r\nOK\r\n' : '+CIPRECVLEN:-1,-1,17,-1,-1\r\n\r\nOK\r\n');
    assert.is(await b.cmd('AT+CIPRECVDATA=2,8'), recvData(8, 'hello wo'));
    // The payload holds "\r\nOK\r\n" itself: read exactly 9 bytes, then the real OK.
    b.send('AT+CIPRECVDATA=2,100\r\n');
    assert.is(await b.until(recvData(9, 'rld\r\nOK\r\n')), recvData(9, 'rld\r\nOK\r\n'));
    assert.is(await b.cmd('AT+CIPRECVDATA=2,100'), '\r\nERROR\r\n', 'nothing buffered');
    assert.is(await b.cmd('AT+CIPRECVDATA=3,100'), nonos ? 'link is not valid\r\n\r\nERROR\r\n' : '\r\nERROR\r\n');
    s.write('again');
    assert.is(await b.until('\r\n'), '\r\n');
    assert.is(await b.until('\r\n'), '+IPD,2,5\r\n', 'a new notice after a read');
    b.close();
    await peer.close();
  });

  test(`${dialect}: passive mode: peer close with data buffered`, async () => {
    const peer = await tcpServer((s) => s.end('bye'));
    const b = await ready({ dialect });
    await b.cmd('AT+CIPRECVMODE=1');
    await b.cmd(`AT+CIPSTART=0,"TCP","127.0.0.1",${peer.port}`);
    await b.until('+IPD,0,3\r\n');
    if (nonos) {
      assert.is(await b.until('\r\n'), '0,CLOSED\r\n', 'NonOS reports the close at once');
      assert.is(await b.cmd('AT+CIPRECVDATA=0,10'), recvData(3, 'bye'));
      assert.is(await b.quiet(), '');
    } else {
      await delay(30);
      assert.is(b.rest, '', 'ESP-AT defers CLOSED until the data is read');
      assert.is(await b.cmd('AT+CIPRECVDATA=0,2'), recvData(2, 'by'));
      assert.is(await b.cmd('AT+CIPRECVDATA=0,2'), recvData(1, 'e'));
      assert.is(await b.until('\r\n'), '0,CLOSED\r\n');
    }
    assert.is(await b.cmd('AT+CIPSTATUS'), 'STATUS:4\r\n\r\nOK\r\n', 'the link is free');
    b.close();
    await peer.close();
  });

  test(`${dialect}: passive mode: a full window stops the peer until the host reads`, async () => {
    const total = 40_000;
    let sent = 0;
    const peer = await tcpServer((s) => {
      const chunk = Buffer.alloc(1000, 0x7a);
      const pump = () => {
        while (sent < total) {
          sent += chunk.length;
          if (!s.write(chunk)) return void s.once('drain', pump);
        }
      };
      pump();
    });
    const b = await ready({ dialect });
    await b.cmd('AT+CIPRECVMODE=1');
    await b.cmd(`AT+CIPSTART=0,"TCP","127.0.0.1",${peer.port}`);
    await b.until(/\+IPD,0,\d+\r\n/);
    await delay(100);
    const lens = /^\+CIPRECVLEN:([^\r]*)\r\n/.exec(await b.cmd('AT+CIPRECVLEN?'))![1].split(',');
    const buffered = Number(lens[0]);
    assert.ok(buffered >= 5760 && buffered < total, `modem holds ${buffered} bytes, not everything`);
    let got = 0;
    while (got < total) {
      const out = await b.cmd('AT+CIPRECVDATA=0,2048');
      const m = /CIPRECVDATA[,:](\d+)/.exec(out);
      if (m) got += Number(m[1]);
      else await delay(5); // momentarily empty: the peer is refilling the window
    }
    assert.is(got, total);
    b.close();
    await peer.close();
  });

  test(`${dialect}: back to active mode: buffered data goes out as +IPD`, async () => {
    const peer = await tcpServer((s) => s.write('stored'));
    const b = await ready({ dialect });
    await b.cmd('AT+CIPRECVMODE=1');
    await b.cmd(`AT+CIPSTART=0,"TCP","127.0.0.1",${peer.port}`);
    await b.until('+IPD,0,6\r\n');
    assert.is(await b.cmd('AT+CIPRECVMODE=0'), '\r\nOK\r\n');
    assert.is(await b.until('stored'), '\r\n+IPD,0,6:stored');
    assert.is(await b.cmd('AT+CIPRECVDATA=0,10'), '\r\nERROR\r\n', 'not in active mode');
    b.close();
    await peer.close();
  });
}

test('esp-at: CIPRECVDATA with CIPDINFO=1 carries the remote address', async () => {
  const peer = await tcpServer((s) => s.write('abc'));
  const b = await ready({ dialect: 'esp-at' });
  await b.cmd('AT+CIPRECVMODE=1');
  await b.cmd('AT+CIPDINFO=1');
  await b.cmd(`AT+CIPSTART=0,"TCP","127.0.0.1",${peer.port}`);
  await b.until('+IPD,0,3\r\n');
  assert.is(await b.cmd('AT+CIPRECVDATA=0,3'), `+CIPRECVDATA:3,"127.0.0.1",${peer.port},abc\r\nOK\r\n`);
  b.close();
  await peer.close();
});

test.run();
