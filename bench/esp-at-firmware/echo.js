// 20,000 bytes through the ESP-AT driver both ways on one board: a client sends them to the
// board's own echo server (over the modem, so every byte crosses the UART four times) and checks
// what comes back. Prints the boot time of its first line and the echo time (Kaluma's millis()).
import * as net from 'net';

console.log('first line at ' + millis() + ' ms');
const PORT = __PORT__;
const N = __BYTES__;
const byteAt = (i) => (i * 31 + (i >> 8)) & 255;

const server = net.createServer((s) => {
  s.on('data', (d) => s.write(d));
  s.on('end', () => s.end());
  s.on('error', (e) => console.log('server socket error ' + e.code));
});
server.on('error', (e) => console.log('server error ' + e.code));
server.listen(PORT, () => {
  const data = new Uint8Array(N);
  for (let i = 0; i < N; i++) data[i] = byteAt(i);
  let t0 = 0;
  let got = 0;
  const chunks = [];
  const c = net.createConnection({ host: __HOST__, port: PORT }, () => {
    t0 = millis();
    console.log('connected at ' + t0 + ' ms');
    c.write(data);
  });
  c.on('data', (d) => {
    chunks.push(d);
    got += d.length;
    if (got < N) return;
    // Checked after the clock stops: a byte-by-byte loop in JS costs the board more than the UART.
    const ms = millis() - t0;
    let bad = got === N ? -1 : got;
    for (let j = 0, i = 0; j < chunks.length && bad < 0; j++) {
      for (let k = 0; k < chunks[j].length; k++, i++) {
        if (chunks[j][k] !== byteAt(i)) {
          bad = i;
          break;
        }
      }
    }
    console.log(bad < 0 ? 'echo ok ' + got + ' bytes in ' + ms + ' ms' : 'echo BAD at byte ' + bad + ' of ' + got);
    c.destroy();
    server.close();
  });
  c.on('error', (e) => console.log('client error ' + e.code));
});
