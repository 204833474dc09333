// 10,000 randomised modem streams through the parser: clean ones must give exactly the events they
// were built from however they are split; garbled ones (garbage, lost/duplicated bytes, truncated
// +IPD headers, URCs dropped in anywhere) must never throw, must only emit well-formed events, and
// the parser must be back in sync within one maximal record.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { MAX_RECORD } from '../../runtime/drivers/esp-at-parser';
import { recordingParser, u8, type Ev } from './events';
import { Rng, SEED } from './rng';

const STREAMS = 10000;
const EVERY_SPLIT = 200; // short streams also fed split in two at every position

const LINES = [
  'OK', 'ERROR', 'FAIL', 'SEND OK', 'SEND FAIL', 'busy p...', 'busy s...', 'ready', 'WIFI CONNECTED',
  'WIFI GOT IP', 'WIFI DISCONNECT', '0,CONNECT', '4,CLOSED', '2,CONNECT FAIL', 'Recv 1460 bytes',
  '+CIFSR:STAIP,"192.168.1.50"', 'link is not valid', 'UNLINK', 'DNS Fail', 'ALREADY CONNECTED',
  'AT version:1.7.4.0(May 11 2020 19:13:04)', '+CWJAP:"home","aa:bb:cc:dd:ee:ff",6,-55', 'no change',
];
const PRINTABLE = ' !"#$%&()*,-./0123456789:;<=?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[]_abcdefghijklmnopqrstuvwxyz{}~+>';
const PAYLOAD_BITS = ['\r\n', 'OK', '+IPD,', '>', '\r', '\n', 'ERROR\r\n', '0,CLOSED\r\n', '+IPD,1,4:'];

function randomLine(r: Rng): string {
  if (r.chance(0.6)) return r.pick(LINES);
  for (;;) {
    const s = r.bytes(r.int(1, 80), PRINTABLE);
    if (s[0] !== ' ' && s[0] !== '>' && !s.includes('+IPD,') && !s.startsWith('+CIPRECVDATA')) return s;
  }
}

function randomPayload(r: Rng, n: number): string {
  let s = '';
  while (s.length < n) s += r.chance(0.2) ? r.pick(PAYLOAD_BITS) : r.bytes(r.int(1, 20));
  return s.slice(0, n);
}

/** A valid stream and the events it must produce. */
function genStream(r: Rng, maxEvents: number, maxPayload: number): { stream: string; events: Ev[] } {
  let stream = '';
  const events: Ev[] = [];
  const blank = () => (r.chance(0.3) ? '\r\n'.repeat(r.int(1, 2)) : '');
  const n = r.int(1, maxEvents);
  for (let i = 0; i < n; i++) {
    const k = r.next();
    if (k < 0.4) {
      const s = randomLine(r);
      stream += blank() + s + '\r\n' + blank();
      events.push({ t: 'line', s });
    } else if (k < 0.65) {
      const link = r.int(0, 4);
      const data = randomPayload(r, r.int(1, r.chance(0.1) ? maxPayload * 10 : maxPayload));
      const info = r.pick(['', ',192.168.1.9,5000', ',"10.1.2.3",80']);
      stream += blank() + `+IPD,${link},${data.length}${info}:` + data;
      const last = events[events.length - 1];
      if (last && last.t === 'ipd' && last.link === link) last.data += data;
      else events.push({ t: 'ipd', link, data });
    } else if (k < 0.75) {
      const link = r.int(0, 4);
      const len = r.int(1, MAX_RECORD);
      stream += blank() + `+IPD,${link},${len}\r\n`;
      events.push({ t: 'notice', link, len });
    } else if (k < 0.85) {
      const data = randomPayload(r, r.int(0, maxPayload));
      stream += (r.chance(0.5) ? `+CIPRECVDATA,${data.length}:` : `+CIPRECVDATA:${data.length},`) + data + '\r\nOK\r\n';
      events.push({ t: 'recv', n: data.length, data }, { t: 'line', s: 'OK' });
    } else {
      stream += r.chance(0.5) ? '> ' : '>';
      events.push({ t: 'prompt' });
    }
  }
  return { stream, events };
}

function feed(stream: string, split: (len: number) => number[]): Ev[] {
  const { parser, events } = recordingParser({ promptAlways: true });
  const bytes = u8(stream);
  let at = 0;
  for (const cut of split(bytes.length).concat(bytes.length)) {
    parser.push(bytes.slice(at, cut));
    at = cut;
  }
  return events;
}

const GARBAGE_URCS = ['0,CLOSED\r\n', '\r\nWIFI DISCONNECT\r\n', 'busy p...\r\n', '+IPD,1,3:abc', 'ready\r\n', '3,CONNECT\r\n'];

function garble(r: Rng, s: string): string {
  const ops = r.int(1, 4);
  for (let i = 0; i < ops; i++) {
    const pos = r.int(0, s.length);
    switch (r.int(0, 5)) {
      case 0:
        s = s.slice(0, pos) + r.bytes(r.int(1, 30)) + s.slice(pos);
        break;
      case 1:
        s = s.slice(0, pos) + r.pick(GARBAGE_URCS) + s.slice(pos);
        break;
      case 2: {
        const h = s.indexOf('+IPD,', pos);
        const at = h >= 0 ? h + r.int(1, 9) : pos;
        s = s.slice(0, at) + s.slice(at + r.int(1, 6));
        break;
      }
      case 3:
        s = s.slice(0, pos) + s.slice(pos + r.int(1, 20));
        break;
      case 4:
        s = s.slice(0, pos) + s.slice(pos, pos + r.int(1, 20)) + s.slice(pos);
        break;
      default:
        if (s.length) s = s.slice(0, pos) + String.fromCharCode(r.int(0, 255)) + s.slice(pos + 1);
    }
  }
  return s;
}

test(`${STREAMS} clean and garbled streams (seed ${SEED})`, () => {
  const r = new Rng(SEED);
  const started = Date.now();
  let clean = 0;
  let garbled = 0;
  let bytesFed = 0;
  for (let i = 0; i < STREAMS; i++) {
    const { stream, events } = i < EVERY_SPLIT ? genStream(r, 6, 40) : genStream(r, 25, 200);
    const label = `stream ${i} (seed ${SEED})`;
    if (r.chance(0.5)) {
      clean++;
      assert.equal(feed(stream, () => []), events, label + ' whole');
      assert.equal(feed(stream, (n) => Array.from({ length: n - 1 }, (_, k) => k + 1)), events, label + ' byte by byte');
      assert.equal(
        feed(stream, (n) => {
          const cuts: number[] = [];
          for (let at = r.int(1, 64); at < n; at += r.int(1, 64)) cuts.push(at);
          return cuts;
        }),
        events,
        label + ' random chunks',
      );
      if (i < EVERY_SPLIT) {
        for (let k = 1; k < stream.length; k++) assert.equal(feed(stream, () => [k]), events, label + ' split at ' + k);
      }
      bytesFed += stream.length * 3;
      continue;
    }
    garbled++;
    const bad = garble(r, stream);
    const { parser, events: got } = recordingParser({ promptAlways: true });
    const bytes = u8(bad);
    for (let at = 0; at < bytes.length; ) {
      const n = r.int(1, 100);
      parser.push(bytes.slice(at, at + n)); // the sink throws on any malformed event
      at += n;
    }
    let payload = 0;
    for (const e of got) if (e.t === 'ipd' || e.t === 'recv') payload += e.data.length;
    assert.ok(payload <= bad.length, label + ': more payload than input');
    // Resync: probe lines get through within one maximal record.
    parser.expectPrompt = false;
    const mark = got.length;
    let probed = 0;
    while (!got.slice(mark).some((e) => e.t === 'line' && e.s === 'PING')) {
      parser.push(u8('\r\nPING\r\n'));
      probed += 8;
      assert.ok(probed <= MAX_RECORD + 64, label + ': parser never resynchronised');
    }
    const tail = got.length;
    parser.push(u8('OK\r\n+IPD,3,4:ab\r\n0,CLOSED\r\n'));
    assert.equal(got.slice(tail), [
      { t: 'line', s: 'OK' },
      { t: 'ipd', link: 3, data: 'ab\r\n' },
      { t: 'line', s: '0,CLOSED' },
    ], label + ': after resync');
    bytesFed += bad.length + probed;
  }
  const ms = Date.now() - started;
  console.log(`  parser fuzz: ${clean} clean + ${garbled} garbled streams, ${(bytesFed / 1e6).toFixed(1)} MB, ${ms} ms`);
});

test.run();
