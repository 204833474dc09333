import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readStorage, storageImage } from '../../cli/image/storage-slots';
import { summariseWifi, wifiStorageEntries } from '../../cli/image/wifi-credentials';

test('SSID, password and security become WIFI_* entries in that order', () => {
  assert.equal(wifiStorageEntries({ ssid: 'home', password: 'secret123', security: 'wpa2_psk' }), {
    WIFI_SSID: 'home',
    WIFI_PASSWORD: 'secret123',
    WIFI_SECURITY: 'WPA2_PSK',
  });
  assert.equal(Object.keys(wifiStorageEntries({ ssid: 'cafe' })), ['WIFI_SSID']);
});

test('a non-ASCII SSID is stored so that the driver sends its UTF-8 bytes', () => {
  const entries = wifiStorageEntries({ ssid: 'Café' });
  assert.is(entries.WIFI_SSID, 'Caf\u00c3\u00a9');
  const image = storageImage(entries, 4096);
  // CESU-8 of the byte string; getItem returns "Caf\xC3\xA9", which the driver sends as 43 61 66 C3 A9.
  assert.equal([...image.subarray(3 + 9, 3 + 9 + 7)], [0x43, 0x61, 0x66, 0xc3, 0x83, 0xc2, 0xa9]);
  const summary = summariseWifi(readStorage(image).entries);
  assert.equal(summary, { ssid: 'Café', passwordPresent: false, security: null });
});

test('summary says whether a password is there, never what it is', () => {
  const summary = summariseWifi(readStorage(storageImage(wifiStorageEntries({ ssid: 'n', password: 'pa55word!' }), 4096)).entries);
  assert.equal(summary, { ssid: 'n', passwordPresent: true, security: null });
  assert.not.match(JSON.stringify(summary), /pa55word/);
  assert.is(summariseWifi([{ key: 'other', value: 'x' }]), null);
});

function messageOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    return (error as Error).message;
  }
  return '';
}

test('refused: empty or too long SSID, bad security, WPA password length; password never echoed', () => {
  assert.match(messageOf(() => wifiStorageEntries({ ssid: '' })), /SSID is empty/);
  assert.match(messageOf(() => wifiStorageEntries({ ssid: 'x'.repeat(33) })), /SSID is 33 bytes; an SSID is at most 32 bytes/);
  assert.match(messageOf(() => wifiStorageEntries({ ssid: 'é'.repeat(17) })), /SSID is 34 bytes/);
  assert.match(messageOf(() => wifiStorageEntries({ ssid: 'x', security: 'WPA3' })), /security "WPA3" is not one of OPEN, WPA2_WPA_PSK/);
  const short = messageOf(() => wifiStorageEntries({ ssid: 'x', password: 'short12' }));
  assert.match(short, /password is 7 characters; WPA needs at least 8/);
  assert.not.match(short, /short12/);
  const long = messageOf(() => wifiStorageEntries({ ssid: 'x', password: 'L'.repeat(65) }));
  assert.match(long, /password is 65 bytes/);
  assert.not.match(long, /LLLL/);
  assert.equal(wifiStorageEntries({ ssid: 'x', password: 'wep12', security: 'WEP_PSK' }).WIFI_PASSWORD, 'wep12');
});

test.run();
