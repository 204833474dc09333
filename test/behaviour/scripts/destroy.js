// destroy() mid-stream (the peer sees a clean end), destroy(err), and writing after destroy.
import * as net from 'net';
import { harness, text } from './lib/harness';

const { actor, finish, after } = harness();
const S1 = actor('server1');
const S2 = actor('server2');
const C1 = actor('clientDestroys');
const C2 = actor('clientDestroysWithError');
const done = after(4, () => server.close(finish));
let n = 0;

const server = net.createServer((c) => {
  const first = ++n === 1;
  const S = first ? S1 : S2;
  S('connection');
  c.on('data', (d) => S('data', text(d)));
  c.on('end', () => S('end'));
  c.on('finish', () => S('finish'));
  c.on('error', (e) => S('error', e.code));
  c.on('close', (hadError) => {
    S('close', hadError);
    done();
  });
  if (first) c.write('first');
});

server.listen(__PORT__, '127.0.0.1', () => {
  const c = net.createConnection(__PORT__, '127.0.0.1');
  c.on('data', (d) => {
    C1('data', text(d));
    c.destroy();
    C1('destroyed', c.destroyed, c.readyState, c.writable, c.readable);
    const r = c.write('late', (e) => C1('late write cb', e && e.code));
    C1('late write', r);
  });
  c.on('end', () => C1('end'));
  c.on('finish', () => C1('finish'));
  c.on('error', (e) => C1('error', e.code));
  c.on('close', (hadError) => {
    C1('close', hadError, c.bytesRead);
    done();
    second();
  });
});

function second() {
  const c = net.createConnection({ port: __PORT__, host: '127.0.0.1' }, () => {
    c.destroy(new Error('boom'));
    C2('destroy(err)', c.destroyed);
  });
  c.on('error', (e) => C2('error', e.message));
  c.on('close', (hadError) => {
    C2('close', hadError);
    done();
  });
}
