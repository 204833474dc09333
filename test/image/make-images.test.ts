import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { makeImages, programBin, stampProgram } from '../../cli/image/index';
import { readStorage } from '../../cli/image/storage-slots';
import { readUf2 } from '../../cli/image/uf2-read';
import { RP2040, decodeBlock, patternBytes, syntheticFirmware } from './uf2-fixtures';

const TARGET = { programBase: 0x10100000, programSize: 512 * 1024, storageBase: 0x100fc000, storageSize: 16 * 1024, uf2Family: RP2040 };
const TEXT = stampProgram('"use strict";\nvar net = 1;\n', { v: '0.1.0', target: 'pico-w', engine: 'kaluma-1.2' });
const WIFI = { ssid: 'Lab', password: 'p4ssw0rd-xyz' };

test('bin and uf2: the program region at the program base, in the order asked', () => {
  const images = makeImages({ programText: TEXT, target: TARGET, formats: ['uf2', 'bin'] });
  assert.equal(images.map((i) => i.name), ['uf2', 'bin']);
  const [uf2, bin] = images;
  assert.equal(bin.bytes, programBin(TEXT, TARGET.programSize));
  assert.is(bin.note, undefined);
  const reading = readUf2(uf2.bytes);
  assert.equal(reading.problems, []);
  assert.equal(reading.regions.map((r) => [r.address, r.familyId]), [[TARGET.programBase, RP2040]]);
  assert.equal(reading.regions[0].bytes, bin.bytes);
  assert.is(decodeBlock(uf2.bytes, 0).address, TARGET.programBase);
  assert.is(uf2.containsSecrets, false);
  assert.equal([bin.wifiIn, uf2.wifiIn], [[], []]);
});

test('reproducible: the same input gives byte-identical images', () => {
  const options = { programText: TEXT, target: TARGET, formats: ['bin', 'uf2'] as const, wifi: WIFI, firmware: syntheticFirmware(patternBytes(5000), RP2040) };
  const a = makeImages({ ...options, formats: [...options.formats] });
  const b = makeImages({ ...options, formats: [...options.formats] });
  assert.equal(a.map((i) => i.bytes), b.map((i) => i.bytes));
});

test('Wi-Fi: the storage sectors go into the UF2, the note says so without the values', () => {
  const [uf2, bin] = makeImages({ programText: TEXT, target: TARGET, formats: ['uf2', 'bin'], wifi: { ...WIFI, security: 'WPA2_WPA_PSK' } });
  const reading = readUf2(uf2.bytes);
  assert.equal(reading.problems, []);
  const storage = reading.regions.find((r) => r.address === TARGET.storageBase);
  assert.ok(storage, 'storage and program are adjacent on the pico, one region');
  const storageBytes = storage!.bytes.subarray(0, TARGET.storageSize);
  assert.equal(readStorage(storageBytes).entries.map((e) => [e.key, e.value]), [
    ['WIFI_SSID', 'Lab'], ['WIFI_PASSWORD', WIFI.password], ['WIFI_SECURITY', 'WPA2_WPA_PSK'],
  ]);
  assert.is(storage!.bytes.length, TARGET.storageSize + 4096);
  assert.is(uf2.containsSecrets, true);
  assert.match(uf2.note!, /the \.uf2 also pre-seeds the Wi-Fi storage slots \(SSID and password\) at 0x100FC000/);
  assert.equal(uf2.wifiIn, ['storage']);
  assert.match(uf2.note!, /replaces all of the board's storage items/);
  assert.not.match(uf2.note!, /Lab|p4ssw0rd/);
  assert.is(bin.note, undefined);
  assert.is(bin.containsSecrets, false, 'this program text holds no credentials');
  assert.equal(bin.wifiIn, []);
  assert.not.match(Buffer.from(bin.bytes).toString('latin1'), /p4ssw0rd/);
});

test('credentials in the program text (the driver options) make the .bin and the .uf2 secret too', () => {
  const program = stampProgram('install({wifi:{ssid:"Lab",password:"p4ssw0rd-lab"}});\n', { v: '0.0.0', target: 'pico-w', engine: 'kaluma-1.2' });
  const [bin, uf2] = makeImages({ programText: program, target: TARGET, formats: ['bin', 'uf2'] });
  assert.equal([bin.containsSecrets, bin.wifiIn], [true, ['program']]);
  assert.equal([uf2.containsSecrets, uf2.wifiIn], [true, ['program']]);
  const ssidOnly = makeImages({ programText: 'install({wifi:{ssid:"Lab"}});\n', target: TARGET, formats: ['bin'] })[0];
  assert.equal([ssidOnly.containsSecrets, ssidOnly.wifiIn], [false, ['program']], 'an SSID alone is no secret');
});

test('Wi-Fi with firmware: the combined UF2 holds firmware, storage and program', () => {
  const [uf2] = makeImages({
    programText: TEXT, target: TARGET, formats: ['uf2'], wifi: { ssid: 'Lab' },
    firmware: syntheticFirmware(patternBytes(5000), RP2040),
  });
  const reading = readUf2(uf2.bytes);
  assert.equal(reading.problems, []);
  assert.equal(reading.regions.map((r) => r.address), [0x10000000, TARGET.storageBase]);
  assert.is(uf2.containsSecrets, false);
  assert.match(uf2.note!, /pre-seeds the Wi-Fi storage slots \(SSID\)/);
});

test('refused: too large, NUL inside, unknown format, firmware or Wi-Fi without uf2, bad layout', () => {
  const small = { ...TARGET, programSize: 4096 };
  assert.throws(() => makeImages({ programText: 'x'.repeat(4096), target: small, formats: ['bin'] }), /4097 bytes .* 4096-byte/);
  assert.throws(() => makeImages({ programText: 'a\0b', target: TARGET, formats: ['uf2'] }), /NUL character at offset 1/);
  assert.throws(() => makeImages({ programText: TEXT, target: TARGET, formats: ['js' as 'bin'] }), /unknown image format "js"/);
  assert.throws(() => makeImages({ programText: TEXT, target: TARGET, formats: ['bin'], firmware: new Uint8Array(512) }), /firmware can only be combined into a UF2/);
  assert.throws(() => makeImages({ programText: TEXT, target: TARGET, formats: ['bin'], wifi: WIFI }), /add uf2 to the formats/);
  assert.throws(() => makeImages({ programText: TEXT, target: { ...TARGET, programBase: 0x10100100 }, formats: ['uf2'] }), /program base 0x10100100 is not aligned/);
  assert.throws(() => makeImages({ programText: TEXT, target: { ...TARGET, storageBase: 0x10100000 }, formats: ['uf2'] }), /overlaps its storage region/);
  assert.throws(() => makeImages({ programText: TEXT, target: TARGET, formats: ['uf2'], firmware: new Uint8Array(1024) }), /firmware is not a valid UF2/);
});

test.run();
