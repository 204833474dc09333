import { average, clamp } from '../lib/stats';

const readings = { temp: [21.5, 21.7, 22.1], humidity: [40, 41, 43], light: [300, 320, 310] };

export function sensorHandler(req) {
  const values = readings[req.params.id];
  if (!values) return { status: 404, body: { error: 'unknown sensor ' + req.params.id } };
  const n = clamp(parseInt(req.query.n || '3', 10), 1, values.length);
  return { status: 200, body: { id: req.params.id, average: average(values.slice(-n)), samples: n } };
}
