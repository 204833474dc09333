// Wi-Fi credentials as storage entries for `wifi.connect()`, which falls back to the keys
// WIFI_SSID, WIFI_PASSWORD and WIFI_SECURITY. The CYW43 driver turns the JS string into bytes by
// taking each character code as one byte (codes over 0xFF are lost), so a non-ASCII SSID or
// password is stored as its UTF-8 bytes spelled as Latin-1 characters: that is what reaches the
// radio. Messages never contain the password.

import type { Node, ObjectExpression } from 'acorn';
import { acorn, acornWalk } from '../util/deps';

export const WIFI_SECURITY_MODES = ['OPEN', 'WPA2_WPA_PSK', 'WPA2_PSK', 'WPA_PSK', 'WEP_PSK'] as const;
export type WifiSecurity = (typeof WIFI_SECURITY_MODES)[number];

export interface WifiCredentials {
  ssid: string;
  password?: string;
  security?: string;
}

export const WIFI_KEYS = { ssid: 'WIFI_SSID', password: 'WIFI_PASSWORD', security: 'WIFI_SECURITY' } as const;

const MAX_SSID_BYTES = 32;
const MIN_WPA_PASSPHRASE = 8;
const MAX_PASSWORD_BYTES = 64;

function toByteString(text: string): string {
  return Buffer.from(text, 'utf8').toString('latin1');
}

/** The text a stored byte string stands for: its bytes read as UTF-8, or itself if they are not. */
function fromByteString(stored: string): string {
  if (/[^\x00-\xff]/.test(stored)) return stored;
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(stored, 'latin1'));
  } catch {
    return stored;
  }
}

function normaliseSecurity(security: string): WifiSecurity {
  const upper = security.toUpperCase();
  const mode = WIFI_SECURITY_MODES.find((m) => m === upper);
  if (!mode) {
    throw new Error(`Wi-Fi security "${security}" is not one of ${WIFI_SECURITY_MODES.join(', ')}`);
  }
  return mode;
}

/** Storage entries (in slot order) that make `wifi.connect()` join this network. */
export function wifiStorageEntries(wifi: WifiCredentials): Record<string, string> {
  const ssid = toByteString(wifi.ssid);
  if (ssid.length === 0) throw new Error('Wi-Fi SSID is empty');
  if (ssid.length > MAX_SSID_BYTES) {
    throw new Error(`Wi-Fi SSID is ${ssid.length} bytes; an SSID is at most ${MAX_SSID_BYTES} bytes`);
  }
  const entries: Record<string, string> = { [WIFI_KEYS.ssid]: ssid };
  const security = wifi.security === undefined ? undefined : normaliseSecurity(wifi.security);
  if (wifi.password !== undefined) {
    const password = toByteString(wifi.password);
    if (password.length > MAX_PASSWORD_BYTES) {
      throw new Error(`Wi-Fi password is ${password.length} bytes; the longest WPA key is ${MAX_PASSWORD_BYTES}`);
    }
    const wpa = security === undefined || security.startsWith('WPA');
    // Without a security mode the driver picks OPEN for passwords under 8 characters and
    // silently ignores them, so a short one is refused rather than dropped.
    if (wpa && password.length < MIN_WPA_PASSPHRASE) {
      throw new Error(
        `Wi-Fi password is ${password.length} characters; WPA needs at least ${MIN_WPA_PASSPHRASE} ` +
          '(for another network type set the security: OPEN or WEP_PSK)',
      );
    }
    entries[WIFI_KEYS.password] = password;
  }
  if (security !== undefined) entries[WIFI_KEYS.security] = security;
  return entries;
}

export interface WifiSummary {
  ssid: string;
  /** Whether a password is stored; the password itself is never read out. */
  passwordPresent: boolean;
  security: string | null;
}

/** What storage entries say about Wi-Fi, or null when no SSID is stored. */
export function summariseWifi(entries: readonly { key: string; value: string }[]): WifiSummary | null {
  const get = (key: string) => entries.find((e) => e.key === key)?.value;
  const ssid = get(WIFI_KEYS.ssid);
  if (ssid === undefined) return null;
  return {
    ssid: fromByteString(ssid),
    passwordPresent: get(WIFI_KEYS.password) !== undefined,
    security: get(WIFI_KEYS.security) ?? null,
  };
}

/**
 * Wi-Fi credentials written into program text: an object literal with a string `ssid` (what the
 * build gives the network driver, or a `wifi.connect({ssid, password})` in the program itself).
 * Null when there is none, or when the text does not parse.
 */
export function findProgramWifi(text: string): WifiSummary | null {
  // Most programs have no string-valued ssid at all: skip the parse for them.
  if (!/ssid["'`]?\s*:\s*["'`]/.test(text)) return null;
  let ast: Node;
  try {
    ast = acorn().parse(text, { ecmaVersion: 'latest', sourceType: 'script', allowReturnOutsideFunction: true });
  } catch {
    return null;
  }
  let found: WifiSummary | null = null;
  acornWalk().simple(ast, {
    ObjectExpression(node) {
      const strings = new Map<string, string>();
      for (const p of (node as ObjectExpression).properties) {
        if (p.type !== 'Property' || p.computed) continue;
        const key = p.key.type === 'Identifier' ? p.key.name : p.key.type === 'Literal' ? String(p.key.value) : '';
        if (p.value.type === 'Literal' && typeof p.value.value === 'string') strings.set(key, p.value.value);
      }
      const ssid = strings.get('ssid');
      if (ssid === undefined || (found && found.passwordPresent)) return;
      found = { ssid, passwordPresent: !!strings.get('password'), security: strings.get('security') ?? null };
    },
  });
  return found;
}
