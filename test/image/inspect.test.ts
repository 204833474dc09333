import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { formatInspect, inspectFile, makeImages, stampProgram } from '../../cli/image/index';
import { storageImage } from '../../cli/image/storage-slots';
import { readUf2 } from '../../cli/image/uf2-read';
import { writeUf2 } from '../../cli/image/uf2-write';
import { wifiStorageEntries } from '../../cli/image/wifi-credentials';
import { RP2040, RP2350_ARM_S, syntheticFirmware, patternBytes } from './uf2-fixtures';

const PICO_W = { programBase: 0x10100000, programSize: 512 * 1024, storageBase: 0x100fc000, storageSize: 16 * 1024, uf2Family: RP2040 };
const PICO2 = { programBase: 0x10100000, programSize: 1536 * 1024, storageBase: 0x100f0000, storageSize: 64 * 1024, uf2Family: RP2350_ARM_S };
const PICO2_W = { programBase: 0x10110000, programSize: 1472 * 1024, storageBase: 0x10100000, storageSize: 64 * 1024, uf2Family: RP2350_ARM_S };
const PASSWORD = 'correct-horse-battery';
const program = (target: string) => stampProgram('"use strict";\nprint(1);\n', { v: '0.1.0', target, engine: 'kaluma-1.2' });

function uf2For(target: typeof PICO_W, stampTarget: string, withWifi: boolean, firmware?: Uint8Array): Uint8Array {
  const [image] = makeImages({
    programText: program(stampTarget), target, formats: ['uf2'], firmware,
    wifi: withWifi ? { ssid: 'Home Net', password: PASSWORD, security: 'WPA2_PSK' } : undefined,
  });
  return image.bytes;
}

test('UF2 with Wi-Fi: layout, regions, program, stamp, SSID shown, password only "present"', () => {
  const bytes = uf2For(PICO_W, 'pico-w', true);
  const result = inspectFile(bytes, 'app.uf2');
  assert.is(result.kind, 'uf2');
  assert.is(result.size, bytes.length);
  assert.is(result.sha256, createHash('sha256').update(bytes).digest('hex'));
  assert.equal(result.uf2, { blocks: 80, skippedBlocks: 0, families: [{ id: '0xE48BFF56', name: 'rp2040', blocks: 80 }] });
  assert.is(result.layout, 'pico, pico-esp01, pico-w, w5500-evb-pico');
  assert.equal(result.regions, [
    { role: 'storage', address: '0x100FC000', end: '0x100FFFFF', size: 16384, family: 'rp2040' },
    { role: 'program', address: '0x10100000', end: '0x10100FFF', size: 4096, family: 'rp2040' },
  ]);
  assert.is(result.program!.address, '0x10100000');
  assert.is(result.program!.textBytes, program('pico-w').length);
  assert.is(result.program!.stamp!.target, 'pico-w');
  assert.ok(result.program!.stamp!.hashMatches);
  assert.equal(result.storage!.keys, ['WIFI_SSID', 'WIFI_PASSWORD', 'WIFI_SECURITY']);
  assert.equal(result.wifi, { ssid: 'Home Net', password: 'present', security: 'WPA2_PSK', in: ['storage'] });
  assert.equal(result.problems, []);
  const text = formatInspect(result);
  assert.match(text, /Wi-Fi: SSID "Home Net", password present, security WPA2_PSK/);
  assert.match(text, /stamp: kaluma-net 0\.1\.0, target pico-w, engine kaluma-1\.2, sha256 [0-9a-f]{16} \(matches\)/);
  assert.not.match(JSON.stringify(result), new RegExp(PASSWORD));
  assert.not.match(text, new RegExp(PASSWORD));
});

test('write -> inspect -> the regions re-encode to the same bytes', () => {
  const bytes = uf2For(PICO_W, 'pico-w', true);
  assert.equal(writeUf2(readUf2(bytes).regions, RP2040), bytes);
});

test('combined firmware image: the firmware region is named', () => {
  const bytes = uf2For(PICO_W, 'pico-w', false, syntheticFirmware(patternBytes(9000), RP2040));
  const result = inspectFile(bytes, 'full.uf2');
  assert.equal(result.regions.map((r) => [r.role, r.address, r.size]), [
    ['firmware', '0x10000000', 12288],
    ['program', '0x10100000', 4096],
  ]);
  assert.is(result.wifi, null);
  assert.match(formatInspect(result), /Wi-Fi: no credentials/);
  assert.equal(result.problems, []);
});

test('RP2350 boards: pico2 and pico2-w layouts are told apart by content', () => {
  const pico2w = inspectFile(uf2For(PICO2_W, 'pico2-w', true), 'w.uf2');
  assert.is(pico2w.layout, 'pico2-w');
  assert.is(pico2w.program!.address, '0x10110000');
  assert.is(pico2w.storage!.address, '0x10100000');
  assert.is(pico2w.wifi!.ssid, 'Home Net');
  assert.equal(pico2w.problems, []);

  const pico2 = inspectFile(uf2For(PICO2, 'pico2', true), 'p.uf2');
  assert.is(pico2.layout, 'pico2');
  assert.is(pico2.program!.address, '0x10100000');
  assert.is(pico2.storage!.address, '0x100F0000');

  const pico2wNoWifi = inspectFile(uf2For(PICO2_W, 'pico2-w', false), 'n.uf2');
  assert.is(pico2wNoWifi.layout, 'pico2-w');

  // A pico2 program over 64 KB also covers pico2-w's program base; only its storage base (here
  // program text, not slots) rules pico2-w out.
  const bigText = stampProgram(`"use strict";\n${'print(1);\n'.repeat(8000)}`, { v: '0.1.0', target: 'pico2', engine: 'kaluma-1.2' });
  const [big] = makeImages({ programText: bigText, target: PICO2, formats: ['uf2'] });
  const bigResult = inspectFile(big.bytes, 'big.uf2');
  assert.is(bigResult.layout, 'pico2');
  assert.is(bigResult.program!.textBytes, bigText.length);
  assert.equal(bigResult.problems, []);

  // Storage sectors alone at 0x10100000 are pico2-w's storage, not a pico2 program.
  const slotsOnly = writeUf2([{ address: 0x10100000, bytes: storageImage(wifiStorageEntries({ ssid: 'Solo' }), 65536) }], RP2350_ARM_S);
  const slotsResult = inspectFile(slotsOnly, 'wifi-only.uf2');
  assert.is(slotsResult.layout, 'pico2-w');
  assert.is(slotsResult.program, null);
  assert.is(slotsResult.wifi!.ssid, 'Solo');
});

test('a UF2 checked against a target of another family reports it', () => {
  const result = inspectFile(uf2For(PICO_W, 'pico-w', false), 'x.uf2', { layouts: [{ name: 'pico2', ...PICO2 }] });
  assert.ok(result.problems.some((p) => /family rp2040 \(0xE48BFF56\) is not the family of pico2 \(rp2350-arm-s \(0xE48BFF59\)\)/.test(p)), result.problems.join('\n'));
  assert.is(result.layout, null);
});

test('UF2 problems are listed', () => {
  const bytes = uf2For(PICO_W, 'pico-w', false).subarray(0, 15 * 512);
  const result = inspectFile(bytes, 'cut.uf2');
  assert.ok(result.problems.some((p) => /total count says 16 blocks but the file holds 15/.test(p)));
  assert.ok(result.problems.some((p) => /partial 4 KB sectors/.test(p)));
  assert.match(formatInspect(result), /problems:\n {4}- /);
});

test('.bin: program, stamp, and tampering', () => {
  const [bin] = makeImages({ programText: program('pico'), target: PICO_W, formats: ['bin'] });
  const result = inspectFile(bin.bytes, 'app.bin');
  assert.is(result.kind, 'bin');
  assert.is(result.program!.textBytes, program('pico').length);
  assert.is(result.program!.sectors, 1);
  assert.ok(result.program!.stamp!.hashMatches);
  assert.equal(result.problems, []);

  const tampered = bin.bytes.slice();
  tampered[program('pico').length - 3] = 'X'.charCodeAt(0);
  const bad = inspectFile(tampered, 'app.bin');
  assert.is(bad.program!.stamp!.hashMatches, false);
  assert.ok(bad.problems.some((p) => /changed after the build/.test(p)));
  assert.match(formatInspect(bad), /DOES NOT MATCH/);

  const noNul = new Uint8Array(4096).fill(0x61);
  assert.ok(inspectFile(noNul, 'x.bin').problems.some((p) => /no NUL terminator/.test(p)));
  assert.ok(inspectFile(new Uint8Array(4096).fill(0xff), 'x.bin').problems.some((p) => /holds no program/.test(p)));
  assert.ok(inspectFile(new Uint8Array(100), 'x.bin').problems.some((p) => /not a whole number of 4 KB/.test(p)));
});

test('.js: non-ASCII and NUL are problems, the stamp is read', () => {
  const ok = inspectFile(Buffer.from(program('pico-w')), 'app.js');
  assert.is(ok.kind, 'js');
  assert.ok(ok.program!.stamp!.hashMatches);
  assert.equal(ok.problems, []);
  assert.match(formatInspect(ok), /program: \d+ bytes of text \+ NUL \(1 sector\)/);
  const bad = inspectFile(Buffer.from('let s = "é";\0'), 'bad.js');
  assert.ok(bad.problems.some((p) => /non-ASCII character U\+00C3 at offset 9/.test(p)));
  assert.match(formatInspect(inspectFile(Buffer.from('x'), 'plain.js')), /stamp: none/);
});

test('.js without a stamp: a syntax error is a problem at its line', () => {
  assert.equal(inspectFile(Buffer.from('print(1);\n'), 'ok.js').problems, []);
  const bad = inspectFile(Buffer.from('print(1);\nvar x = ;\n'), 'bad.js');
  assert.equal(bad.problems, ["line 2: syntax error: Unexpected token ';'"]);
});

test("a stamped program: the heap its board needs, and what that board's engine cannot parse", () => {
  const ok = inspectFile(Buffer.from(program('pico-w')), 'app.js');
  assert.ok(ok.program!.heap!.parse > 1300 && ok.program!.heap!.parse < 1800, String(ok.program!.heap!.parse));
  assert.is(ok.program!.heap!.heapSize, 184320);
  assert.match(formatInspect(ok), /heap: parsing needs about 1\.\d KB of the 180\.0 KB JerryScript heap/);
  const edited = stampProgram('"use strict";\nvar a = globalThis.x?.y;\n', { v: '0.1.0', target: 'pico2', engine: 'kaluma-1.2' });
  const bad = inspectFile(Buffer.from(edited), 'edited.js');
  assert.is(bad.program!.heap!.heapSize, 393216);
  assert.ok(bad.problems.some((p) => /<bundle>:3:\d+: optional chaining \(\?\.\) is not supported by /.test(p)), bad.problems.join('\n'));
  assert.is(inspectFile(Buffer.from(stampProgram('print(1);\n', { v: '0.1.0', target: 'sim', engine: 'kaluma-1.2' })), 's.js').program!.heap, null, 'no board, no heap');
  assert.is(inspectFile(Buffer.from('print(1);\n'), 'plain.js').program!.heap, null, 'no stamp, no target');
});

test('by path, and an unknown file type is refused', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kaluma-net-inspect-'));
  try {
    const path = join(dir, 'app.uf2');
    writeFileSync(path, uf2For(PICO_W, 'pico-w', false));
    const result = inspectFile(path);
    assert.is(result.file, 'app.uf2');
    assert.is(result.layout, 'pico, pico-esp01, pico-w, w5500-evb-pico');
    const noExtension = join(dir, 'image');
    writeFileSync(noExtension, uf2For(PICO_W, 'pico-w', false));
    assert.is(inspectFile(noExtension).kind, 'uf2', 'recognised by its magic');
    writeFileSync(join(dir, 'notes.txt'), 'hello');
    assert.throws(() => inspectFile(join(dir, 'notes.txt')), /notes\.txt: unknown file type \(expected \.uf2, \.bin or \.js\)/);
    assert.throws(() => inspectFile(join(dir, 'missing.uf2')), /missing\.uf2: cannot read the file \(ENOENT\)/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
