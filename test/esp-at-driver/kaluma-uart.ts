// Kaluma's UART as the driver sees it, in front of an emulated device: bytes that arrived since
// the previous loop pass come as one 'data' chunk (a fresh Uint8Array), write() takes a Uint8Array
// or a Latin-1 string, and a subarray view is refused (Kaluma would send its whole buffer).

import type { UartDevice } from '../../cli/emulate/devices';
import type { UartLike } from '../../runtime/drivers/esp-at';

export class KalumaUart implements UartLike {
  private listener: ((chunk: Uint8Array) => void) | null = null;
  private rx: number[] = [];
  private scheduled = false;
  closed = false;

  constructor(private readonly device: UartDevice) {
    device.onData((data) => {
      for (const b of data) this.rx.push(b);
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.pass());
      }
    });
    if (device.configure) device.configure({ baudrate: 115200 });
  }

  private pass(): void {
    this.scheduled = false;
    if (this.closed || !this.rx.length) return;
    const chunk = Uint8Array.from(this.rx.splice(0, 4096)); // the RX ring buffer of bufferSize 4096
    if (this.rx.length) {
      this.scheduled = true;
      setImmediate(() => this.pass());
    }
    if (this.listener) this.listener(chunk);
  }

  on(_event: 'data', listener: (chunk: Uint8Array) => void): void {
    this.listener = listener;
  }

  write(data: Uint8Array | string): void {
    if (this.closed) throw new ReferenceError('UART port is not initialized.');
    if (typeof data === 'string') {
      this.device.write(Uint8Array.from(data, (c) => c.charCodeAt(0) & 0xff));
      return;
    }
    if (data.byteOffset !== 0 || data.byteLength !== data.buffer.byteLength) {
      throw new Error('uart.write got a subarray view: Kaluma would send the whole underlying buffer');
    }
    this.device.write(data.slice());
  }

  close(): void {
    if (this.closed) throw new ReferenceError('UART port is not initialized.');
    this.closed = true;
    this.device.close();
  }
}
