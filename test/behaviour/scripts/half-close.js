// Half-close in both directions with allowHalfOpen: true on both sides.
import * as net from 'net';
import { harness, text } from './lib/harness';

const { actor, finish, after } = harness();
const S1 = actor('server1');
const S2 = actor('server2');
const A = actor('clientEndsFirst');
const B = actor('serverEndsFirst');
const done = after(2, () => server.close(finish));
let n = 0;

const server = net.createServer({ allowHalfOpen: true }, (c) => {
  const first = ++n === 1;
  const S = first ? S1 : S2;
  S('connection', c.allowHalfOpen);
  let got = '';
  c.on('data', (d) => (got += text(d)));
  c.on('end', () => {
    S('end', got, c.readyState);
    if (first) {
      // The client finished sending; the server still answers, in two parts.
      c.write('resp');
      setTimeout(() => c.end('onse'), 30);
    }
  });
  c.on('finish', () => S('finish', c.readyState));
  c.on('close', (hadError) => {
    S('close', hadError, c.readyState);
    if (!first) done();
  });
  if (!first) c.end('greeting');
});

server.listen(__PORT__, '127.0.0.1', () => {
  const a = net.createConnection({ port: __PORT__, host: '127.0.0.1', allowHalfOpen: true }, () => {
    a.end('request');
  });
  let got = '';
  a.on('data', (d) => (got += text(d)));
  a.on('finish', () => A('finish', a.readyState));
  a.on('end', () => A('end', got, a.readyState));
  a.on('close', (hadError) => {
    A('close', hadError, a.readyState);
    secondClient();
  });
});

function secondClient() {
  const b = net.createConnection({ port: __PORT__, host: '127.0.0.1', allowHalfOpen: true });
  let got = '';
  b.on('data', (d) => (got += text(d)));
  b.on('end', () => {
    B('end', got, b.readyState, b.writable);
    // The server finished; this side may still write.
    b.write('reply', () => B('reply written'));
    setTimeout(() => b.end(), 30);
  });
  b.on('finish', () => B('finish', b.readyState));
  b.on('close', (hadError) => {
    B('close', hadError, b.readyState);
    done();
  });
}
