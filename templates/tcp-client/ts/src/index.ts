// Connects to a TCP server, sends one line and prints what comes back.
// HOST and PORT: set "define" in kaluma-net.json, e.g. { "__HOST__": "\"192.168.1.20\"", "__PORT__": "8124" }.
import * as net from 'net';

declare const __HOST__: string | undefined;
declare const __PORT__: number | undefined;

const HOST: string = typeof __HOST__ === 'string' ? __HOST__ : '127.0.0.1';
const PORT: number = typeof __PORT__ === 'number' ? __PORT__ : 8124;

const socket: net.Socket = net.createConnection({ host: HOST, port: PORT }, () => {
  console.log(`connected to ${HOST}:${PORT}`);
  socket.end('hello from kaluma-net\n');
});
socket.setEncoding('utf8');
socket.on('data', (text: string) => console.log(`reply: ${text.trim()}`));
socket.on('error', (err: net.NetError) => console.log(`error: ${err.code} ${err.message}`));
socket.on('close', () => console.log('closed'));
