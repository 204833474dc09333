// kaluma-net.json and -D: one define rule for both places, strict fields, readable JSON errors,
// driver options checked at build time.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli, project, type CliResult } from '../helpers/cli';
import { defineExpression } from '../../cli/pipeline/defines';
import { jsonErrorOffset } from '../../cli/util/json-file';

const SHOW = `print(typeof A, A, typeof B, B, typeof C, C, typeof D, D, typeof E, E, typeof F, F, typeof G, G);\n`;
const APP = `import { createConnection } from 'net';\ncreateConnection(80, '127.0.0.1').on('error', () => 0);\n`;

function oneLine(r: CliResult, what: RegExp): void {
  assert.is(r.status, 1, r.stderr);
  assert.match(r.stderr, /^kaluma-net: error: [^\n]+\n$/);
  assert.match(r.stderr, what);
}

const printed = (dir: string) => /print\(([^)]*)\)/.exec(readFileSync(join(dir, 'dist/show.js'), 'latin1'))![1];

test('the define rule: numbers in every spelling, constants, quoted strings, everything else a string', () => {
  const cases: [unknown, string][] = [
    ['16', '16'], ['-1.5', '-1.5'], ['0x10', '16'], ['0o17', '15'], ['0b101', '5'], ['1e3', '1000'], ['-0x10', '-16'], ['1_000', '1000'],
    ['007', '"007"'], ['true', 'true'], ['null', 'null'], ['undefined', 'undefined'], ['"quoted"', '"quoted"'], ["'it\\'s'", `"it's"`],
    ['hello', '"hello"'], ['process.env.X', '"process.env.X"'], ['a b', '"a b"'], ['', '""'], [16, '16'], [false, 'false'], [null, 'null'],
  ];
  for (const [value, expression] of cases) assert.is(defineExpression(value, 'X'), expression, String(value));
  assert.throws(() => defineExpression('"open', '--define X="open'), /--define X="open: "open: unbalanced " quote/);
  assert.throws(() => defineExpression(['x'], 'kaluma-net.json: define "X"'), /define "X": must be a string, number, boolean or null/);
});

test('-D on the command line and "define" in kaluma-net.json give the same program', () => {
  const values = { A: '0x10', B: '1e3', C: 'hello', D: '"quoted"', E: 'true', F: '007', G: '-2' };
  const viaCli = project({ 'show.js': SHOW });
  const args = ['build', 'show.js', '-t', 'pico', '--format', 'js'];
  const r = cli([...args, ...Object.entries(values).flatMap(([k, v]) => ['-D', `${k}=${v}`])], viaCli);
  assert.is(r.status, 0, r.stderr);
  const viaConfig = project({ 'show.js': SHOW, 'kaluma-net.json': JSON.stringify({ define: values }) });
  assert.is(cli(args, viaConfig).status, 0);
  assert.is(printed(viaCli), printed(viaConfig));
  assert.is(printed(viaCli), '"number",16,"number",1e3,"string","hello","string","quoted","boolean",!0,"string","007","number",-2');
  // JSON values stand for themselves; the command line wins over the file.
  const json = project({ 'show.js': SHOW, 'kaluma-net.json': JSON.stringify({ define: { ...values, A: 16, E: false } }) });
  assert.is(cli([...args, '-D', 'G=3'], json).status, 0);
  assert.match(printed(json), /^"number",16,.*"boolean",!1,.*"number",3$/);
});

test('bad defines name the key and the file (or the option), never esbuild', () => {
  const dir = project({ 'show.js': SHOW });
  oneLine(cli(['build', 'show.js', '-t', 'pico', '-D', '1x=2'], dir), /--define 1x=2: "1x" is not a name to replace/);
  oneLine(cli(['build', 'show.js', '-t', 'pico', '-D', 'X'], dir), /--define X: expected KEY=VALUE/);
  oneLine(cli(['build', 'show.js', '-t', 'pico', '-D', 'if=1'], dir), /--define if=1: "if" is a reserved word, not a name to replace/);
  oneLine(cli(['build', 'show.js', '-t', 'pico', '-D', 'X="open'], dir), /--define X="open: "open: unbalanced " quote/);
  writeFileSync(join(dir, 'kaluma-net.json'), JSON.stringify({ define: { 'a-b': '1' } }));
  oneLine(cli(['build', 'show.js', '-t', 'pico'], dir), /\/kaluma-net\.json: define: "a-b" is not a name to replace/);
  writeFileSync(join(dir, 'kaluma-net.json'), JSON.stringify({ define: { X: { y: 1 } } }));
  oneLine(cli(['build', 'show.js', '-t', 'pico'], dir), /\/kaluma-net\.json: define "X": must be a string, number, boolean or null/);
  assert.not.match(cli(['build', 'show.js', '-t', 'pico'], dir).stderr, /esbuild/);
});

test('kaluma-net.json: unknown fields (did you mean), a BOM, JSON errors at line:col', () => {
  const dir = project({ 'app.js': APP });
  const build = () => cli(['build', 'app.js', '--format', 'js'], dir);
  writeFileSync(join(dir, 'kaluma-net.json'), '{"tragte": "pico-w"}');
  oneLine(build(), /kaluma-net\.json: unknown field "tragte" \(did you mean "target"\?\); fields: target, entry/);
  writeFileSync(join(dir, 'kaluma-net.json'), '{"target": "pico-w", "colour": 1}');
  oneLine(build(), /unknown field "colour"; fields:/);
  writeFileSync(join(dir, 'kaluma-net.json'), '\ufeff{"target": "pico-w"}\n');
  assert.is(build().status, 0, 'a UTF-8 BOM is accepted');
  writeFileSync(join(dir, 'kaluma-net.json'), '{\n  "target": "pico-w"\n  "entry": "app.js"\n}\n');
  oneLine(build(), /kaluma-net\.json:3:3: invalid JSON: /);
  writeFileSync(join(dir, 'kaluma-net.json'), '{"target": "pico-w",}');
  oneLine(build(), /kaluma-net\.json:1:21: invalid JSON: /);
  writeFileSync(join(dir, 'kaluma-net.json'), '{"target": tru}');
  oneLine(build(), /kaluma-net\.json:1:12: invalid JSON: /);
});

test('the JSON error offset', () => {
  const cases: [string, number][] = [['{"a":1,}', 7], ['', 0], ['{', 1], ['[1 2]', 3], ['{"a":"\\x"}', 5], ['{"a": tru}', 6], ['{"a":01}', 6], ['{} x', 3], ['{"a":1}', 7]];
  for (const [text, offset] of cases) assert.is(jsonErrorOffset(text), offset, text);
});

test('"port" in kaluma-net.json is the serial port of flash, erase and monitor (--port wins)', () => {
  const dir = project({ 'app.js': APP, 'kaluma-net.json': JSON.stringify({ target: 'pico-w', port: '/dev/kn-no-such-port' }) });
  assert.is(cli(['build', 'app.js', '--format', 'js'], dir).status, 0);
  const opened = (args: string[], port: string) => {
    const r = cli(args, dir);
    assert.is(r.status, 1, args.join(' '));
    assert.match(r.stderr, new RegExp(`kaluma-net: error: ${port}: cannot open the serial port`), args.join(' '));
  };
  for (const args of [['flash', 'dist/app.js'], ['erase'], ['monitor']]) opened(args, '/dev/kn-no-such-port');
  opened(['flash', 'dist/app.js', '--port', '/dev/kn-other'], '/dev/kn-other');
});

test('driver options in kaluma-net.json are checked at build time', () => {
  const dir = project({ 'app.js': APP });
  const build = (config: object) => {
    writeFileSync(join(dir, 'kaluma-net.json'), JSON.stringify(config));
    return cli(['build', 'app.js', '--format', 'js'], dir);
  };
  oneLine(build({ target: 'pico-esp01', netdev: { uart: { bus: 7 } } }), /kaluma-net\.json: field "netdev\.uart\.bus" must be an integer 0\.\.1 \(got 7\) \(target pico-esp01\)/);
  oneLine(build({ target: 'pico-esp01', netdev: { chunkSize: 999999 } }), /field "netdev\.chunkSize" must be an integer 1\.\.2048 \(got 999999\)/);
  oneLine(build({ target: 'pico-esp01', netdev: { chunksize: 1024 } }), /unknown field "netdev\.chunksize" \(did you mean "chunkSize"\?\)/);
  oneLine(build({ target: 'pico-esp01', netdev: { timeouts: { join: '5s' } } }), /field "netdev\.timeouts\.join" must be an integer 1\.\.600000 \(got "5s"\)/);
  oneLine(build({ target: 'pico-esp01', netdev: { wifi: { ssid: 'a', password: 'b' } } }), /field "netdev\.wifi": Wi-Fi credentials do not belong in kaluma-net\.json/);
  oneLine(build({ target: 'w5500-evb-pico', netdev: { ip: { ip: '10.0.0.300' } } }), /field "netdev\.ip\.ip" must be a dotted IPv4 address like "192\.168\.1\.20" \(got "10\.0\.0\.300"\)/);
  oneLine(build({ target: 'w5500-evb-pico', netdev: { ip: { gateway: '10.0.0.1' } } }), /field "netdev\.ip\.ip" is required/);
  oneLine(build({ target: 'w5500-evb-pico', netdev: { ip: 'static' } }), /field "netdev\.ip" must be "dhcp" or \{"ip", "subnet", "gateway", "dns"\} \(got "static"\)/);
  oneLine(build({ target: 'w5500-evb-pico', netdev: { mac: '01:00:00:00:00:01' } }), /field "netdev\.mac" is a multicast address/);
  oneLine(build({ target: 'pico-w', netdev: { connectTimeout: -1 } }), /field "netdev\.connectTimeout" must be an integer/);
  oneLine(build({ target: 'pico', netdev: {} }), /field "netdev": target pico has no network driver/);
  for (const good of [
    { target: 'pico-esp01', netdev: { uart: { bus: 1, tx: 4, rx: 5 }, chunkSize: 1024, passive: true, timeouts: { join: 30000 } } },
    { target: 'w5500-evb-pico', netdev: { ip: { ip: '192.168.1.20', gateway: '192.168.1.1' }, mac: '02:00:00:00:00:01', retry: { count: 3 } } },
    { target: 'pico-w', netdev: { connectTimeout: 1500 } },
  ]) {
    const r = build(good);
    assert.is(r.status, 0, r.stderr);
  }
});

test.run();
