// Connecting where nothing listens: 'error' ECONNREFUSED, then 'close' with hadError.
import * as net from 'net';
import { harness, describeError } from './lib/harness';

const { actor, finish } = harness();
const C = actor('client');

// Make sure the port is free: listen on it once, then close.
const probe = net.createServer();
probe.listen(__PORT__, '127.0.0.1', () => probe.close(connect));

function connect() {
  const c = net.createConnection({ port: __PORT__, host: '127.0.0.1' }, () => C('connect (unexpected)'));
  C('created', c.readyState);
  // The callback gets an error (Node: ERR_SOCKET_CLOSED_BEFORE_CONNECTION; ours: the connect error).
  c.write('never sent', (e) => C('write cb', e instanceof Error));
  c.on('error', (e) => C('error', describeError(e, __PORT__), e instanceof Error, c.readyState));
  c.on('close', (hadError) => {
    C('close', hadError, c.destroyed, c.readyState);
    finish();
  });
}
