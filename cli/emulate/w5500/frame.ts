// SPI frame decoder (shared/docs/w5500.md §2): 2 offset bytes, 1 control byte (BSB·RWB·OM), then
// data bytes with the offset auto-incrementing. VDM (OM=00) frames last until CS rises; FDM frames
// (OM=01/10/11) end after 1/2/4 data bytes and the next byte starts a new header. Bytes arrive one
// by one, so a frame may span any number of transfer() calls.

export interface FrameTarget {
  /** The value of one byte for a read data phase (called as the byte is clocked out). */
  readByte(bsb: number, offset: number): number;
  writeByte(bsb: number, offset: number, value: number): void;
}

/** What MISO carries during the 3 header bytes (as one Zephyr driver observed on the chip). */
export const HEADER_MISO = [0x01, 0x02, 0x03];

const FDM_LENGTH = [0, 1, 2, 4];

export class FrameDecoder {
  private headerBytes = 0;
  private offset = 0;
  private control = 0;
  private dataBytes = 0;

  constructor(private readonly target: FrameTarget) {}

  /** CS changed level (or the chip reset): any frame in progress ends. */
  reset(): void {
    this.headerBytes = 0;
    this.dataBytes = 0;
  }

  /** Clock one byte: `mosi` in, the MISO byte out. */
  clock(mosi: number): number {
    if (this.headerBytes < 3) {
      if (this.headerBytes === 0) this.offset = mosi << 8;
      else if (this.headerBytes === 1) this.offset |= mosi;
      else this.control = mosi;
      return HEADER_MISO[this.headerBytes++];
    }
    const bsb = this.control >> 3;
    const write = (this.control & 0x04) !== 0;
    let miso = 0;
    if (write) this.target.writeByte(bsb, this.offset, mosi);
    else miso = this.target.readByte(bsb, this.offset);
    this.offset = (this.offset + 1) & 0xffff;
    this.dataBytes++;
    const fixed = FDM_LENGTH[this.control & 0x03];
    if (fixed !== 0 && this.dataBytes === fixed) this.reset();
    return miso;
  }
}
