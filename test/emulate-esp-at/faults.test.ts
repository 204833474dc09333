// Fault injection and UART chunking.

import type net from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Board, client, eventually, ready, tcpServer } from './board';

const echo = (s: net.Socket) => s.on('data', (d) => s.write(d));

test('inject.busy(n): the next n commands are answered busy p... and dropped', async () => {
  const b = await ready();
  b.modem.inject.busy(2);
  b.send('AT\r\n');
  assert.is(await b.until('\r\n'), 'busy p...\r\n');
  b.send('AT+GMR\r\n');
  assert.is(await b.until('\r\n'), 'busy p...\r\n');
  assert.is(await b.cmd('AT'), '\r\nOK\r\n');
  b.close();
});

test('inject.dropLink: the board sees <id>,CLOSED, the host peer sees a reset', async () => {
  const peer = await tcpServer();
  const b = await ready();
  await b.cmd(`AT+CIPSTART=3,"TCP","127.0.0.1",${peer.port}`);
  await eventually(() => peer.sockets.length === 1);
  const peerClosed = new Promise<void>((resolve) => peer.sockets[0].on('close', () => resolve()));
  assert.ok(b.modem.inject.dropLink(3));
  assert.is(await b.until('\r\n'), '3,CLOSED\r\n');
  await peerClosed;
  assert.not.ok(b.modem.inject.dropLink(3), 'nothing left to drop');
  assert.throws(() => b.modem.inject.dropLink(5), /0\.\.4/);
  assert.is(await b.cmd('AT+CIPSEND=3,1'), 'link is not valid\r\n\r\nERROR\r\n');
  b.close();
  await peer.close();
});

test('inject.reset: noise, ready, links and server gone (peers disconnected), state from flash', async () => {
  const peer = await tcpServer();
  const b = await ready({ hostPort: () => 0 });
  await b.cmd(`AT+CIPSTART=0,"TCP","127.0.0.1",${peer.port}`);
  await b.cmd('AT+CIPSERVER=1,80');
  const serverPort = b.modem.serverAddress()!.port;
  const c = await client(serverPort);
  await b.until('1,CONNECT\r\n');
  await eventually(() => peer.sockets.length === 1);
  const peerClosed = new Promise<void>((resolve) => peer.sockets[0].on('close', () => resolve()));

  b.modem.inject.reset();
  const boot = await b.until('\r\nready\r\n');
  assert.not.ok(boot.includes('CLOSED'), 'a reset reports nothing per link');
  await peerClosed;
  await c.closed;
  assert.is(b.modem.serverAddress(), null);
  assert.is(await b.cmd('AT+CIPSTATUS'), 'AT+CIPSTATUS\r\r\nSTATUS:5\r\n\r\nOK\r\n', 'echo on, not joined');
  assert.is(await b.cmd('AT+CIPMUX?'), 'AT+CIPMUX?\r\r\n+CIPMUX:0\r\n\r\nOK\r\n');
  b.close();
  await peer.close();
});

test('inject.reset in the middle of a command and of a CIPSEND data phase', async () => {
  const peer = await tcpServer();
  const b = await ready({ timing: { joinDelayMs: 50 } });
  await b.cmd(`AT+CIPSTART=0,"TCP","127.0.0.1",${peer.port}`);
  b.send('AT+CIPSEND=0,10\r\n');
  await b.until('> ');
  b.send('abc');
  b.modem.inject.reset();
  await b.until('ready\r\n');
  b.send('defghij\r\n');
  assert.is(await b.until('\r\nERROR\r\n'), 'defghij\r\r\n\r\nERROR\r\n', 'the rest of the payload is a (bad) command now');
  await b.cmd('AT+CWMODE=1');
  b.send('AT+CWJAP="lab","secret"\r\n');
  await b.until('\r\r\n');
  b.modem.inject.reset();
  await b.until('ready\r\n');
  assert.is(await b.quiet(120), '', 'the interrupted join reports nothing');
  b.close();
  await peer.close();
});

test('inject.garbage: raw or random bytes on the TX line', async () => {
  const b = await ready();
  b.modem.inject.garbage('\xff\x00junk');
  assert.is(await b.until('junk'), '\xff\x00junk');
  b.modem.inject.garbage(32);
  await eventually(() => b.rest.length === 32);
  b.cursor = b.text.length;
  assert.is(await b.cmd('AT'), '\r\nOK\r\n');
  b.close();
});

test('inject.urc at every point of a command and of a CIPSEND exchange', async () => {
  const peer = await tcpServer();
  const b = await ready();
  await b.cmd(`AT+CIPSTART=0,"TCP","127.0.0.1",${peer.port}`);
  await b.cmd('ATE1');

  b.modem.inject.urc('WIFI DISCONNECT');
  assert.is(await b.until('\r\n'), 'WIFI DISCONNECT\r\n');

  b.modem.inject.urc('1,CONNECT', 'echo');
  assert.is(await b.cmd('AT+CIPMUX?'), 'AT+CI1,CONNECT\r\nPMUX?\r\r\n+CIPMUX:1\r\n\r\nOK\r\n');

  b.modem.inject.urc('+IPD,1,3:a\r\n', 'before-prompt');
  b.modem.inject.garbage('\r\n+IPD,2,2:>\n', 'after-prompt');
  b.modem.inject.urc('2,CLOSED', 'after-recv');
  b.send('AT+CIPSEND=0,2\r\n');
  await b.until('> \r\n+IPD,2,2:>\n');
  b.send('hi');
  const out = await b.until('SEND OK\r\n');
  assert.is(b.text.slice(b.text.lastIndexOf('AT+CIPSEND')), 'AT+CIPSEND=0,2\r\r\n\r\nOK\r\n+IPD,1,3:a\r\n\r\n> \r\n+IPD,2,2:>\n' + out);
  assert.is(out, '\r\nRecv 2 bytes\r\n2,CLOSED\r\n\r\nSEND OK\r\n');
  assert.throws(() => b.modem.inject.urc('x', 'later' as never), /unknown point 'later'/);
  b.close();
  await peer.close();
});

test('inject.sendFail: the next CIPSEND ends SEND FAIL and nothing reaches the peer', async () => {
  const peer = await tcpServer();
  const b = await ready({ dialect: 'esp-at' });
  await b.cmd(`AT+CIPSTART=0,"TCP","127.0.0.1",${peer.port}`);
  await eventually(() => peer.sockets.length === 1);
  let got = '';
  peer.sockets[0].on('data', (d) => (got += d));
  b.modem.inject.sendFail();
  b.send('AT+CIPSEND=0,4\r\n');
  await b.until('\r\n>');
  b.send('lost');
  assert.is(await b.until(/SEND (OK|FAIL)\r\n/), '\r\nRecv 4 bytes\r\n\r\nSEND FAIL\r\n');
  b.send('AT+CIPSEND=0,4\r\n');
  await b.until('\r\n>');
  b.send('sent');
  assert.is(await b.until(/SEND (OK|FAIL)\r\n/), '\r\nRecv 4 bytes\r\n\r\nSEND OK\r\n');
  await eventually(() => got === 'sent');
  b.close();
  await peer.close();
});

test('a link that closes during the data phase ends SEND FAIL', async () => {
  const peer = await tcpServer();
  const b = await ready();
  await b.cmd(`AT+CIPSTART=0,"TCP","127.0.0.1",${peer.port}`);
  b.send('AT+CIPSEND=0,4\r\n');
  await b.until('> ');
  b.modem.inject.dropLink(0);
  await b.until('0,CLOSED\r\n');
  b.send('data');
  assert.is(await b.until(/SEND (OK|FAIL)\r\n/), '\r\nRecv 4 bytes\r\n\r\nSEND FAIL\r\n');
  b.close();
  await peer.close();
});

test('inject.wifiDisconnect: WIFI DISCONNECT, then every link closes', async () => {
  const peer = await tcpServer();
  const b = await ready();
  await b.cmd(`AT+CIPSTART=0,"TCP","127.0.0.1",${peer.port}`);
  await b.cmd(`AT+CIPSTART=1,"TCP","127.0.0.1",${peer.port}`);
  b.modem.inject.wifiDisconnect();
  assert.is(await b.until('1,CLOSED\r\n'), 'WIFI DISCONNECT\r\n0,CLOSED\r\n1,CLOSED\r\n');
  assert.is(await b.cmd('AT+CIFSR'), '+CIFSR:STAIP,"0.0.0.0"\r\n+CIFSR:STAMAC,"5c:cf:7f:00:00:01"\r\n\r\nOK\r\n');
  b.close();
  await peer.close();
});

/** The same session under each chunking: identical byte stream, different deliveries. */
async function session(chunking: 'none' | 'byte' | 'random', seed = 7): Promise<{ text: string; chunks: number }> {
  const peer = await tcpServer(echo);
  const b = new Board({ chunking, seed, networks: [{ ssid: 'lab', password: 'secret' }], timing: { bootDelayMs: 0 } });
  await b.until('ready\r\n');
  const start = b.text.length;
  await b.cmd('AT+CWMODE=1');
  await b.cmd('AT+CWJAP="lab","secret"');
  await b.cmd('AT+CIPMUX=1');
  await b.cmd(`AT+CIPSTART=0,"TCP","127.0.0.1",${peer.port}`);
  const payload = Buffer.alloc(2000, 0x41).toString('latin1');
  b.send('AT+CIPSEND=0,2000\r\n');
  await b.until('> ');
  b.send(payload);
  const strip = (t: string) => t.replace(/\r\n\+IPD,0,\d+:/g, '');
  await eventually(() => b.text.includes('SEND OK') && strip(b.text.slice(start)).includes(payload));
  const text = b.text.slice(start);
  b.close();
  await peer.close();
  return { text, chunks: b.chunks };
}

test('chunking: byte and random split the stream (and +IPD records) but never change the bytes', async () => {
  const none = await session('none');
  const byte = await session('byte');
  const random = await session('random');
  // Up to `Recv` the stream is fixed; after it the echo's +IPD and SEND OK may come in any order.
  const split = (t: string) => {
    const cut = t.indexOf('Recv 2000 bytes\r\n') + 'Recv 2000 bytes\r\n'.length;
    const tail = t.slice(cut).replace(/\r\n\+IPD,0,\d+:/g, '').replace('\r\nSEND OK\r\n', '');
    return { head: t.slice(0, cut).replace(/"127\.0\.0\.1",\d+/, 'PORT'), tail };
  };
  assert.is(split(none.text).tail, 'A'.repeat(2000));
  assert.equal(split(byte.text), split(none.text));
  assert.equal(split(random.text), split(none.text));
  assert.ok(byte.chunks > none.chunks * 10, `byte chunking: ${byte.chunks} deliveries vs ${none.chunks}`);
  assert.ok(random.chunks > none.chunks, `random chunking: ${random.chunks} deliveries vs ${none.chunks}`);
  const sizes = (t: string) => [...t.matchAll(/\+IPD,0,(\d+):/g)].map((m) => Number(m[1]));
  assert.ok(sizes(random.text).length > sizes(none.text).length, 'random chunking also splits +IPD records');
});

test('generated bytes (boot noise, inject.garbage) are reproducible per seed', async () => {
  const noise = async (seed: number) => {
    const b = new Board({ seed });
    await b.until('ready\r\n');
    b.modem.inject.garbage(40);
    await eventually(() => b.rest.length === 40);
    b.close();
    return b.text;
  };
  const a = await noise(3);
  assert.is(await noise(3), a);
  assert.is.not(await noise(4), a);
});

test.run();
