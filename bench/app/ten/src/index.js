import { createServer } from 'net';
import { Router } from './router';
import { parseRequest, HttpError } from './lib/http-parse';
import { formatResponse } from './lib/http-format';
import { Metrics } from './lib/metrics';
import { statusHandler } from './handlers/status';
import { sensorHandler } from './handlers/sensors';
import { configHandler } from './handlers/config';
import settings from './settings.json';

const metrics = new Metrics();
const router = new Router()
  .get('/', () => ({ status: 200, body: 'kaluma-net bench\n' }))
  .get('/status', statusHandler(metrics))
  .get('/sensors/:id', sensorHandler)
  .post('/config', configHandler(settings));

const server = createServer((socket) => {
  let head = '';
  metrics.connections++;
  socket.setEncoding('utf8');
  socket.on('data', (chunk) => {
    head += chunk;
    if (head.indexOf('\r\n\r\n') < 0) return;
    try {
      const req = parseRequest(head);
      const res = router.handle(req);
      metrics.count(res.status);
      socket.end(formatResponse(res));
    } catch (e) {
      const status = e instanceof HttpError ? e.status : 500;
      metrics.count(status);
      socket.end(formatResponse({ status, body: String(e.message) + '\n' }));
    }
  });
  socket.on('error', () => metrics.errors++);
});
server.listen(settings.port, () => console.log('listening on ' + settings.port));
