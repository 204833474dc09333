import type { SerialPort } from 'serialport';
import { UserError } from './errors';

/** serialport's class, loaded on first use: its native binding costs ~30 ms at startup, which the
 *  commands that never open a port (build, run without --uart, init, targets) should not pay. */
export function serialPortClass(): typeof SerialPort {
  return (require('serialport') as typeof import('serialport')).SerialPort;
}

/** A port on `path`, not opened yet. */
export function serialPort(path: string, baudRate = 115200): SerialPort {
  return new (serialPortClass())({ path, baudRate, autoOpen: false });
}

/** The port on `path`, opened; failing that, one clear error naming the path. */
export async function openSerialPort(path: string, baudRate = 115200): Promise<SerialPort> {
  const port = serialPort(path, baudRate);
  await new Promise<void>((resolve, reject) =>
    port.open((e) => (e ? reject(new UserError(`${path}: cannot open the serial port: ${e.message.replace(/^Error: /, '')}`)) : resolve())),
  );
  return port;
}
