// The parts of `flash` that need no board: CRC, packets, program files, port discovery, UF2 drives.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc16 } from '../../cli/emulate/kaluma-device/crc';
import { crc16Xmodem } from '../../cli/flash/crc16';
import { listSerialPorts, listSysfsPorts, pickKalumaPort } from '../../cli/flash/port-list';
import { createProgress } from '../../cli/flash/progress';
import { classifyProgramFile } from '../../cli/flash/program-file';
import { chooseUf2Drive, copyUf2 } from '../../cli/flash/uf2-drive';
import { checkTargetLock } from '../../cli/flash/version-lock';
import { ymodemHeader, ymodemPacket } from '../../cli/flash/ymodem-sender';
import { boardLayouts } from '../../cli/targets/load';
import { makeImages } from '../../cli/image';
import { stampProgram } from '../../cli/image/stamp';

const tmp = mkdtempSync(join(tmpdir(), 'kn-flash-files-'));
const file = (name: string, data: string | Uint8Array) => {
  const p = join(tmp, name);
  mkdirSync(join(p, '..'), { recursive: true });
  writeFileSync(p, data);
  return p;
};

test('CRC-16/XMODEM of "123456789" is 0x31C3 in both the sender and the emulated board', () => {
  const check = Buffer.from('123456789');
  assert.is(crc16Xmodem(check), 0x31c3);
  assert.is(crc16(check), 0x31c3);
});

test('YMODEM packets: STX, seq, ~seq, 1024 bytes padded with 0xFF, big-endian CRC; header with name and size', () => {
  const p = ymodemPacket(3, Buffer.from('abc'));
  assert.is(p.length, 1029);
  assert.equal([p[0], p[1], p[2]], [0x02, 3, 0xfc]);
  assert.is(p[6], 0xff);
  const crc = crc16(p.subarray(3, 1027));
  assert.equal([p[1027], p[1028]], [crc >> 8, crc & 0xff]);
  const h = ymodemHeader('usercode', 65536);
  assert.is(Buffer.from(h.subarray(3, 3 + 16)).toString('latin1'), 'usercode\u000065536 \u0000');
  assert.ok(h.subarray(20, 1027).every((b) => b === 0), 'zero-padded');
});

test('progress: a redrawn bar on a terminal, a line per quarter otherwise', () => {
  let tty = '';
  const bar = createProgress({ isTTY: true, write: (t: string) => (tty += t) });
  bar.update(0, 4096);
  bar.update(2048, 4096);
  bar.finish();
  assert.is(tty, '\rflash [------------------------------]   0% 0.0/4.0 KB\rflash [###############---------------]  50% 2.0/4.0 KB\n');
  let log = '';
  const lines = createProgress({ write: (t: string) => (log += t) });
  for (let sent = 0; sent <= 8192; sent += 1024) lines.update(sent, 8192);
  lines.finish();
  assert.is(log, 'flash: 0% (0.0 of 8.0 KB)\nflash: 25% (2.0 of 8.0 KB)\nflash: 50% (4.0 of 8.0 KB)\nflash: 75% (6.0 of 8.0 KB)\nflash: 100% (8.0 of 8.0 KB)\n');
});

test('program files: source entries, stamped images, .bin up to the first NUL, and bad inputs', () => {
  assert.is(classifyProgramFile(file('src.ts', 'export {}')).kind, 'entry');
  assert.is(classifyProgramFile(file('plain.js', 'print(1)')).kind, 'entry');
  const text = stampProgram('print(1);\n', { v: '0.1.0', target: 'pico-w', engine: 'kaluma-1.2' });
  const img = classifyProgramFile(file('app.js', text));
  assert.ok(img.kind === 'image' && img.stamp?.engine === 'kaluma-1.2' && !img.edited);
  const edited = classifyProgramFile(file('edited.js', text.replace('print(1)', 'print(2)')));
  assert.ok(edited.kind === 'image' && edited.edited);
  const bin = classifyProgramFile(file('app.bin', Buffer.concat([Buffer.from(text), Buffer.from([0]), Buffer.alloc(100, 0xff)])));
  assert.ok(bin.kind === 'image' && Buffer.from(bin.program).toString() === text && bin.stamp?.target === 'pico-w');
  assert.throws(() => classifyProgramFile(file('cut.bin', Buffer.from('print(1)'))), /cut\.bin: no NUL terminator in the image/);
  assert.throws(() => classifyProgramFile(file('erased.bin', Buffer.alloc(16, 0xff))), /erased\.bin: empty program image \(first byte 0xFF: erased flash\)/);
  assert.throws(() => classifyProgramFile(file('nul.js', text + '\0x')), /nul\.js: the program contains a NUL byte at offset \d+/);
  assert.throws(() => classifyProgramFile(file('x.hex', 'x')), /x\.hex: cannot flash a "\.hex" file/);
  assert.throws(() => classifyProgramFile(join(tmp, 'missing.js')), /missing\.js: no such file/);
  assert.is(classifyProgramFile(file('fw.uf2', 'x')).kind, 'uf2');
});

test('an image given with --target must carry that target (or --force)', () => {
  const stamp = { v: '0.1.0', target: 'pico-w', engine: 'kaluma-1.2', sha256: '0' };
  assert.equal(checkTargetLock('pico-w', stamp, 'app.js', false), []);
  assert.throws(() => checkTargetLock('pico', stamp, 'app.js', false), /app\.js was built for target pico-w, not pico; rebuild it with --target pico, or pass --force/);
  assert.is(checkTargetLock('pico', stamp, 'app.js', true).length, 1);
});

test('sysfs port listing: USB ids from the parent device, phantom 8250 ports skipped', () => {
  const sys = join(tmp, 'sys');
  const usb = file('sys/devices/pci0000:00/usb1/1-1/idVendor', '2e8a\n');
  file('sys/devices/pci0000:00/usb1/1-1/idProduct', '0005\n');
  file('sys/devices/pci0000:00/usb1/1-1/manufacturer', 'Raspberry Pi\n');
  file('sys/devices/pci0000:00/usb1/1-1/serial', 'E6614C311B4C5A2B\n');
  mkdirSync(join(usb, '..', '1-1:1.0'), { recursive: true });
  file('sys/devices/pci0000:00/usb2/2-1/idVendor', '0403\n');
  file('sys/devices/pci0000:00/usb2/2-1/idProduct', '6001\n');
  mkdirSync(join(sys, 'devices/pci0000:00/usb2/2-1/2-1:1.0/ttyUSB0'), { recursive: true });
  mkdirSync(join(sys, 'devices/platform/serial8250'), { recursive: true });
  mkdirSync(join(sys, 'class/tty/ttyACM0'), { recursive: true });
  mkdirSync(join(sys, 'class/tty/ttyUSB0'), { recursive: true });
  mkdirSync(join(sys, 'class/tty/ttyS1'), { recursive: true });
  mkdirSync(join(sys, 'class/tty/tty1'), { recursive: true });
  symlinkSync(join(sys, 'devices/pci0000:00/usb1/1-1/1-1:1.0'), join(sys, 'class/tty/ttyACM0/device'));
  symlinkSync(join(sys, 'devices/pci0000:00/usb2/2-1/2-1:1.0/ttyUSB0'), join(sys, 'class/tty/ttyUSB0/device'));
  symlinkSync(join(sys, 'devices/platform/serial8250'), join(sys, 'class/tty/ttyS1/device'));
  const ports = listSysfsPorts(sys, '/dev');
  assert.equal(ports, [
    { path: '/dev/ttyACM0', vendorId: '2e8a', productId: '0005', manufacturer: 'Raspberry Pi', serialNumber: 'E6614C311B4C5A2B' },
    { path: '/dev/ttyUSB0', vendorId: '0403', productId: '6001', manufacturer: undefined, serialNumber: undefined },
  ]);
  assert.is(pickKalumaPort(ports).path, '/dev/ttyACM0');
});

test('udevadm missing: listing falls back to sysfs instead of failing', async () => {
  const enoent = Object.assign(new Error('spawn udevadm ENOENT'), { code: 'ENOENT' });
  const ports = await listSerialPorts(() => Promise.reject(enoent));
  assert.ok(Array.isArray(ports));
  // The real SerialPort.list() on this machine (with or without udevadm) resolves too.
  assert.ok(Array.isArray(await listSerialPorts()));
  await listSerialPorts(() => Promise.reject(new Error('boom'))).then(
    () => assert.unreachable('should fail'),
    (e: Error) => assert.match(e.message, /cannot list serial ports \(boom\); name the port with --port/),
  );
});

test('picking the board: none or several Kaluma boards is a clear error naming what was seen', () => {
  const ftdi = { path: '/dev/ttyUSB0', vendorId: '0403', productId: '6001' };
  assert.throws(() => pickKalumaPort([ftdi]), /no Kaluma board found \(no serial port with USB vendor id 0x2E8A; ports seen: \/dev\/ttyUSB0 0403:6001\); plug the board in, or name its port with --port/);
  assert.throws(() => pickKalumaPort([]), /ports seen: none/);
  const a = { path: '/dev/ttyACM0', vendorId: '2e8a', productId: '0005' };
  const b = { path: '/dev/ttyACM1', vendorId: '2e8a', productId: '0005' };
  assert.throws(() => pickKalumaPort([a, ftdi, b]), /several Kaluma boards found \(\/dev\/ttyACM0, \/dev\/ttyACM1\); choose one with --port/);
});

test('UF2 drive: found by INFO_UF2.TXT, copied to; wrong chip refused unless --force; none found says how to get one', () => {
  const layouts = boardLayouts();
  const [rp2040, rp2350] = [layouts.find((l) => l.name.includes('pico-w'))!, layouts.find((l) => l.name === 'pico2')!];
  const uf2 = makeImages({ programText: 'print(1);\n', target: rp2040, formats: ['uf2'] })[0].bytes;
  const pico = join(tmp, 'RPI-RP2');
  file('RPI-RP2/INFO_UF2.TXT', 'UF2 Bootloader v3.0\nModel: Raspberry Pi RP2\nBoard-ID: RPI-RP2\n');
  const other = join(tmp, 'USBSTICK');
  mkdirSync(other);
  const drive = chooseUf2Drive(undefined, () => [{ path: pico, info: 'Board-ID: RPI-RP2' }]);
  assert.is(drive.path, pico);
  assert.is(chooseUf2Drive(pico).path, pico);
  assert.throws(() => chooseUf2Drive(other), /--drive .*USBSTICK: no INFO_UF2\.TXT there, so it is not a BOOTSEL drive\. Put the board in BOOTSEL mode: unplug it, hold its BOOTSEL button/);
  assert.throws(() => chooseUf2Drive(undefined, () => []), /no BOOTSEL drive found \(a mounted drive holding INFO_UF2\.TXT\)\. Put the board in BOOTSEL mode/);
  assert.throws(() => chooseUf2Drive(undefined, () => [drive, drive]), /several BOOTSEL drives found/);

  const dest = copyUf2(uf2, 'app.uf2', chooseUf2Drive(pico), 'dist/app.uf2');
  assert.is(dest, join(pico, 'app.uf2'));
  const pico2 = { path: join(tmp, 'RP2350'), info: 'UF2 Bootloader v1.0\nModel: Raspberry Pi RP2350\nBoard-ID: RP2350\n' };
  mkdirSync(pico2.path);
  assert.throws(() => copyUf2(uf2, 'app.uf2', pico2, 'dist/app.uf2'), /dist\/app\.uf2: the drive .*RP2350 is an RP2350, but the UF2 is for the RP2040 family \(0xE48BFF56\); build for the matching target, or pass --force/);
  assert.is(copyUf2(uf2, 'app.uf2', pico2, 'dist/app.uf2', true), join(pico2.path, 'app.uf2'));
  const uf2For2350 = makeImages({ programText: 'print(1);\n', target: rp2350, formats: ['uf2'] })[0].bytes;
  assert.throws(() => copyUf2(uf2For2350, 'app.uf2', chooseUf2Drive(pico), 'x.uf2'), /is an RP2040 \(Board-ID RPI-RP2\), but the UF2 is for family 0xE48BFF59/);
  assert.throws(() => copyUf2(Buffer.from('not a uf2'), 'x.uf2', chooseUf2Drive(pico), 'x.uf2'), /x\.uf2: not a UF2 the boot ROM takes as it is/);
});

test.after(() => rmSync(tmp, { recursive: true, force: true }));

test.run();
