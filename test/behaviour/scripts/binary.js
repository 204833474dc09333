// Bytes 0-255 round trip unchanged; UTF-8 characters split across chunks reassemble with setEncoding.
import * as net from 'net';
import { harness } from './lib/harness';

const { actor, finish, after } = harness();
const S = actor('server');
const C = actor('client');
const done = after(2, () => server.close(finish));

const utf8 = new TextEncoder().encode('h\u00e9llo \u20ac \ud834\udd1e!');
// Cut inside the 2-byte, 3-byte and 4-byte characters.
const pieces = [utf8.subarray(0, 2), utf8.subarray(2, 8), utf8.subarray(8, 10), utf8.subarray(10, 13), utf8.subarray(13)];

let n = 0;
const server = net.createServer((c) => {
  if (++n === 1) {
    c.pipe(c);
    return;
  }
  c.setEncoding('utf8');
  const got = [];
  c.on('data', (s) => {
    got.push(typeof s + ':' + s);
    c.write('+');
  });
  c.on('end', () => S('text', JSON.stringify(got)));
  c.on('close', () => {
    S('close');
    done();
  });
});

server.listen(__PORT__, '127.0.0.1', () => {
  const all = new Uint8Array(256);
  for (let i = 0; i < 256; i++) all[i] = i;
  const c = net.createConnection(__PORT__, '127.0.0.1', () => c.end(all));
  const chunks = [];
  c.on('data', (d) => chunks.push(d));
  c.on('end', () => {
    let n = 0;
    let same = true;
    for (const d of chunks) {
      if (!(d instanceof Uint8Array)) same = false;
      for (let i = 0; i < d.length; i++) if (d[i] !== n++ % 256) same = false;
    }
    C('echo', n, same);
  });
  c.on('close', () => splitText());
});

// One piece at a time: the next goes once the server acknowledged the previous one with '+'.
function splitText() {
  let i = 0;
  const c = net.createConnection(__PORT__, '127.0.0.1', () => c.write(pieces[i++]));
  c.on('data', (d) => {
    for (let k = 0; k < d.length; k++) {
      if (i < pieces.length) c.write(pieces[i++]);
      else if (i++ === pieces.length) c.end();
    }
  });
  c.on('close', () => {
    C('text sent', pieces.length);
    done();
  });
}
