import type { SandboxHelpers } from '../sandbox-realm';
import { MiniEmitter } from './mini-emitter';

interface Storage {
  getItem(key: string): string | null;
}

type Dev = Record<string, any>;

/** The firmware's `wifi` module (kaluma-api.md §9) over global.__ieee80211dev. */
export function createWifiModule(h: SandboxHelpers, global: Record<string, any>, storage: () => Storage) {
  class WiFi extends MiniEmitter {
    private dev: Dev;
    constructor() {
      super(h);
      const dev = global.__ieee80211dev as Dev | undefined;
      if (!dev) throw h.error('IEEE 802.11 device not found');
      this.dev = dev;
      dev.assoc_cb = () => this.emit('associated');
      dev.connect_cb = () => this.emit('connected');
      dev.disconnect_cb = () => this.emit('disconnected');
    }
    private fail(cb?: (e: Error) => void): void {
      if (cb) cb(h.systemError(this.dev.errno || -1));
    }
    reset(cb?: (e: Error | null) => void) {
      this.dev.reset((err: number) => (err ? this.fail(cb) : cb && cb(null)));
    }
    scan(cb?: (e: Error | null, list?: unknown[]) => void) {
      this.dev.scan((err: number, list: unknown[]) => (err ? this.fail(cb) : cb && cb(null, list)));
    }
    connect(info?: Dev | ((e: Error | null, info?: unknown) => void), cb?: (e: Error | null, info?: unknown) => void) {
      if (typeof info === 'function') {
        cb = info as (e: Error | null, info?: unknown) => void;
        info = undefined;
      }
      const conn: Dev = { ...(info ?? {}) };
      const s = storage();
      if (!conn.ssid) conn.ssid = s.getItem('WIFI_SSID');
      if (!conn.password) conn.password = s.getItem('WIFI_PASSWORD');
      if (!conn.security) conn.security = s.getItem('WIFI_SECURITY');
      if (!conn.ssid) {
        if (cb) cb(h.error('WIFI SSID is required'));
        return;
      }
      if (!conn.security) conn.security = conn.password && conn.password.length >= 8 ? 'WPA2_WPA_PSK' : 'OPEN';
      this.dev.get_connection((err: number, current?: Dev) => {
        if (!err && current && !conn.enforce) {
          if (cb) cb(null, current);
          return;
        }
        this.dev.connect(conn, (e: number) => (e ? this.fail(cb) : cb && cb(null, conn)));
      });
    }
    disconnect(cb?: (e?: Error) => void) {
      this.dev.disconnect((err: number) => (err ? this.fail(cb) : cb && cb()));
    }
    getConnection(cb?: (e: Error | null, info?: unknown) => void) {
      this.dev.get_connection((err: number, info?: unknown) => (err ? this.fail(cb) : cb && cb(null, info)));
    }
  }
  return { WiFi };
}
