// The radio world an emulated Pico W lives in: access points in range, the DNS answers its
// network gives, how long the chip's blocking calls take, and faults a test can inject.
// The emulated network is the host's loopback: the station's address is 127.0.0.1 and only
// 127.0.0.1 answers; every other address is a black hole (SYNs are never answered).

export type WifiSecurity = 'OPEN' | 'WPA2_WPA_PSK' | 'WPA2_PSK' | 'WPA_PSK' | 'WEP_PSK';

export interface AccessPoint {
  ssid: string;
  /** Required unless security is OPEN. */
  password?: string;
  /** Default: WPA2_WPA_PSK with a password, OPEN without. */
  security?: WifiSecurity;
  /** Upper-case "AA:BB:CC:DD:EE:FF"; default derived from the AP's position in the list. */
  bssid?: string;
  rssi?: number;
  channel?: number;
}

/** A name's address, or how its lookup fails ("DNS Error: IP is not found." / "DNS response timeout."). */
export type DnsAnswer = string | { fail: 'notfound' | 'timeout' };

/** Durations of the firmware's blocking calls, in ms (the board is frozen meanwhile). */
export interface Cyw43Timing {
  /** A successful Wi-Fi connect. */
  associateMs: number;
  /** A failed Wi-Fi connect (wrong password, no such network). */
  failMs: number;
  scanMs: number;
  /** The pause inside reset() between de-init and re-init. */
  resetMs: number;
  /** How long a DNS lookup that times out busy-waits before throwing. */
  dnsTimeoutMs: number;
}

export interface Cyw43AirOptions {
  /** Default: one open network named "kaluma-net". */
  networks?: AccessPoint[];
  /** Default: { localhost: '127.0.0.1' }. Names are matched case-insensitively. */
  dns?: Record<string, DnsAnswer>;
  timing?: Partial<Cyw43Timing>;
  /** The chip's MAC, upper-case. Default 28:CD:C1:00:00:01. */
  mac?: string;
  /** Where emulator diagnostics go (e.g. a host port the board's server cannot get). Default: stderr. */
  log?: (line: string) => void;
}

export const STATION_IP = '127.0.0.1';

const DEFAULT_TIMING: Cyw43Timing = { associateMs: 300, failMs: 3000, scanMs: 1500, resetMs: 500, dnsTimeoutMs: 3000 };

/** A chip attached to this air (the part of chip.ts the air needs). */
export interface AirChip {
  setLink(up: boolean): void;
  destroy(): void;
}

export class Cyw43Air {
  readonly networks: AccessPoint[];
  readonly dns: Map<string, DnsAnswer>;
  readonly timing: Cyw43Timing;
  readonly mac: string;
  readonly log: (line: string) => void;
  /** Every access point is out of range: joins fail and scans come back empty. */
  wifiDown = false;
  private readonly chips = new Set<AirChip>();

  constructor(options: Cyw43AirOptions = {}) {
    this.networks = (options.networks ?? [{ ssid: 'kaluma-net', security: 'OPEN' }]).map((ap, i) => ({
      ...ap,
      security: ap.security ?? (ap.password ? 'WPA2_WPA_PSK' : 'OPEN'),
      bssid: (ap.bssid ?? `02:00:00:00:00:${(i + 1).toString(16).padStart(2, '0')}`).toUpperCase(),
      rssi: ap.rssi ?? -50,
      channel: ap.channel ?? 6,
    }));
    this.dns = new Map(Object.entries(options.dns ?? { localhost: STATION_IP }).map(([k, v]) => [k.toLowerCase(), v]));
    this.timing = { ...DEFAULT_TIMING, ...options.timing };
    this.mac = (options.mac ?? '28:CD:C1:00:00:01').toUpperCase();
    this.log = options.log ?? ((line) => process.stderr.write(`${line}\n`));
  }

  attach(chip: AirChip): void {
    this.chips.add(chip);
  }

  visibleNetworks(): AccessPoint[] {
    return this.wifiDown ? [] : this.networks;
  }

  resolve(name: string): DnsAnswer | undefined {
    return this.dns.get(name.toLowerCase());
  }

  /** Take every access point away (true) or bring them back (false). Going down drops the link
   *  silently, as the firmware never signals link loss; coming back does not reconnect anyone. */
  setWifiDown(down: boolean): void {
    this.wifiDown = down;
    if (down) this.dropLink();
  }

  /** The link drops (out of range, AP reboot). Nobody is told; the board must notice by itself. */
  dropLink(): void {
    for (const chip of this.chips) chip.setLink(false);
  }

  /** Tear down every host socket and server of every attached chip (end of a test or a run). */
  close(): void {
    for (const chip of this.chips) chip.destroy();
    this.chips.clear();
  }
}
