import type { UartDevice } from '../../emulate/devices';
import { nativeBytes, type SandboxHelpers } from '../sandbox-realm';
import { MiniEmitter } from './mini-emitter';

const TX_PINS = [[0, 12, 16], [4, 8]];
const RX_PINS = [[1, 13, 17], [5, 9]];

export type UartBinding = (bus: number) => UartDevice | undefined;

/** The firmware's `uart` module over UartDevices (emulators or real serial ports). */
export function createUartModule(h: SandboxHelpers, bind: UartBinding, unbound: (bus: number) => string) {
  const open = new Set<number>();
  class UART extends MiniEmitter {
    static PARITY_NONE = 0;
    static PARITY_ODD = 1;
    static PARITY_EVEN = 2;
    static FLOW_NONE = 0;
    static FLOW_RTS = 1;
    static FLOW_CTS = 2;
    static FLOW_RTS_CTS = 3;
    private device: UartDevice | undefined;
    private pending: Uint8Array[] = [];
    private flushing = false;
    readonly port: number;

    constructor(port: unknown, options: Record<string, unknown> = {}) {
      super(h);
      if (typeof port !== 'number') throw h.typeError('"port" argument must be a number');
      if (port < 0 || port > 1 || open.has(port)) throw h.systemError(-145);
      const opt = (k: string, d: number) => (typeof options[k] === 'number' ? (options[k] as number) : d);
      const tx = opt('tx', port === 0 ? 0 : 8);
      const rx = opt('rx', port === 0 ? 1 : 9);
      const bits = opt('bits', 8);
      if (bits < 5 || bits > 8) throw h.systemError(-145);
      if ((tx !== -1 && !TX_PINS[port].includes(tx)) || (rx !== -1 && !RX_PINS[port].includes(rx))) throw h.systemError(-145);
      const device = bind(port);
      if (!device) throw h.error(unbound(port));
      this.port = port;
      this.device = device;
      open.add(port);
      device.configure?.({ baudrate: opt('baudrate', 115200) });
      device.onData((data) => this.receive(data));
    }

    private receive(data: Uint8Array): void {
      if (!this.device) return;
      this.pending.push(new Uint8Array(data));
      if (this.flushing) return;
      this.flushing = true;
      // One 'data' event per loop pass with everything received since the previous one.
      setImmediate(() => {
        this.flushing = false;
        if (!this.device || !this.pending.length) return;
        const all = Buffer.concat(this.pending);
        this.pending = [];
        h.callback(() => this.emit('data', h.bytes(all)));
      });
    }

    write(data: unknown): void {
      if (!this.device) throw h.referenceError('UART port is not initialized.');
      this.device.write(nativeBytes(data, h, 'data'));
    }

    close(): void {
      if (!this.device) throw h.referenceError('UART port is not initialized.');
      this.device.close();
      this.device = undefined;
      open.delete(this.port);
    }
  }
  return { UART };
}
