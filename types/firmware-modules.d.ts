// Kaluma 1.2.x firmware modules (kaluma-api.md): what the templates and drivers use.

declare module 'gpio' {
  export class GPIO {
    constructor(pin: number, mode?: number);
    readonly pin: number;
    mode: number;
    read(): 0 | 1;
    write(value: number): void;
    toggle(): void;
    low(): void;
    high(): void;
    setMode(mode: number): void;
  }
}

declare module 'uart' {
  export interface UARTOptions {
    baudrate?: number;
    bits?: 5 | 6 | 7 | 8;
    parity?: 0 | 1 | 2;
    stop?: 1 | 2;
    flow?: 0 | 1 | 2 | 3;
    bufferSize?: number;
    tx?: number;
    rx?: number;
    cts?: number;
    rts?: number;
  }
  export class UART {
    static readonly PARITY_NONE: 0;
    static readonly PARITY_ODD: 1;
    static readonly PARITY_EVEN: 2;
    static readonly FLOW_NONE: 0;
    static readonly FLOW_RTS: 1;
    static readonly FLOW_CTS: 2;
    static readonly FLOW_RTS_CTS: 3;
    constructor(port: 0 | 1, options?: UARTOptions);
    /** Pass whole Uint8Arrays (slice(), never subarray()): the firmware reads the whole buffer. */
    write(data: Uint8Array | string): void;
    close(): void;
    on(event: 'data', listener: (data: Uint8Array) => void): this;
    removeListener(event: 'data', listener: (data: Uint8Array) => void): this;
  }
}

declare module 'spi' {
  export interface SPIOptions {
    mode?: 0 | 1 | 2 | 3;
    baudrate?: number;
    bitorder?: 0 | 1;
    pullup?: number;
    sck?: number;
    mosi?: number;
    miso?: number;
  }
  export class SPI {
    static readonly MODE_0: 0;
    static readonly MODE_1: 1;
    static readonly MODE_2: 2;
    static readonly MODE_3: 3;
    static readonly MSB: 0;
    static readonly LSB: 1;
    constructor(bus: 0 | 1, options?: SPIOptions);
    transfer(data: Uint8Array | string, timeout?: number): Uint8Array;
    send(data: Uint8Array | string, timeout?: number, count?: number): number;
    recv(length: number, timeout?: number): Uint8Array;
    close(): void;
  }
}

declare module 'wifi' {
  export interface WiFiConnectInfo {
    ssid?: string;
    password?: string;
    security?: 'OPEN' | 'WPA2_WPA_PSK' | 'WPA2_PSK' | 'WPA_PSK' | 'WEP_PSK';
    bssid?: string;
    enforce?: boolean;
  }
  export interface WiFiScanResult {
    bssid: string;
    ssid: string;
    security: string;
    rssi: number;
    channel: number;
  }
  export class WiFi {
    constructor();
    reset(callback?: (err: Error | null) => void): void;
    scan(callback?: (err: Error | null, list?: WiFiScanResult[]) => void): void;
    connect(info?: WiFiConnectInfo, callback?: (err: Error | null, info?: WiFiConnectInfo) => void): void;
    connect(callback: (err: Error | null, info?: WiFiConnectInfo) => void): void;
    disconnect(callback?: (err?: Error) => void): void;
    getConnection(callback?: (err: Error | null, info?: { ssid: string; bssid?: string }) => void): void;
    on(event: 'associated' | 'connected' | 'disconnected', listener: () => void): this;
  }
}

declare module 'storage' {
  const storage: typeof globalThis.storage;
  export = storage;
}
