// Wi-Fi commands: AT+CWMODE(_CUR/_DEF), AT+CWJAP(_CUR/_DEF), AT+CWQAP, AT+CIFSR, and the
// background join of a stored access point after boot.

import { intParam, strParam, wireText } from './at-command';
import type { Handler, ModemCore } from './core';

type Variant = '' | '_CUR' | '_DEF';
interface Ap {
  ssid: string;
  password: string;
}

/** The softAP side exists only as text in CIFSR; nothing listens there. */
const SOFTAP_IP = '192.168.4.1';

function quote(text: string): string {
  return text.replace(/[\\",]/g, (c) => '\\' + c);
}

/** A stable made-up BSSID per SSID. */
function bssid(ssid: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < ssid.length; i++) h = Math.imul(h ^ ssid.charCodeAt(i), 0x01000193) >>> 0;
  const bytes = [0x02, 0x5a, h >>> 24, (h >>> 16) & 0xff, (h >>> 8) & 0xff, h & 0xff];
  return bytes.map((b) => b.toString(16).padStart(2, '0')).join(':');
}

function softApMac(mac: string): string {
  const bytes = mac.split(':').map((b) => parseInt(b, 16));
  bytes[0] = (bytes[0] | 0x02) & 0xff;
  return bytes.map((b) => b.toString(16).padStart(2, '0')).join(':');
}

const hasStation = (mode: number) => mode === 1 || mode === 3;
const hasSoftAp = (mode: number) => mode === 2 || mode === 3;

/** NonOS: plain and _DEF commands write flash, _CUR does not. ESP-AT: plain commands obey SYSSTORE. */
function persists(m: ModemCore, variant: Variant): boolean {
  return m.nonos ? variant !== '_CUR' : m.stored.sysstore;
}

/** 0 = joins; otherwise the CWJAP error code (2 wrong password, 3 AP not found). */
function joinCode(m: ModemCore, ap: Ap): number {
  const networks = m.o.networks;
  if (!networks) return 0;
  const network = networks.find((n) => wireText(n.ssid) === ap.ssid);
  if (!network) return 3;
  return wireText(network.password) === ap.password ? 0 : 2;
}

function cancelAutoJoin(m: ModemCore): void {
  m.cancel(m.autoJoinTimer);
  m.autoJoinTimer = null;
}

/** Station leaves its AP: `WIFI DISCONNECT`, and every link closes. */
export function dropWifi(m: ModemCore): void {
  cancelAutoJoin(m);
  const was = m.s.wifi;
  m.s.wifi = 'idle';
  m.s.ssid = '';
  if (was === 'idle') return;
  m.line('WIFI DISCONNECT');
  m.links.closeAll();
}

function gotIp(m: ModemCore, ap: Ap): void {
  m.s.wifi = 'connected';
  m.s.ssid = ap.ssid;
  m.s.hadLinks = false;
  m.line('WIFI GOT IP');
}

/** After `ready`: a stored AP is joined in the background, reported by URCs only. */
export function autoJoin(m: ModemCore): void {
  const ap = m.stored.ap;
  if (!ap || !hasStation(m.s.cwmode)) return;
  m.s.wifi = 'joining';
  const delay = m.o.timing.joinDelayMs;
  m.autoJoinTimer = m.after(delay, () => {
    if (joinCode(m, ap) !== 0) {
      m.autoJoinTimer = null;
      m.s.wifi = 'idle';
      m.line('WIFI DISCONNECT');
      return;
    }
    m.line('WIFI CONNECTED');
    m.autoJoinTimer = m.after(delay, () => {
      m.autoJoinTimer = null;
      gotIp(m, ap);
    });
  });
}

const cwmode =
  (variant: Variant): Handler =>
  (m, cmd) => {
    if (variant && !m.nonos) return null;
    if (cmd.form === 'query') {
      m.line(`+CWMODE${variant}:${variant === '_DEF' ? m.stored.cwmode : m.s.cwmode}`);
      return 'OK';
    }
    // ESP-AT takes an optional second parameter (auto-connect when switching to station).
    const count = cmd.params.length;
    if (cmd.form !== 'set' || count < 1 || count > (m.nonos ? 1 : 2)) return null;
    const mode = intParam(cmd, 0, m.nonos ? 1 : 0, 3);
    if (mode === undefined || (count === 2 && intParam(cmd, 1, 0, 1) === undefined)) return null;
    if (!hasStation(mode)) dropWifi(m);
    m.s.cwmode = mode;
    if (persists(m, variant)) m.stored.cwmode = mode;
    return 'OK';
  };

const cwjap =
  (variant: Variant): Handler =>
  async (m, cmd) => {
    if (variant && !m.nonos) return null;
    const prefix = `+CWJAP${variant}`;
    if (cmd.form === 'query') {
      if (m.s.wifi !== 'connected') {
        if (m.nonos) m.line('No AP');
        return 'OK';
      }
      const details = m.nonos ? '6,-45' : '6,-45,0,1,3,0,1';
      m.line(`${prefix}:"${quote(m.s.ssid)}","${bssid(m.s.ssid)}",${details}`);
      return 'OK';
    }
    let ap: Ap | null = null;
    if (cmd.form === 'exec' && !m.nonos) {
      ap = m.stored.ap;
    } else if (cmd.form === 'set' && cmd.params.length >= 2) {
      const ssid = strParam(cmd, 0, 32);
      const password = strParam(cmd, 1, 64);
      // Optional extras (bssid, pci_en, …) are accepted and ignored; the bssid must be a string.
      const bssidOk = cmd.params.length < 3 || cmd.params[2].kind !== 'int';
      if (ssid && password !== undefined && bssidOk) ap = { ssid, password };
    }
    if (!ap || !hasStation(m.s.cwmode)) return null;

    cancelAutoJoin(m);
    if (m.s.wifi === 'connected') dropWifi(m);
    m.s.wifi = 'joining';
    const delay = m.o.timing.joinDelayMs;
    await m.sleep(delay);
    const code = joinCode(m, ap);
    if (code !== 0) {
      m.s.wifi = 'idle';
      m.line(`${prefix}:${code}`);
      return m.nonos ? 'FAIL' : 'ERROR';
    }
    m.line('WIFI CONNECTED');
    await m.sleep(delay);
    gotIp(m, ap);
    if (persists(m, variant)) m.stored.ap = ap;
    return 'OK';
  };

const cwqap: Handler = (m, cmd) => {
  if (cmd.form !== 'exec') return null;
  m.afterResult(() => dropWifi(m));
  return 'OK';
};

const cifsr: Handler = (m, cmd) => {
  if (cmd.form !== 'exec') return null;
  if (hasSoftAp(m.s.cwmode)) {
    m.line(`+CIFSR:APIP,"${SOFTAP_IP}"`);
    m.line(`+CIFSR:APMAC,"${softApMac(m.o.mac)}"`);
  }
  if (hasStation(m.s.cwmode)) {
    m.line(`+CIFSR:STAIP,"${m.s.wifi === 'connected' ? m.o.stationIp : '0.0.0.0'}"`);
    m.line(`+CIFSR:STAMAC,"${m.o.mac}"`);
  }
  return 'OK';
};

export const wifiCommands: Record<string, Handler> = {
  CWMODE: cwmode(''),
  CWMODE_CUR: cwmode('_CUR'),
  CWMODE_DEF: cwmode('_DEF'),
  CWJAP: cwjap(''),
  CWJAP_CUR: cwjap('_CUR'),
  CWJAP_DEF: cwjap('_DEF'),
  CWQAP: cwqap,
  CIFSR: cifsr,
};
