// How emulated (or real) hardware plugs into the Kaluma sandbox of `kaluma-net run`.
// The sandbox's emulated firmware modules (`uart`, `spi`, `gpio` globals) talk only to these
// interfaces, so an emulator never sees the sandbox and a driver never sees an emulator.

/** A device on the far side of a UART: the ESP-AT modem emulator, or a real serial port (--uart). */
export interface UartDevice {
  /** Bytes the board sent (TX). The device must not keep a reference to `data`. */
  write(data: Uint8Array): void;
  /** Register the receiver of bytes the device sends to the board (RX). One listener. */
  onData(listener: (data: Uint8Array) => void): void;
  /** The board (re)configured the port, e.g. `new UART(0, {baudrate})`. Optional. */
  configure?(options: { baudrate: number }): void;
  /** The board closed the port. */
  close(): void;
}

/** A device on an SPI bus with a chip-select pin (the W5500 emulator). */
export interface SpiDevice {
  /** SPI modes (0..3) the chip samples correctly, MSB first. Default [0, 3]. The sandbox's SPI
   *  module garbles the bits on the wire for any other mode or for LSB-first, as the real wire does. */
  readonly spiModes?: readonly number[];
  /** CS driven low by the board: a frame starts. */
  select(): void;
  /** CS driven high: the frame ends. */
  deselect(): void;
  /** Full duplex: returns exactly tx.length bytes (MISO) for the bytes clocked out (MOSI). */
  transfer(tx: Uint8Array): Uint8Array;
}

/** Wiring of emulated parts to the board's pins. Pins are GPIO numbers (0..29). */
export interface PinBus {
  /** Call `listener(level)` whenever the board drives `pin` (digitalWrite, GPIO.write). */
  onOutput(pin: number, listener: (level: 0 | 1) => void): void;
  /** Let the device drive `pin` (the board's digitalRead/setWatch see `level()`). */
  driveInput(pin: number, level: () => 0 | 1): void;
}

/** What an emulator needs from the sandbox for the data it hands to board-side code: typed arrays
 *  must be created in the sandbox's realm (instanceof checks in board code), and work that lives
 *  outside sandbox callbacks (host sockets) must keep `kaluma-net run` alive while pending. */
export interface Realm {
  /** A Uint8Array of the sandbox realm holding a copy of `bytes`. */
  bytes(bytes: Uint8Array | ArrayLike<number>): Uint8Array;
  /** Queue `fn` as a network event: it runs in the network step of the board loop's next pass
   *  (km_custom_infinite_loop), never while board JS runs; an error it throws is printed. */
  callback(fn: () => void): void;
  /** Deliver the queued network events now: a native call that polls lwIP while it waits
   *  (wifi.scan, a host-name lookup). Absent: events are delivered when queued. */
  pollNetwork?(): void;
  /** An error of the sandbox's realm (so `instanceof Error` holds in board code). Absent: Node's. */
  makeError?(kind: 'Error' | 'TypeError' | 'RangeError', message: string): Error;
}
