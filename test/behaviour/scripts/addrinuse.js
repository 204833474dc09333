// Listening on a port in use: 'error' EADDRINUSE on the second server; the first keeps working.
import * as net from 'net';
import { harness, describeError } from './lib/harness';

const { actor, finish, after } = harness();
const S1 = actor('server1');
const S2 = actor('server2');
const C = actor('client');
const done = after(3, finish);

const one = net.createServer((c) => {
  S1('connection');
  c.end('ok');
  c.on('close', () => one.close(done));
});
one.listen({ port: __PORT__, host: '127.0.0.1' }, () => {
  S1('listening');
  const two = net.createServer(() => S2('connection (unexpected)'));
  const r = two.listen(__PORT__, '127.0.0.1', () => S2('listening (unexpected)'));
  S2('listen returns this', r === two);
  two.on('error', (e) => {
    S2('error', describeError(e, __PORT__), two.listening, two.address());
    two.close((err) => {
      S2('close cb', err && err.code);
      done();
    });
    const c = net.createConnection(__PORT__, '127.0.0.1');
    let got = '';
    c.on('data', (d) => (got += new TextDecoder().decode(d)));
    c.on('end', () => C('end', got));
    c.on('close', () => {
      C('close');
      done();
    });
  });
});
