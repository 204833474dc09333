// The sample: a line-based TCP service in three files, the size of a first real program.
import { createServer } from 'net';
import { PORT, GREETING } from './config';
import { handleLine } from './protocol';

const server = createServer((socket) => {
  let pending = '';
  socket.setEncoding('utf8');
  socket.write(GREETING + '\r\n');
  socket.on('data', (chunk) => {
    pending += chunk;
    let nl;
    while ((nl = pending.indexOf('\n')) >= 0) {
      const line = pending.slice(0, nl).trim();
      pending = pending.slice(nl + 1);
      const reply = handleLine(line);
      if (reply === null) return socket.end('bye\r\n');
      socket.write(reply + '\r\n');
    }
  });
  socket.on('error', (err) => console.log('client error: ' + err.code));
});
server.listen(PORT, () => console.log('listening on ' + PORT));
