// setTimeout(ms) + 'timeout': fires after idle time only, activity re-arms it, 0 disables it; the
// socket stays open. Margins are wide for slow (emulated) drivers.
import * as net from 'net';
import { harness, text } from './lib/harness';

const { actor, finish, after } = harness();
const C = actor('client');
const done = after(2, () => server.close(finish));

const server = net.createServer((c) => {
  setTimeout(() => c.write('ping'), 100);
  c.on('close', done);
});

server.listen(__PORT__, '127.0.0.1', () => {
  const c = net.createConnection(__PORT__, '127.0.0.1', () => {
    c.setTimeout(800, () => C('timeout callback'));
  });
  let timeouts = 0;
  c.on('data', (d) => C('data', text(d), 'timeouts so far', timeouts));
  c.on('timeout', () => {
    C('timeout', ++timeouts, c.readyState);
    if (timeouts === 1) {
      c.setTimeout(0);
      setTimeout(() => c.end(), 1000);
    }
  });
  c.on('close', () => {
    C('close', timeouts);
    done();
  });
});
