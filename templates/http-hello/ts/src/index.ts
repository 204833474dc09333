// A small HTTP/1.1 server written on `net`: parses the request line and headers, answers
// GET / with a greeting, 404 for other paths, and closes each connection (no keep-alive).
// PORT: 8080 unless set with "define": { "__PORT__": "80" } in kaluma-net.json.
import * as net from 'net';

declare const __PORT__: number | undefined;

interface Request {
  method: string;
  path: string;
  headers: Record<string, string>;
}

const PORT: number = typeof __PORT__ === 'number' ? __PORT__ : 8080;
const MAX_HEAD = 4096;
const PAGES: Record<string, string> = { '/': 'Hello from Kaluma!\n' };

function respond(socket: net.Socket, status: number, reason: string, body: string, head = false): void {
  const length = new TextEncoder().encode(body).length;
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\n` +
      'Content-Type: text/plain; charset=utf-8\r\n' +
      `Content-Length: ${length}\r\n` +
      'Connection: close\r\n\r\n' +
      (head ? '' : body),
  );
}

function parseHead(text: string): Request | null {
  const lines = text.split('\r\n');
  const m = /^([A-Z]+) (\S+) HTTP\/1\.[01]$/.exec(lines[0]);
  if (!m) return null;
  const headers: Record<string, string> = {};
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon <= 0) return null;
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { method: m[1], path: m[2].split('?')[0], headers };
}

function handle(socket: net.Socket, req: Request): void {
  console.log(`${req.method} ${req.path}`);
  if (req.method !== 'GET' && req.method !== 'HEAD') return respond(socket, 405, 'Method Not Allowed', 'method not allowed\n');
  const page = PAGES[req.path];
  if (page === undefined) return respond(socket, 404, 'Not Found', `not found: ${req.path}\n`, req.method === 'HEAD');
  respond(socket, 200, 'OK', page, req.method === 'HEAD');
}

const server: net.Server = net.createServer((socket: net.Socket) => {
  let buffered = '';
  let done = false;
  socket.setEncoding('utf8');
  socket.setTimeout(10000, () => socket.destroy());
  socket.on('error', () => socket.destroy());
  socket.on('data', (chunk: string) => {
    if (done) return;
    buffered += chunk;
    const end = buffered.indexOf('\r\n\r\n');
    if (end < 0) {
      if (buffered.length > MAX_HEAD) {
        done = true;
        respond(socket, 431, 'Request Header Fields Too Large', 'request head too large\n');
      }
      return;
    }
    done = true;
    const req = parseHead(buffered.slice(0, end));
    if (!req) return respond(socket, 400, 'Bad Request', 'bad request\n');
    handle(socket, req);
  });
});
server.on('error', (err: net.NetError) => console.log(`server error: ${err.code} ${err.message}`));
server.listen(PORT, () => console.log(`http server listening on port ${PORT}`));
