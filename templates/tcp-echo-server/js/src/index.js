// A TCP echo server: every byte a client sends comes back. pipe() handles backpressure:
// it stops reading while the socket's send buffer is full and resumes on 'drain'.
// PORT: 8124 unless set with "define": { "__PORT__": "9000" } in kaluma-net.json.
import * as net from 'net';

const PORT = typeof __PORT__ === 'number' ? __PORT__ : 8124;

const server = net.createServer((socket) => {
  console.log('client ' + socket.remoteAddress + ':' + socket.remotePort);
  socket.on('error', (err) => console.log('client error: ' + err.code));
  socket.pipe(socket);
});
server.on('error', (err) => console.log('server error: ' + err.code + ' ' + err.message));
server.listen(PORT, () => console.log('echo server listening on port ' + PORT));
