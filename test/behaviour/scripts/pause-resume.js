// pause()/resume(): no 'data' (and no 'end') while paused; nothing lost; pause inside 'data'.
import * as net from 'net';
import { harness, text } from './lib/harness';

const { actor, finish, after } = harness();
const S = actor('server');
const C = actor('client');
const done = after(2, () => server.close(finish));

const server = net.createServer((c) => {
  S('connection');
  c.write('alpha-');
  setTimeout(() => c.end('omega'), 40);
  c.on('close', () => {
    S('close');
    done();
  });
});

server.listen(__PORT__, '127.0.0.1', () => {
  const c = net.createConnection(__PORT__, '127.0.0.1');
  let paused = false;
  let duringPause = 0;
  let got = '';
  c.pause();
  C('paused before data', c.isPaused());
  paused = true;
  c.on('data', (d) => {
    if (paused) duringPause++;
    got += text(d);
    if (got.length >= 6 && !c.pausedOnce) {
      // Pause from inside a 'data' handler.
      c.pausedOnce = true;
      c.pause();
      paused = true;
      // Not logged: whether 'end' comes before this depends on how the data was chunked.
      setTimeout(() => {
        paused = false;
        c.resume();
      }, 150);
    }
  });
  c.on('end', () => {
    C('end', got, 'data while paused: ' + duringPause);
  });
  c.on('close', () => {
    C('close');
    done();
  });
  setTimeout(() => {
    paused = false;
    C('resume 1');
    c.resume();
  }, 150);
});
