import type { SerialPort } from 'serialport';

/** serialport's class, loaded on first use: its native binding costs ~30 ms at startup, which the
 *  commands that never open a port (build, run without --uart, init, targets) should not pay. */
export function serialPortClass(): typeof SerialPort {
  return (require('serialport') as typeof import('serialport')).SerialPort;
}
