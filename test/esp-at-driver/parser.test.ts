import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { recordingParser, u8, type Ev } from './events';

function parse(stream: string, opts: { prompt?: boolean } = {}): Ev[] {
  const { parser, events } = recordingParser({ promptAlways: opts.prompt });
  parser.push(u8(stream));
  return events;
}

/** Same events whether the stream comes whole, byte by byte, or split in two at any position. */
function parseEverySplit(stream: string, opts: { prompt?: boolean } = {}): Ev[] {
  const whole = parse(stream, opts);
  const bytes = u8(stream);
  const one = recordingParser({ promptAlways: opts.prompt });
  for (let i = 0; i < bytes.length; i++) one.parser.push(bytes.slice(i, i + 1));
  assert.equal(one.events, whole, 'byte by byte');
  for (let k = 1; k < bytes.length; k++) {
    const r = recordingParser({ promptAlways: opts.prompt });
    r.parser.push(bytes.slice(0, k));
    r.parser.push(bytes.slice(k));
    assert.equal(r.events, whole, 'split at ' + k);
  }
  return whole;
}

test('lines: CRLF, bare CR or LF, blank lines skipped, echo with \\r\\r\\n', () => {
  assert.equal(parseEverySplit('AT+GMR\r\r\n\r\nAT version:1.7.4.0(x)\r\n\r\n\r\nOK\r\nbusy p...\rERROR\n'), [
    { t: 'line', s: 'AT+GMR' },
    { t: 'line', s: 'AT version:1.7.4.0(x)' },
    { t: 'line', s: 'OK' },
    { t: 'line', s: 'busy p...' },
    { t: 'line', s: 'ERROR' },
  ]);
});

test('+IPD payload is raw: CR, LF, OK, +IPD, > inside; next URC right after it', () => {
  const payload = 'a\r\nOK\r\n+IPD,1,3:x>\r\n\x00\xff';
  const s = `\r\n+IPD,0,${payload.length}:${payload}0,CLOSED\r\n`;
  assert.equal(parseEverySplit(s, { prompt: true }), [
    { t: 'ipd', link: 0, data: payload },
    { t: 'line', s: '0,CLOSED' },
  ]);
});

test('+IPD with remote address (CIPDINFO): NonOS unquoted, ESP-AT quoted', () => {
  assert.equal(parseEverySplit('+IPD,2,3,192.168.1.9,5000:abc+IPD,3,2,"10.0.0.1",80:de'), [
    { t: 'ipd', link: 2, data: 'abc' },
    { t: 'ipd', link: 3, data: 'de' },
  ]);
});

test('+IPD in the middle of a line (after garbage or inside an echo) still starts a record', () => {
  assert.equal(parseEverySplit('\xfe\x13garb+IPD,1,4:WXYZrest of line\r\nOK\r\n'), [
    { t: 'ipd', link: 1, data: 'WXYZ' },
    { t: 'line', s: 'rest of line' },
    { t: 'line', s: 'OK' },
  ]);
});

test('passive notice +IPD,<id>,<len> ends at CRLF', () => {
  assert.equal(parseEverySplit('+IPD,4,1200\r\n\r\nOK\r\n'), [
    { t: 'notice', link: 4, len: 1200 },
    { t: 'line', s: 'OK' },
  ]);
});

test('CIPRECVDATA: NonOS "+CIPRECVDATA,<n>:" and ESP-AT "+CIPRECVDATA:<n>," with raw data', () => {
  assert.equal(parseEverySplit('+CIPRECVDATA,5:\r\nOK\r\r\nOK\r\n'), [
    { t: 'recv', n: 5, data: '\r\nOK\r' },
    { t: 'line', s: 'OK' },
  ]);
  assert.equal(parseEverySplit('+CIPRECVDATA:6,+IPD,1\r\nOK\r\n'), [
    { t: 'recv', n: 6, data: '+IPD,1' },
    { t: 'line', s: 'OK' },
  ]);
  assert.equal(parse('+CIPRECVDATA:0,\r\nOK\r\n'), [
    { t: 'recv', n: 0, data: '' },
    { t: 'line', s: 'OK' },
  ]);
});

test('prompt: "> " (NonOS) and ">" (ESP-AT), only at line start and only when expected', () => {
  assert.equal(parseEverySplit('\r\nOK\r\n> ', { prompt: true }), [{ t: 'line', s: 'OK' }, { t: 'prompt' }]);
  assert.equal(parseEverySplit('\r\nOK\r\n\r\n>', { prompt: true }), [{ t: 'line', s: 'OK' }, { t: 'prompt' }]);
  // URCs between OK and the prompt, and after it
  assert.equal(parseEverySplit('\r\nOK\r\n1,CONNECT\r\n+IPD,0,2:hi> 2,CLOSED\r\n', { prompt: true }), [
    { t: 'line', s: 'OK' },
    { t: 'line', s: '1,CONNECT' },
    { t: 'ipd', link: 0, data: 'hi' },
    { t: 'prompt' },
    { t: 'line', s: '2,CLOSED' },
  ]);
  // not expected: part of a line; not at line start: part of the line
  assert.equal(parse('> x\r\n'), [{ t: 'line', s: '> x' }]);
  assert.equal(parse('a>b\r\n', { prompt: true }), [{ t: 'line', s: 'a>b' }]);
  // one prompt per expectation
  const { parser, events } = recordingParser();
  parser.expectPrompt = true;
  parser.push(u8('>>\r\n'));
  assert.equal(events, [{ t: 'prompt' }, { t: 'line', s: '>' }]);
});

test('malformed +IPD headers resync to line mode', () => {
  assert.equal(parseEverySplit('+IPD,7,3:abc\r\nOK\r\n'), [
    { t: 'line', s: 'abc' },
    { t: 'line', s: 'OK' },
  ]);
  assert.equal(parseEverySplit('+IPD,0,0:\r\n+IPD,0,99999:x\r\nOK\r\n'), [
    { t: 'line', s: 'x' },
    { t: 'line', s: 'OK' },
  ]);
  // truncated header (bytes lost): the next URC is recognised
  assert.equal(parseEverySplit('+IPD,0,1WIFI DISCONNECT\r\n+IPD,1,2:ok'), [
    { t: 'line', s: 'WIFI DISCONNECT' },
    { t: 'ipd', link: 1, data: 'ok' },
  ]);
  assert.equal(parseEverySplit('+IPD,1' + '1'.repeat(60) + ':zz\r\nOK\r\n'), [
    { t: 'line', s: '1'.repeat(61 - 48) + ':zz' }, // the header keeps 48 bytes at most
    { t: 'line', s: 'OK' },
  ]);
});

test('an over-long garbage line is dropped, and a +IPD inside it is still found', () => {
  const junk = 'x'.repeat(700);
  assert.equal(parse(junk + '\r\nOK\r\n'), [{ t: 'line', s: 'OK' }]);
  assert.equal(parse(junk + '+IPD,2,3:abc\r\n'), [{ t: 'ipd', link: 2, data: 'abc' }]);
});

test('reset() drops a half-read record (records are handed over whole)', () => {
  const { parser, events } = recordingParser();
  parser.push(u8('+IPD,0,100:abc'));
  parser.reset();
  parser.push(u8('ready\r\n+IPD,1,4:wx'));
  parser.push(u8('yz'));
  assert.equal(events, [
    { t: 'line', s: 'ready' },
    { t: 'ipd', link: 1, data: 'wxyz' },
  ]);
});

test.run();
