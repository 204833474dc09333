// `PicoCYW43WIFI` (the ieee80211 driver) and `PicoCYW43` (the chip's GPIOs) of the firmware's
// `pico_cyw43` module (kaluma-api.md §9, §11): every method blocks and calls back before it
// returns, callbacks get `err` 0 even on failure, and a lost link is never signalled.

import type { AccessPoint } from './air';
import type { Chip } from './chip';
import {
  argBoolean,
  argFunctionOpt,
  argNumber,
  argRequired,
  blockFor,
  CALLBACK_ERR,
  callBoard,
} from './native';

const NOT_AP_MODE = 'WiFi AP_mode is not enabled.';

type Auth = 'OPEN' | 'WPA' | 'WPA2_AES' | 'WPA2_MIXED' | 'WEP';

const AUTH_BY_SECURITY: Record<string, Auth> = {
  WPA2_WPA_PSK: 'WPA2_MIXED',
  WPA2_PSK: 'WPA2_AES',
  WPA_PSK: 'WPA',
  WEP_PSK: 'WEP',
  OPEN: 'OPEN',
};

/** Whether a join with this auth and password gets onto the access point. */
function admits(ap: AccessPoint, auth: Auth, password: string | null): boolean {
  if (ap.security === 'OPEN') return auth === 'OPEN';
  if (ap.security === 'WEP_PSK') return auth === 'WEP' && password === ap.password;
  return auth !== 'OPEN' && auth !== 'WEP' && password === ap.password;
}

/** "aa:bb:cc:dd:ee:ff" parsed the firmware's way: into reversed byte order. */
function firmwareBssid(text: string): string | null {
  const m = /^([0-9a-f]{1,2}):([0-9a-f]{1,2}):([0-9a-f]{1,2}):([0-9a-f]{1,2}):([0-9a-f]{1,2}):([0-9a-f]{1,2})/i.exec(text);
  if (!m) return null;
  return m
    .slice(1)
    .reverse()
    .map((h) => h.padStart(2, '0').toUpperCase())
    .join(':');
}

export function makeWifiClass(chip: Chip) {
  const notEmulated = (): never => {
    throw new Error('pico_cyw43 emulator: Wi-Fi AP mode is not emulated');
  };
  const notApMode = (): never => {
    throw new Error(NOT_AP_MODE);
  };

  return class PicoCYW43WIFI {
    errno: number;
    [slot: string]: unknown;

    constructor() {
      chip.init();
      this.errno = 0;
    }

    reset(...args: unknown[]): void {
      const cb = argFunctionOpt(args, 0, 'callback');
      chip.deinit();
      blockFor(chip.air.timing.resetMs);
      chip.init();
      this.errno = 0;
      if (cb) callBoard(cb, CALLBACK_ERR);
    }

    scan(...args: unknown[]): void {
      const cb = argFunctionOpt(args, 0, 'callback');
      if (!cb) return;
      if (!chip.initialised) {
        this.errno = -1;
        callBoard(cb, CALLBACK_ERR);
        return;
      }
      // the firmware polls lwIP while the scan runs: other sockets' events run inside scan()
      chip.pollLwip();
      blockFor(chip.air.timing.scanMs);
      chip.pollLwip();
      this.errno = 0;
      const list = chip.air.visibleNetworks().map((ap) => ({
        ssid: ap.ssid,
        bssid: ap.bssid,
        security: ap.security,
        rssi: ap.rssi,
        channel: ap.channel,
      }));
      callBoard(cb, CALLBACK_ERR, list);
    }

    connect(...args: unknown[]): void {
      const info = argRequired(args, 0, 'connectInfo');
      const cb = argFunctionOpt(args, 1, 'callback');
      const field = (name: string): unknown =>
        info !== null && typeof info === 'object' ? (info as Record<string, unknown>)[name] : undefined;
      const ssid = field('ssid');
      const bssid = field('bssid');
      const password = field('password');
      const security = field('security');
      if (typeof ssid !== 'string') throw new TypeError('SSID error');
      chip.currentSsid = ssid.slice(0, 32);
      let target: string | null = null;
      if (typeof bssid === 'string') {
        chip.currentBssid = bssid;
        target = firmwareBssid(bssid);
      }
      let auth: Auth = 'OPEN';
      const pw = typeof password === 'string' ? password : null;
      if (pw !== null && pw.length >= 8) auth = 'WPA2_MIXED';
      if (typeof security === 'string' && security in AUTH_BY_SECURITY) auth = AUTH_BY_SECURITY[security];

      const ap = chip.initialised
        ? chip.air
            .visibleNetworks()
            .find((n) => n.ssid === chip.currentSsid && (target === null || n.bssid === target))
        : undefined;
      chip.pollLwip(); // cyw43_arch_wifi_connect_bssid_timeout_ms polls lwIP while it waits
      if (ap && admits(ap, auth, pw)) {
        blockFor(chip.air.timing.associateMs);
        chip.setLink(true);
        this.errno = 0;
        callBoard(this.assoc_cb);
        callBoard(this.connect_cb);
      } else {
        blockFor(chip.air.timing.failMs);
        this.errno = -1;
      }
      if (cb) callBoard(cb, CALLBACK_ERR);
    }

    disconnect(...args: unknown[]): void {
      const cb = argFunctionOpt(args, 0, 'callback');
      if (chip.initialised) {
        chip.setLink(false);
        this.errno = 0;
        callBoard(this.disconnect_cb);
      } else {
        this.errno = -1;
      }
      if (cb) callBoard(cb, CALLBACK_ERR);
    }

    get_connection(...args: unknown[]): void {
      const cb = argFunctionOpt(args, 0, 'callback');
      const up = chip.linkUp;
      this.errno = up ? 0 : -1;
      if (!cb) return;
      if (up) callBoard(cb, CALLBACK_ERR, { ssid: chip.currentSsid, bssid: chip.currentBssid });
      else callBoard(cb, CALLBACK_ERR);
    }

    ap_mode(): void {
      notEmulated();
    }
    wifiApMode(): void {
      notEmulated();
    }
    disable_ap_mode(): void {
      notApMode();
    }
    disableWifiApMode(): void {
      notApMode();
    }
    get_ap_client(): void {
      notApMode();
    }
    getWifiApClients(): void {
      notApMode();
    }
  };
}

export function makeChipClass(chip: Chip) {
  function gpioNumber(args: unknown[]): number {
    const n = argNumber(args, 0, 'gpio');
    if (!(n >= 0 && n <= 2)) throw new TypeError('GPIO pin is not exist');
    return Math.trunc(n);
  }

  return class PicoCYW43 {
    constructor() {
      chip.init();
    }

    getGpio(...args: unknown[]): boolean {
      return chip.gpio[gpioNumber(args)];
    }

    putGpio(...args: unknown[]): void {
      argNumber(args, 0, 'gpio');
      const value = argBoolean(args, 1, 'value');
      chip.gpio[gpioNumber(args)] = value;
    }
  };
}
