import type { SerialPort } from 'serialport';
import { serialPort } from '../util/serialport';
import type { UartDevice } from '../emulate/devices';
import { UserError } from '../util/errors';

/** `--uart <bus>=<path>[:<baud>]` */
export interface UartBindingSpec {
  bus: number;
  path: string;
  baud?: number;
}

export function parseUartBinding(spec: string): UartBindingSpec {
  const m = /^([01])=(.+?)(?::(\d+))?$/.exec(spec);
  if (!m) throw new UserError(`--uart ${spec}: expected <bus>=<path>[:<baud>] with bus 0 or 1, e.g. --uart 0=/dev/ttyUSB0:115200`);
  return { bus: Number(m[1]), path: m[2], baud: m[3] ? Number(m[3]) : undefined };
}

/** A host serial port standing in for the device on a board UART. Opens when the program
 *  constructs the UART, at the program's baud rate unless the binding fixes one. */
class SerialUartDevice implements UartDevice {
  private port: SerialPort | undefined;
  private listener: ((data: Uint8Array) => void) | undefined;
  private queue: Uint8Array[] = [];

  constructor(
    private readonly spec: UartBindingSpec,
    private readonly onError: (message: string) => void,
  ) {}

  configure(options: { baudrate: number }): void {
    if (this.port) return;
    const baudRate = this.spec.baud ?? options.baudrate;
    const port = serialPort(this.spec.path, baudRate);
    this.port = port;
    port.on('data', (d: Buffer) => this.listener?.(new Uint8Array(d)));
    port.on('error', (e) => this.onError(`--uart ${this.spec.bus}=${this.spec.path}: ${e.message}`));
    port.open((err) => {
      if (err) return this.onError(`--uart ${this.spec.bus}=${this.spec.path}: cannot open: ${err.message}`);
      for (const q of this.queue) port.write(Buffer.from(q));
      this.queue = [];
    });
  }

  write(data: Uint8Array): void {
    if (!this.port) this.configure({ baudrate: 115200 });
    if (this.port!.isOpen) this.port!.write(Buffer.from(data));
    else this.queue.push(new Uint8Array(data));
  }

  onData(listener: (data: Uint8Array) => void): void {
    this.listener = listener;
  }

  close(): void {
    const p = this.port;
    this.port = undefined;
    if (p?.isOpen) p.close();
  }
}

export interface UartBindings {
  device(bus: number): UartDevice | undefined;
  close(): void;
}

export async function bindUarts(specs: UartBindingSpec[], onError: (message: string) => void = (m) => process.stderr.write(`kaluma-net: error: ${m}\n`)): Promise<UartBindings> {
  const devices = new Map<number, SerialUartDevice>();
  for (const s of specs) {
    if (devices.has(s.bus)) throw new UserError(`--uart: bus ${s.bus} is bound twice`);
    devices.set(s.bus, new SerialUartDevice(s, onError));
  }
  return {
    device: (bus) => devices.get(bus),
    close: () => devices.forEach((d) => d.close()),
  };
}
