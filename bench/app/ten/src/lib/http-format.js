const REASONS = { 200: 'OK', 201: 'Created', 400: 'Bad Request', 404: 'Not Found', 405: 'Method Not Allowed', 500: 'Internal Server Error' };

export function formatResponse({ status, body, type = 'text/plain' }) {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  const length = new TextEncoder().encode(text).length;
  return [
    `HTTP/1.1 ${status} ${REASONS[status] || 'Unknown'}`,
    `Content-Type: ${typeof body === 'string' ? type : 'application/json'}`,
    `Content-Length: ${length}`,
    'Connection: close',
    '',
    text,
  ].join('\r\n');
}
