// The emulated Kaluma board on a real serial device (one end of a pseudo-terminal pair in tests).
import { serialPort } from '../../util/serialport';
import { KalumaDevice, type KalumaDeviceOptions } from './device';

export interface SerialKaluma {
  device: KalumaDevice;
  close(): Promise<void>;
}

export async function openEmulatedKaluma(path: string, options: KalumaDeviceOptions = {}): Promise<SerialKaluma> {
  const port = serialPort(path);
  await new Promise<void>((resolve, reject) => port.open((e) => (e ? reject(e) : resolve())));
  const device = new KalumaDevice((bytes) => {
    if (port.isOpen) port.write(Buffer.from(bytes));
  }, options);
  port.on('data', (chunk: Buffer) => device.receive(chunk));
  // Closing with a write still pending cancels it: the board is going away, nothing to report.
  port.on('error', () => undefined);
  return {
    device,
    close: async () => {
      device.close();
      if (port.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()));
    },
  };
}
