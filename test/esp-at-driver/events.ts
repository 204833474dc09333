// Records what the AT parser emits, in a form tests can compare.

import { AtParser, type AtParserSink } from '../../runtime/drivers/esp-at-parser';

export type Ev =
  | { t: 'line'; s: string }
  | { t: 'ipd'; link: number; data: string }
  | { t: 'notice'; link: number; len: number }
  | { t: 'recv'; n: number; data: string }
  | { t: 'prompt' };

const str = (u8: Uint8Array): string => {
  let s = '';
  for (let i = 0; i < u8.length; i++) s += String.fromCharCode(u8[i]);
  return s;
};

/** A parser whose output goes to `events`; consecutive payload pieces of one record are merged. */
export function recordingParser(opts: { promptAlways?: boolean } = {}): { parser: AtParser; events: Ev[] } {
  const events: Ev[] = [];
  let parser: AtParser;
  const sink: AtParserSink = {
    line: (s) => {
      if (s.length === 0 || /[\r\n]/.test(s)) throw new Error('bad line ' + JSON.stringify(s));
      events.push({ t: 'line', s });
    },
    ipd: (link, data) => {
      if (!(data instanceof Uint8Array) || data.length === 0) throw new Error('bad ipd piece');
      if (link < 0 || link > 4) throw new Error('bad link ' + link);
      const last = events[events.length - 1];
      if (last && last.t === 'ipd' && last.link === link) last.data += str(data);
      else events.push({ t: 'ipd', link, data: str(data) });
    },
    notice: (link, len) => {
      if (link < 0 || link > 4 || len < 1 || len > 8192) throw new Error('bad notice');
      events.push({ t: 'notice', link, len });
    },
    recvData: (data, n) => {
      const last = events[events.length - 1];
      if (last && last.t === 'recv' && last.n === n && last.data.length < n) last.data += str(data);
      else events.push({ t: 'recv', n, data: str(data) });
    },
    prompt: () => {
      events.push({ t: 'prompt' });
      if (opts.promptAlways) parser.expectPrompt = true;
    },
  };
  parser = new AtParser(sink);
  if (opts.promptAlways) parser.expectPrompt = true;
  return { parser, events };
}

export const u8 = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0) & 0xff);
