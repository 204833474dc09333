// Boot, framing, echo, busy, basic and Wi-Fi commands of the emulated ESP-01, in both dialects.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { EspAtModem } from '../../cli/emulate/esp-at/modem';
import { Board, delay, ready } from './board';

const DIALECTS = ['nonos', 'esp-at'] as const;

test('power-on: boot noise, then ready; input before ready is ignored', async () => {
  const b = new Board({ timing: { bootDelayMs: 40 } });
  b.send('AT\r\n');
  const boot = await b.until('\r\nready\r\n');
  assert.ok(boot.length > '\r\nready\r\n'.length + 20, 'garbage precedes ready');
  assert.not.ok(boot.includes('OK'), 'the early AT was not answered');
  assert.is(await b.quiet(), '');
  b.close();
});

test('echo is on after boot (line + CR CR LF); ATE0 is echoed itself, then nothing is', async () => {
  const b = new Board();
  await b.until('ready\r\n');
  assert.is(await b.cmd('AT'), 'AT\r\r\n\r\nOK\r\n');
  assert.is(await b.cmd('ATE0'), 'ATE0\r\r\n\r\nOK\r\n');
  assert.is(await b.cmd('AT'), '\r\nOK\r\n');
  assert.is(await b.cmd('ATE1'), '\r\nOK\r\n');
  assert.is(await b.cmd('AT'), 'AT\r\r\n\r\nOK\r\n');
  b.close();
});

test('pace: answers come at the line rate of 115200 baud (10 bits a byte), split over time', async () => {
  const b = await ready({ pace: true });
  const t0 = performance.now();
  const gmr = await b.cmd('AT+GMR');
  const ms = performance.now() - t0;
  // the echo, the version lines and OK: at least gmr.length / 11.52 ms on the wire
  assert.ok(ms >= gmr.length / 11.52 - 1, `${gmr.length} bytes in ${ms.toFixed(1)} ms`);
  assert.ok(b.chunks > 3, 'delivered in pieces as they cross the line');
  b.close();
});

test('malformed input: unknown command, lower case, lone LF, empty line, over-long line → ERROR', async () => {
  const b = await ready({}, 0);
  assert.is(await b.cmd('AT+NOSUCH'), '\r\nERROR\r\n');
  assert.is(await b.cmd('at'), '\r\nERROR\r\n');
  assert.is(await b.cmd('AT+CWMODE=?'), '\r\nERROR\r\n');
  assert.is(await b.cmd('AT+CWMODE=x'), '\r\nERROR\r\n');
  b.send('AT\n');
  assert.is(await b.quiet(), '', 'no CR: the line is not finished');
  assert.is(await b.cmd(''), '\r\nERROR\r\n', '"AT\\n" + CRLF is not a command');
  assert.is(await b.cmd(''), '\r\nERROR\r\n');
  assert.is(await b.cmd('AT+CWJAP="' + 'x'.repeat(300) + '","y"'), '\r\nERROR\r\n');
  assert.is(await b.cmd('AT'), '\r\nOK\r\n');
  b.close();
});

test('one command in flight: a second line is answered busy p... and dropped', async () => {
  const b = await ready({ timing: { commandDelayMs: 20 } }, 0);
  b.send('AT\r\nAT+GMR\r\n');
  const out = await b.until('\r\nOK\r\n');
  assert.is(out, 'busy p...\r\n\r\nOK\r\n');
  assert.is(await b.quiet(60), '', 'AT+GMR was discarded');
  // Trailing bytes after a command (double CR LF) count as a new command too.
  b.send('AT\r\n\r\n');
  assert.is(await b.until('\r\nOK\r\n'), 'busy p...\r\n\r\nOK\r\n');
  b.close();
});

for (const dialect of DIALECTS) {
  test(`${dialect}: AT+GMR version lines`, async () => {
    const b = await ready({ dialect }, 0);
    const out = await b.cmd('AT+GMR');
    const lines = out.split('\r\n');
    assert.match(lines[0], dialect === 'nonos' ? /^AT version:1\.7\.4\.0\(.+\)$/ : /^AT version:2\.2\.0\.0\(.+\)$/);
    assert.match(lines[1], dialect === 'nonos' ? /^SDK version:3\.0\.4\(/ : /^SDK version:v3\./);
    assert.match(lines[2], dialect === 'nonos' ? /^compile time:/ : /^compile time\(.+\):/);
    assert.match(lines[3], /^Bin version/);
    assert.ok(out.endsWith('\r\n\r\nOK\r\n'));
    b.close();
  });

  test(`${dialect}: _CUR/_DEF variants and SYSSTORE exist only in their dialect`, async () => {
    const b = await ready({ dialect }, 0);
    const nonos = dialect === 'nonos';
    assert.is(await b.cmd('AT+CWMODE_CUR=1'), nonos ? '\r\nOK\r\n' : '\r\nERROR\r\n');
    assert.is(await b.cmd('AT+CWMODE_DEF?'), nonos ? '+CWMODE_DEF:2\r\n\r\nOK\r\n' : '\r\nERROR\r\n');
    assert.is(await b.cmd('AT+SYSSTORE=0'), nonos ? '\r\nERROR\r\n' : '\r\nOK\r\n');
    // Leaving station mode drops the association.
    assert.is(await b.cmd('AT+CWMODE=0'), nonos ? '\r\nERROR\r\n' : 'WIFI DISCONNECT\r\n\r\nOK\r\n');
    assert.is(await b.cmd('AT+CIPSTARTEX="TCP","127.0.0.1",1'), '\r\nERROR\r\n');
    b.close();
  });

  test(`${dialect}: CWMODE defaults to softAP; joining needs station mode`, async () => {
    const b = new Board({ dialect, networks: [{ ssid: 'lab', password: 'secret' }] });
    await b.until('ready\r\n');
    await b.cmd('ATE0');
    assert.is(await b.cmd('AT+CWMODE?'), '+CWMODE:2\r\n\r\nOK\r\n');
    assert.is(await b.cmd('AT+CWJAP="lab","secret"'), '\r\nERROR\r\n');
    assert.is(await b.cmd('AT+CIFSR'), '+CIFSR:APIP,"192.168.4.1"\r\n+CIFSR:APMAC,"5e:cf:7f:00:00:01"\r\n\r\nOK\r\n');
    assert.is(await b.cmd('AT+CWMODE=3'), '\r\nOK\r\n');
    assert.is(
      await b.cmd('AT+CIFSR'),
      '+CIFSR:APIP,"192.168.4.1"\r\n+CIFSR:APMAC,"5e:cf:7f:00:00:01"\r\n+CIFSR:STAIP,"0.0.0.0"\r\n+CIFSR:STAMAC,"5c:cf:7f:00:00:01"\r\n\r\nOK\r\n',
    );
    b.close();
  });

  test(`${dialect}: CWJAP success, failure codes, busy while joining, CWJAP?, CWQAP`, async () => {
    const nonos = dialect === 'nonos';
    const fail = nonos ? 'FAIL' : 'ERROR';
    const b = new Board({ dialect, networks: [{ ssid: 'lab', password: 'secret' }], timing: { joinDelayMs: 30 } });
    await b.until('ready\r\n');
    await b.cmd('ATE0');
    await b.cmd('AT+CWMODE=1');
    assert.is(await b.cmd('AT+CWJAP?'), nonos ? 'No AP\r\n\r\nOK\r\n' : '\r\nOK\r\n');
    assert.is(await b.cmd('AT+CWJAP="lab","wrong"'), `+CWJAP:2\r\n\r\n${fail}\r\n`);
    assert.is(await b.cmd('AT+CWJAP="elsewhere","secret"'), `+CWJAP:3\r\n\r\n${fail}\r\n`);
    if (nonos) assert.is(await b.cmd('AT+CWJAP_CUR="lab","x"'), `+CWJAP_CUR:2\r\n\r\nFAIL\r\n`);

    b.send('AT+CWJAP="lab","secret"\r\n');
    await delay(10);
    b.send('AT+CIFSR\r\n');
    assert.is(await b.until(/\r\nOK\r\n/), 'busy p...\r\nWIFI CONNECTED\r\nWIFI GOT IP\r\n\r\nOK\r\n');
    assert.match(await b.cmd('AT+CWJAP?'), /^\+CWJAP:"lab","[0-9a-f:]{17}",\d+,-\d+.*\r\n\r\nOK\r\n$/);
    assert.is(await b.cmd('AT+CIFSR'), '+CIFSR:STAIP,"127.0.0.1"\r\n+CIFSR:STAMAC,"5c:cf:7f:00:00:01"\r\n\r\nOK\r\n');
    // Joining again while joined: the old association drops first.
    assert.is(await b.cmd('AT+CWJAP="lab","secret"'), 'WIFI DISCONNECT\r\nWIFI CONNECTED\r\nWIFI GOT IP\r\n\r\nOK\r\n');
    assert.is(await b.cmd('AT+CWQAP'), '\r\nOK\r\n');
    assert.is(await b.until('\r\n'), 'WIFI DISCONNECT\r\n');
    assert.is(await b.cmd('AT+CIFSR'), '+CIFSR:STAIP,"0.0.0.0"\r\n+CIFSR:STAMAC,"5c:cf:7f:00:00:01"\r\n\r\nOK\r\n');
    b.close();
  });

  test(`${dialect}: AT+RST answers OK, then noise and ready; settings not in flash are gone`, async () => {
    const b = await ready({ dialect }, 1);
    assert.is(await b.cmd('AT+CIPMUX?'), '+CIPMUX:1\r\n\r\nOK\r\n');
    const rst = await b.cmd('AT+RST');
    assert.is(rst, '\r\nOK\r\n');
    const boot = await b.until('\r\nready\r\n');
    assert.ok(boot.length > 20, 'boot noise');
    assert.is(await b.cmd('AT'), 'AT\r\r\n\r\nOK\r\n', 'echo is back on');
    assert.is(await b.cmd('AT+CIPMUX?'), 'AT+CIPMUX?\r\r\n+CIPMUX:0\r\n\r\nOK\r\n');
    b.close();
  });
}

test('nonos: CWJAP and CWMODE write flash, _CUR does not; a stored AP is joined after ready', async () => {
  const b = await ready({ dialect: 'nonos' }, 0);
  assert.is(await b.cmd('AT+CWMODE_DEF?'), '+CWMODE_DEF:2\r\n\r\nOK\r\n', 'ready() used CWMODE_CUR');
  await b.cmd('AT+RST');
  await b.until('ready\r\n');
  assert.is(await b.quiet(40), '', 'nothing stored: no join');
  await b.cmd('ATE0');
  await b.cmd('AT+CWMODE=1');
  await b.cmd('AT+CWJAP="lab","secret"');
  await b.cmd('AT+RST');
  await b.until('ready\r\n');
  assert.is(await b.until('WIFI GOT IP\r\n'), 'WIFI CONNECTED\r\nWIFI GOT IP\r\n');
  b.close();
});

test('esp-at: SYSSTORE=0 keeps CWJAP out of flash; AT+CWJAP alone joins the stored AP', async () => {
  const b = new Board({
    dialect: 'esp-at',
    networks: [
      { ssid: 'lab', password: 'secret' },
      { ssid: 'other', password: 'pw' },
    ],
    flash: { cwmode: 1, ap: { ssid: 'lab', password: 'secret' } },
  });
  await b.until('ready\r\n');
  assert.is(await b.until('WIFI GOT IP\r\n'), 'WIFI CONNECTED\r\nWIFI GOT IP\r\n', 'auto-join from flash');
  await b.cmd('ATE0');
  await b.cmd('AT+SYSSTORE=0');
  assert.is(await b.cmd('AT+CWJAP="other","pw"'), 'WIFI DISCONNECT\r\nWIFI CONNECTED\r\nWIFI GOT IP\r\n\r\nOK\r\n');
  assert.match(await b.cmd('AT+CWJAP?'), /^\+CWJAP:"other",/);
  await b.cmd('AT+CWQAP');
  assert.is(await b.cmd('AT+CWJAP'), 'WIFI DISCONNECT\r\nWIFI CONNECTED\r\nWIFI GOT IP\r\n\r\nOK\r\n');
  assert.match(await b.cmd('AT+CWJAP?'), /^\+CWJAP:"lab",/, 'flash still holds the first AP');
  await b.cmd('AT+SYSSTORE=1');
  await b.cmd('AT+CWJAP="other","pw"');
  await b.cmd('AT+RST');
  await b.until('ready\r\n');
  await b.until('WIFI GOT IP\r\n');
  b.send('ATE0\r\n');
  await b.until('OK\r\n');
  assert.match(await b.cmd('AT+CWJAP?'), /^\+CWJAP:"other",/, 'SYSSTORE=1 stored it');
  b.close();
});

test('auto-join of a stored AP that is not in range ends in WIFI DISCONNECT', async () => {
  const b = new Board({ networks: [{ ssid: 'lab', password: 'secret' }], flash: { cwmode: 1, ap: { ssid: 'gone', password: 'x' } } });
  await b.until('ready\r\n');
  assert.is(await b.until('\r\n'), 'WIFI DISCONNECT\r\n');
  b.close();
});

test('without a network list any SSID and password join', async () => {
  const b = new Board({ flash: { cwmode: 1 } });
  await b.until('ready\r\n');
  await b.cmd('ATE0');
  assert.is(await b.cmd('AT+CWJAP="any\\,thing","pw"'), 'WIFI CONNECTED\r\nWIFI GOT IP\r\n\r\nOK\r\n');
  assert.match(await b.cmd('AT+CWJAP?'), /^\+CWJAP:"any\\,thing",/);
  b.close();
});

test('UART_CUR: OK at the old rate, then only a board at the new rate understands the modem', async () => {
  const b = await ready({}, 0);
  b.modem.configure({ baudrate: 115200 });
  assert.is(await b.cmd('AT+UART_CUR=921600,8,1,0,0'), '\r\nOK\r\n');
  b.send('AT\r\n');
  await delay(30);
  assert.not.ok(b.rest.includes('OK'), 'a board still at 115200 gets no answer');
  b.modem.configure({ baudrate: 921600 });
  assert.is(await b.cmd('AT'), '\r\nOK\r\n');
  assert.is(await b.cmd('AT+UART_CUR=50,8,1,0,0'), '\r\nERROR\r\n');
  assert.is(await b.cmd('AT+UART_CUR=115200,9,1,0,0'), '\r\nERROR\r\n');
  // A reset returns to the stored rate.
  await b.cmd('AT+RST');
  await delay(40);
  b.cursor = b.text.length;
  b.send('AT\r\n');
  await delay(30);
  assert.not.ok(b.rest.includes('OK'));
  b.modem.configure({ baudrate: 115200 });
  assert.is(await b.cmd('AT'), 'AT\r\r\n\r\nOK\r\n');
  b.close();
});

test('bad options are rejected with a precise message', () => {
  assert.throws(() => new EspAtModem({ stationIp: '192.168.1.5' }), /stationIp must be a loopback/);
  assert.throws(() => new EspAtModem({ dialect: 'v3' as never }), /dialect must be/);
  assert.throws(() => new EspAtModem({ networks: [{ ssid: '', password: '' }] }), /networks\[0\]\.ssid/);
  assert.throws(() => new EspAtModem({ timing: { joinDelayMs: -1 } }), /timing\.joinDelayMs/);
  assert.throws(() => new EspAtModem({ mac: 'nope' }), /mac must look like/);
  assert.throws(() => new EspAtModem({ flash: { cwmode: 0 } }), /flash\.cwmode 0/);
});

test.run();
