// Serial ports with their USB ids, and which of them is the Kaluma board (Raspberry Pi USB VID 0x2E8A).
import { existsSync, readdirSync, readFileSync, realpathSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { serialPortClass } from '../util/serialport';
import { UserError } from '../util/errors';

export const RASPBERRY_PI_VID = '2e8a';

export interface SerialPortInfo {
  path: string;
  /** Lower-case hex without 0x, as `serialport` reports it. */
  vendorId?: string;
  productId?: string;
  manufacturer?: string;
  serialNumber?: string;
}

export function isKalumaPort(p: SerialPortInfo): boolean {
  return p.vendorId?.toLowerCase() === RASPBERRY_PI_VID;
}

/** On Linux the ports and their USB ids are read from sysfs, which needs neither serialport's native
 *  binding (loading it costs ~30 ms) nor udev; elsewhere serialport lists them. */
const systemList = (): Promise<SerialPortInfo[]> =>
  process.platform === 'linux' && existsSync('/sys/class/tty') ? Promise.resolve(listSysfsPorts()) : serialPortClass().list();

/**
 * `SerialPort.list()` runs `udevadm` on Linux; where udev is missing (containers, minimal systems)
 * that fails with ENOENT, and the same facts are read from sysfs instead.
 */
export async function listSerialPorts(list: () => Promise<SerialPortInfo[]> = systemList): Promise<SerialPortInfo[]> {
  try {
    return (await list()).map((p) => ({
      path: p.path,
      vendorId: p.vendorId?.toLowerCase(),
      productId: p.productId?.toLowerCase(),
      manufacturer: p.manufacturer,
      serialNumber: p.serialNumber,
    }));
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (process.platform === 'linux' && (err.code === 'ENOENT' || /udevadm/.test(err.message))) return listSysfsPorts();
    throw new UserError(`cannot list serial ports (${err.message}); name the port with --port`);
  }
}

const TTY_NAME = /^(ttyACM|ttyUSB|ttyAMA|ttyS|ttyXRUSB|ttyWCH|rfcomm)\d+$/;

/** Serial ports from `<sysRoot>/class/tty/<name>/device`, USB ids from the nearest ancestor with `idVendor`. */
export function listSysfsPorts(sysRoot = '/sys', devRoot = '/dev'): SerialPortInfo[] {
  const ttyDir = join(sysRoot, 'class', 'tty');
  if (!existsSync(ttyDir)) return [];
  const ports: SerialPortInfo[] = [];
  for (const name of readdirSync(ttyDir).sort(naturalOrder)) {
    if (!TTY_NAME.test(name)) continue;
    const deviceLink = join(ttyDir, name, 'device');
    if (!existsSync(deviceLink)) continue;
    const device = realpathSync(deviceLink);
    // 8250 UARTs registered for every possible legacy port, present or not.
    if (basename(device) === 'serial8250') continue;
    const port: SerialPortInfo = { path: join(devRoot, name) };
    for (let dir = device, up = 0; up < 4 && dir.startsWith(sysRoot) && dir !== dirname(dir); up++, dir = dirname(dir)) {
      if (!existsSync(join(dir, 'idVendor'))) continue;
      port.vendorId = readAttr(dir, 'idVendor')?.toLowerCase();
      port.productId = readAttr(dir, 'idProduct')?.toLowerCase();
      port.manufacturer = readAttr(dir, 'manufacturer');
      port.serialNumber = readAttr(dir, 'serial');
      break;
    }
    ports.push(port);
  }
  return ports;
}

/** The one Kaluma board among `ports`; a clear error naming what was seen when there is none or several. */
export function pickKalumaPort(ports: SerialPortInfo[]): SerialPortInfo {
  const boards = ports.filter(isKalumaPort);
  if (boards.length === 1) return boards[0];
  const seen = ports.length ? ports.map(describePort).join('; ') : 'none';
  if (boards.length === 0) {
    throw new UserError(`no Kaluma board found (no serial port with USB vendor id 0x2E8A; ports seen: ${seen}); plug the board in, or name its port with --port`);
  }
  throw new UserError(`several Kaluma boards found (${boards.map((b) => b.path).join(', ')}); choose one with --port`);
}

export function describePort(p: SerialPortInfo): string {
  const ids = p.vendorId ? ` ${p.vendorId.toUpperCase()}:${(p.productId ?? '????').toUpperCase()}` : '';
  return p.path + ids + (p.manufacturer ? ` ${p.manufacturer}` : '');
}

function readAttr(dir: string, name: string): string | undefined {
  try {
    return readFileSync(join(dir, name), 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

function naturalOrder(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}
