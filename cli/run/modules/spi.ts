import type { SpiDevice } from '../../emulate/devices';
import { nativeBytes, type SandboxHelpers } from '../sandbox-realm';

const PINS: Record<'sck' | 'mosi' | 'miso', number[][]> = {
  sck: [[2, 6, 18], [10, 14]],
  mosi: [[3, 7, 19], [11, 15]],
  miso: [[0, 4, 16], [8, 12]],
};

/** The firmware's native `spi` module over SpiDevices (kaluma-api.md §4, incl. its quirks). */
export function createSpiModule(h: SandboxHelpers, bind: (bus: number) => SpiDevice | undefined, unbound: (bus: number) => string) {
  const open = new Set<number>();
  const checkTimeout = (args: IArguments, index: number) => {
    if (args.length > index && typeof args[index] !== 'number') throw h.typeError('"timeout" argument must be a number');
  };
  class SPI {
    static MODE_0 = 0;
    static MODE_1 = 1;
    static MODE_2 = 2;
    static MODE_3 = 3;
    static MSB = 0;
    static LSB = 1;
    bus: number;
    mode: number;
    baudrate: number;
    bitorder: number;
    sck: number;
    mosi: number;
    miso: number;
    private device: SpiDevice | undefined;

    constructor(bus: unknown, options: Record<string, unknown> = {}) {
      if (typeof bus !== 'number') throw h.typeError('"bus" argument must be a number');
      if (bus < 0 || bus > 1 || open.has(bus)) throw h.systemError(-145);
      const opt = (k: string, d: number) => (typeof options[k] === 'number' ? (options[k] as number) : d);
      this.bus = bus;
      this.mode = opt('mode', 0);
      if (this.mode > 3) throw h.rangeError('SPI mode error.');
      this.baudrate = opt('baudrate', 3000000);
      this.bitorder = opt('bitorder', 0);
      this.sck = opt('sck', bus === 0 ? 18 : 10);
      this.mosi = opt('mosi', bus === 0 ? 19 : 11);
      this.miso = opt('miso', bus === 0 ? 16 : 12);
      for (const k of ['sck', 'mosi', 'miso'] as const) {
        if (this[k] !== -1 && !PINS[k][bus].includes(this[k])) throw h.systemError(-145);
      }
      const device = bind(bus);
      if (!device) throw h.error(unbound(bus));
      this.device = device;
      open.add(bus);
    }

    private dev(): SpiDevice {
      if (!this.device) throw h.referenceError('SPI bus is not initialized.');
      return this.device;
    }

    /** What the wire does: LSB-first bytes reach an MSB-first chip bit-reversed, and a mode the
     *  chip does not sample in shifts every bit by one clock, both ways. */
    private xfer(tx: Uint8Array): Uint8Array {
      const dev = this.dev();
      const lsb = this.bitorder === 1;
      const skew = !(dev.spiModes ?? [0, 3]).includes(this.mode);
      let out = lsb ? reverseBits(tx) : tx;
      if (skew) out = lateByOneBit(out);
      let rx = dev.transfer(out);
      if (skew) rx = lateByOneBit(rx);
      return lsb ? reverseBits(rx) : rx;
    }

    transfer(data: unknown, _timeout?: number): Uint8Array {
      checkTimeout(arguments, 1);
      return h.bytes(this.xfer(nativeBytes(data, h, 'data')));
    }

    send(data: unknown, _timeout?: number, count?: number): number {
      checkTimeout(arguments, 1);
      if (arguments.length > 2 && typeof count !== 'number') throw h.typeError('"count" argument must be a number');
      const bytes = nativeBytes(data, h, 'data');
      for (let i = 0; i < (count ?? 1); i++) this.xfer(bytes);
      return bytes.length;
    }

    recv(length: unknown, _timeout?: number): Uint8Array {
      if (typeof length !== 'number') throw h.typeError('"length" argument must be a number');
      checkTimeout(arguments, 1);
      return h.bytes(this.xfer(new Uint8Array(length)));
    }

    close(): void {
      this.dev();
      this.device = undefined;
      open.delete(this.bus);
    }
  }
  return { SPI };
}

function reverseBits(bytes: Uint8Array): Uint8Array {
  return bytes.map((b) => {
    let r = 0;
    for (let i = 0; i < 8; i++) r |= ((b >> i) & 1) << (7 - i);
    return r;
  });
}

/** The bit stream one clock late: each byte's bits move down by one, the previous byte's last bit
 *  coming in on top. */
function lateByOneBit(bytes: Uint8Array): Uint8Array {
  let carry = 0;
  return bytes.map((b) => {
    const out = (carry << 7) | (b >> 1);
    carry = b & 1;
    return out;
  });
}
