// server.close() with open connections: no new connections, the open ones keep working, and
// 'close' (with the callback) comes only after the last of them closed.
import * as net from 'net';
import { harness, text, describeError } from './lib/harness';

const { actor, finish, after } = harness();
const S = actor('server');
const C1 = actor('client1');
const C2 = actor('client2');
const C3 = actor('client3');
const done = after(4, finish);
let open = 0;

const server = net.createServer((c) => {
  open++;
  S('connection', open);
  c.on('close', () => S('socket close', --open));
  c.pipe(c);
  if (open === 2) {
    server.close((err) => {
      S('close cb', err, open);
      done();
    });
    S('close() called', server.listening, server.address());
    server.getConnections((err, count) => S('connections', err, count));
    refused();
    exchange(c1, C1, 'one');
  }
});
server.on('close', () => S('close event', open));

let c1;
server.listen(__PORT__, '127.0.0.1', () => {
  c1 = client(C1, () => client(C2));
});

function client(L, then) {
  const c = net.createConnection(__PORT__, '127.0.0.1', () => {
    L('connect');
    if (then) then();
  });
  c.on('end', () => L('end'));
  c.on('close', (hadError) => {
    L('close', hadError);
    done();
    if (L === C1) exchange(c2, C2, 'two');
  });
  if (L === C2) c2 = c;
  return c;
}
let c2;

function exchange(c, L, msg) {
  let got = '';
  c.on('data', (d) => {
    got += text(d);
    if (got === msg) {
      L('echo', got);
      c.end();
    }
  });
  c.write(msg);
}

function refused() {
  const c = net.createConnection(__PORT__, '127.0.0.1');
  c.on('connect', () => C3('connect (unexpected)'));
  c.on('error', (e) => C3('error', describeError(e, __PORT__)));
  c.on('close', (hadError) => {
    C3('close', hadError);
    done();
  });
}
