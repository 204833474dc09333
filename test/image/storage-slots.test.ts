import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readStorage, storageImage } from '../../cli/image/storage-slots';

const ascii = (s: string) => [...s].map((c) => c.charCodeAt(0));

test('slot layout: status 0xF0, key length, value length, key, value, zeros; unused slots erased', () => {
  const image = storageImage({ WIFI_SSID: 'home', WIFI_PASSWORD: 'secret123' }, 16 * 1024);
  assert.is(image.length, 16384);
  const slot0 = [...image.subarray(0, 256)];
  assert.equal(slot0.slice(0, 3 + 9 + 4), [0xf0, 9, 4, ...ascii('WIFI_SSID'), ...ascii('home')]);
  assert.ok(slot0.slice(16).every((b) => b === 0), 'rest of a used slot is zero, so strcpy stops after the value');
  const slot1 = [...image.subarray(256, 512)];
  assert.equal(slot1.slice(0, 3 + 13 + 9), [0xf0, 13, 9, ...ascii('WIFI_PASSWORD'), ...ascii('secret123')]);
  assert.ok(image.subarray(512).every((b) => b === 0xff), 'the other 62 slots are empty');
});

test('parser round trip, with slot counts', () => {
  const reading = readStorage(storageImage({ a: '1', WIFI_SSID: 'x y' }, 4096));
  assert.equal(reading.entries, [{ slot: 0, key: 'a', value: '1' }, { slot: 1, key: 'WIFI_SSID', value: 'x y' }]);
  assert.is(reading.used, 2);
  assert.is(reading.empty, 14);
  assert.is(reading.removed, 0);
  assert.equal(reading.problems, []);
});

test('strings are stored as CESU-8, as JerryScript hands them to the firmware', () => {
  const image = storageImage({ k: 'é😀' }, 4096);
  assert.equal([...image.subarray(0, 3)], [0xf0, 1, 8]);
  assert.equal([...image.subarray(4, 12)], [0xc3, 0xa9, 0xed, 0xa0, 0xbd, 0xed, 0xb8, 0x80]);
  assert.equal(readStorage(image).entries[0].value, 'é😀');
});

test('the 253-byte key+value limit', () => {
  const fits = storageImage({ K: 'v'.repeat(252) }, 4096);
  assert.equal([...fits.subarray(0, 3)], [0xf0, 1, 252]);
  assert.is(readStorage(fits).entries[0].value.length, 252);
  let message = '';
  try {
    storageImage({ WIFI_PASSWORD: 'p'.repeat(241) }, 4096);
  } catch (error) {
    message = (error as Error).message;
  }
  assert.match(message, /storage entry WIFI_PASSWORD: key and value are 254 bytes, over the 253-byte limit/);
  assert.not.match(message, /ppp/, 'the value is not in the message');
});

test('refused: NUL, too many entries, a size that is not whole sectors', () => {
  assert.throws(() => storageImage({ k: 'a\0b' }, 4096), /storage entry k: keys and values cannot contain NUL/);
  const many: Record<string, string> = {};
  for (let i = 0; i < 17; i++) many[`k${i}`] = 'v';
  assert.throws(() => storageImage(many, 4096), /17 storage entries do not fit the 16 slots/);
  assert.throws(() => storageImage({}, 1000), /not a whole number of 4 KB/);
});

test('parser: removed slots, unknown status, bad lengths, duplicates (first wins)', () => {
  const image = storageImage({ a: '1', b: '2', a2: '3', c: '4' }, 4096);
  image[0] = 0x00; // slot 0 (a) removed
  image[256 * 2 + 3 + 1] = 'x'.charCodeAt(0); // a2 -> ax
  image[256 * 3] = 0x7e; // slot 3: unknown status
  image.set([0xf0, 1, 1, 'b'.charCodeAt(0), '9'.charCodeAt(0)], 256 * 4); // duplicate of b
  image.set([0xf0, 200, 100], 256 * 5);
  const reading = readStorage(image);
  assert.equal(reading.entries, [{ slot: 1, key: 'b', value: '2' }, { slot: 2, key: 'ax', value: '3' }]);
  assert.is(reading.removed, 1);
  assert.equal(reading.problems, [
    'slot 3: unknown status byte 0x7e',
    'key b is in slots 1 and 4; the firmware uses slot 1',
    'slot 5: key and value lengths 200 + 100 overflow the slot',
  ]);
});

test('parser: an erased area is empty', () => {
  const reading = readStorage(new Uint8Array(16384).fill(0xff));
  assert.equal(reading.entries, []);
  assert.is(reading.empty, 64);
  assert.equal(reading.problems, []);
});

test.run();
