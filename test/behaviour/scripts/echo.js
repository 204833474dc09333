// Connect, echo through socket.pipe(socket), graceful close from the client.
import * as net from 'net';
import { harness, text } from './lib/harness';

const { actor, finish, after } = harness();
const S = actor('server');
const C = actor('client');
const W = actor('clientWrites');
const done = after(2, finish);

const server = net.createServer((c) => {
  S('connection', c.remoteAddress, c.localPort === __PORT__, c.readyState);
  let got = '';
  c.on('data', (d) => (got += text(d)));
  c.on('end', () => S('end', got, c.readyState));
  c.on('finish', () => S('finish'));
  c.on('close', (hadError) => {
    S('close', hadError, c.bytesRead, c.bytesWritten, c.readyState, c.destroyed);
    server.close(() => {
      S('server close');
      done();
    });
  });
  c.pipe(c);
});

server.listen(__PORT__, '127.0.0.1', () => {
  S('listening', server.listening, server.address().port === __PORT__, server.address().address);
  const c = net.createConnection({ port: __PORT__, host: '127.0.0.1' });
  C('created', c.readyState, c.connecting);
  let got = '';
  c.on('connect', () => C('connect', c.readyState, c.connecting, c.remoteAddress, c.remotePort === __PORT__));
  c.on('ready', () => {
    C('ready');
    const r = c.write('hello ', (err) => W('cb1', err));
    W('write1', r);
    c.write(new TextEncoder().encode('world'), () => W('cb2'));
  });
  c.on('data', (d) => {
    got += text(d);
    if (got === 'hello world') {
      C('echoed', got);
      c.end();
      C('after end()', c.readyState, c.writableEnded);
    }
  });
  c.on('finish', () => C('finish', c.writableFinished));
  c.on('end', () => C('end', c.readableEnded));
  c.on('close', (hadError) => {
    C('close', hadError, c.bytesRead, c.bytesWritten, c.readyState);
    done();
  });
});
