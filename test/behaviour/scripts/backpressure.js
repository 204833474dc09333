// Large writes: write() returns false at the high-water mark, 'drain' once the driver took the data,
// write callbacks in order; then 32 KB echoed through socket.pipe(socket) and checked. (32 KB, not more:
// the payloads live in the board's 180 KB heap; the sim driver's small buffers still stall every step.)
import * as net from 'net';
import { harness, checksum } from './lib/harness';

// 45 s: on pico-esp01 every byte crosses a 115200-baud UART (about 11.5 KB/s each way), 160 KB in all.
const { actor, finish, after, log } = harness(45000);
// Facts that differ between drivers by design (how often write() said false): not compared.
const local = (log['~backpressure'] = {});
const S1 = actor('sink');
const S2 = actor('echo');
const C1 = actor('writer');
const C2 = actor('echoClient');
const done = after(4, () => server.close(finish));
const TOTAL = 32 * 1024;
const HWM = 4096;

function payload(n, seed) {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (i * 7 + (i >> 8) + seed) & 255;
  return b;
}

let n = 0;
const server = net.createServer({ highWaterMark: HWM }, (c) => {
  if (++n === 1) sink(c);
  else echo(c);
});

// Receives slowly: pauses for a while after every 8 KB.
function sink(c) {
  let bytes = 0;
  let sum = 0;
  let nextPause = 8 * 1024;
  c.on('data', (d) => {
    bytes += d.length;
    sum = checksum(sum, d);
    if (bytes >= nextPause) {
      nextPause += 8 * 1024;
      c.pause();
      setTimeout(() => c.resume(), 20);
    }
  });
  c.on('end', () => S1('end', bytes, sum));
  c.on('close', () => {
    S1('close');
    done();
  });
}

function echo(c) {
  c.pipe(c);
  c.on('close', () => {
    S2('close', c.bytesRead, c.bytesWritten);
    done();
  });
}

server.listen(__PORT__, '127.0.0.1', () => {
  const c = net.createConnection({ port: __PORT__, host: '127.0.0.1', writableHighWaterMark: HWM });
  const data = payload(TOTAL, 1);
  const small = [];
  const cbs = [];
  // Ten small writes while connecting: true until the buffered bytes reach the high-water mark.
  for (let i = 0; i < 10; i++) {
    const k = i;
    small.push(c.write(data.subarray(i * 1000, (i + 1) * 1000), () => cbs.push(k)) ? 'T' : 'F');
  }
  C1('small writes', small.join(''));
  c.once('drain', () => {
    C1('drain');
    // Then 8 KB chunks, waiting for 'drain' whenever write() says so.
    let off = 10000;
    let writes = 10;
    let falses = 0;
    let drains = 0;
    const more = () => {
      while (off < TOTAL) {
        const end = Math.min(off + 8192, TOTAL);
        const k = writes++;
        const ok = c.write(data.subarray(off, end), () => cbs.push(k));
        off = end;
        if (!ok) {
          falses++;
          return c.once('drain', () => {
            drains++;
            more();
          });
        }
      }
      local.writer = { falses: falses, drains: drains };
      c.end(() => {
        let inOrder = cbs.length === writes;
        for (let i = 0; i < cbs.length; i++) if (cbs[i] !== i) inOrder = false;
        C1('end cb', 'callbacks ' + cbs.length + ' of ' + writes + ' in order ' + inOrder, 'drain per false ' + (falses === drains));
      });
    };
    more();
  });
  c.on('finish', () => C1('finish', c.bytesWritten, checksum(0, data)));
  c.on('close', (hadError) => {
    C1('close', hadError);
    done();
    echoClient();
  });
});

function echoClient() {
  const data = payload(TOTAL, 2);
  const c = net.createConnection({ port: __PORT__, host: '127.0.0.1', writableHighWaterMark: HWM }, () => {
    let off = 0;
    let falses = 0;
    let drains = 0;
    const more = () => {
      while (off < TOTAL) {
        const end = Math.min(off + 3000, TOTAL);
        const ok = c.write(data.subarray(off, end));
        off = end;
        if (!ok) {
          falses++;
          return c.once('drain', () => {
            drains++;
            more();
          });
        }
      }
      local.echoClient = { falses: falses, drains: drains };
      C2('all written', falses === drains, checksum(0, data));
      c.end();
    };
    more();
  });
  let bytes = 0;
  let sum = 0;
  c.on('data', (d) => {
    bytes += d.length;
    sum = checksum(sum, d);
  });
  c.on('end', () => C2('end', bytes, sum));
  c.on('close', (hadError) => {
    C2('close', hadError);
    done();
  });
}
