import type { SandboxHelpers } from '../sandbox-realm';
import { MiniEmitter } from './mini-emitter';

/** The firmware's `wifi` module (src/modules/wifi/wifi.js) over global.__ieee80211dev, ported
 *  line by line: the callback's connect info is the caller's object with ssid/password/security
 *  filled from storage (security stays null when not stored), errors are SystemError(dev.errno),
 *  and the AP-mode functions exist (wifiApMode logs `typeof ap_mode` first, as the firmware does). */
export function createWifiModule(g: Record<string, any>, h: SandboxHelpers) {
  const storage = () => g.storage as { getItem(k: string): string | null } | undefined;
  const enxio = () => new g.SystemError(6);
  type Cb = ((...a: unknown[]) => void) | undefined;

  class WiFi extends MiniEmitter {
    _dev: Record<string, any>;
    constructor() {
      super(h);
      if (!g.__ieee80211dev) throw new g.Error('IEEE 802.11 device not found');
      this._dev = g.__ieee80211dev;
      this._dev.assoc_cb = () => this.emit('associated');
      this._dev.connect_cb = () => this.emit('connected');
      this._dev.disconnect_cb = () => this.emit('disconnected');
    }
    private fail(cb: Cb) {
      if (cb) cb(new g.SystemError(this._dev.errno));
    }
    reset(cb?: Cb) {
      if (!this._dev) return cb && cb(enxio());
      this._dev.reset((err: unknown) => (err ? this.fail(cb) : cb && cb(null)));
    }
    scan(cb?: Cb) {
      if (!this._dev) return cb && cb(enxio());
      this._dev.scan((err: unknown, results: unknown) => (err ? this.fail(cb) : cb && cb(null, results)));
    }
    connect(connectInfo?: any, cb?: Cb) {
      if (!this._dev) return cb && cb(enxio());
      if (typeof connectInfo === 'function') {
        cb = connectInfo;
        connectInfo = null;
      }
      if (!connectInfo) connectInfo = { enforce: false };
      const s = storage();
      if (!connectInfo.ssid) {
        connectInfo.ssid = s ? s.getItem('WIFI_SSID') : null;
        if (!connectInfo.ssid) {
          if (cb) cb(new g.Error('WIFI SSID is required'));
          return;
        }
      }
      if (!connectInfo.password) connectInfo.password = s ? s.getItem('WIFI_PASSWORD') : null;
      if (!connectInfo.security) connectInfo.security = s ? s.getItem('WIFI_SECURITY') : null;
      const join = () => this._dev.connect(connectInfo, (err: unknown) => (err ? this.fail(cb) : cb && cb(null, connectInfo)));
      if (connectInfo.enforce) return join();
      this._dev.get_connection((err: unknown, current: unknown) => {
        if (err) return this.fail(cb);
        if (!current) return join();
        if (cb) cb(null, current);
      });
    }
    disconnect(cb?: Cb) {
      if (!this._dev) return cb && cb(enxio());
      this._dev.disconnect((err: unknown) => (err ? this.fail(cb) : cb && cb()));
    }
    getConnection(cb?: Cb) {
      if (!this._dev) return cb && cb(enxio());
      this._dev.get_connection((err: unknown, info: unknown) => (err ? this.fail(cb) : cb && cb(null, info)));
    }
    wifiApMode(apmodeInfo?: any, cb?: Cb) {
      g.console.log(typeof this._dev.ap_mode);
      if (!this._dev || typeof this._dev.ap_mode !== 'function') return cb && cb(enxio());
      if (typeof apmodeInfo === 'function') {
        cb = apmodeInfo;
        apmodeInfo = null;
      }
      if (!apmodeInfo) apmodeInfo = { ssid: 'Kaluma_AP', password: 'kalumaAp', gateway: '192.168.4.1', subnet_mask: '255.255.255.0' };
      const s = storage();
      if (!apmodeInfo.ssid) apmodeInfo.ssid = s ? s.getItem('WIFI_AP_SSID') : 'Kaluma_AP';
      if (!apmodeInfo.password) apmodeInfo.password = s ? s.getItem('WIFI_AP_PASSWORD') : 'kalumaAp';
      if (!apmodeInfo.gateway) apmodeInfo.gateway = s ? s.getItem('WIFI_AP_GATEWAY') : '192.168.4.1';
      if (!apmodeInfo.subnet_mask) apmodeInfo.subnet_mask = s ? s.getItem('WIFI_AP_SUBNET_MASK') : '255.255.255.0';
      this._dev.ap_mode(apmodeInfo, (err: unknown) => (err ? this.fail(cb) : cb && cb(null, apmodeInfo)));
    }
    disableWifiApMode() {
      if (this._dev && typeof this._dev.disable_ap_mode === 'function') return this._dev.disable_ap_mode();
    }
    getWifiApClients() {
      if (this._dev && typeof this._dev.get_ap_client === 'function') return this._dev.get_ap_client();
    }
  }
  return { WiFi };
}
