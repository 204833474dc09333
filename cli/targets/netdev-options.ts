// The driver options a project may set under "netdev" in kaluma-net.json, checked at build time
// with the ranges the drivers in runtime/drivers/ enforce when the board starts them.

import type { DriverName } from './target';
import { didYouMean } from '../util/did-you-mean';

/** An error message for a bad value, or undefined. `path` is the dotted field name. */
type Check = (value: unknown, path: string) => string | undefined;

const show = (v: unknown) => (typeof v === 'string' ? JSON.stringify(v) : String(JSON.stringify(v) ?? v));

const int = (min: number, max: number): Check => (v, path) =>
  typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max ? undefined : `field "${path}" must be an integer ${min}..${max} (got ${show(v)})`;

const bool: Check = (v, path) => (typeof v === 'boolean' ? undefined : `field "${path}" must be true or false (got ${show(v)})`);

const text: Check = (v, path) => (typeof v === 'string' && v !== '' ? undefined : `field "${path}" must be a non-empty string (got ${show(v)})`);

const ipv4: Check = (v, path) =>
  typeof v === 'string' && /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.test(v) && v.split('.').every((p) => +p <= 255)
    ? undefined
    : `field "${path}" must be a dotted IPv4 address like "192.168.1.20" (got ${show(v)})`;

const mac: Check = (v, path) => {
  if (typeof v !== 'string' || !/^[0-9a-f]{2}([:-][0-9a-f]{2}){5}$/i.test(v)) return `field "${path}" must look like "aa:bb:cc:dd:ee:ff" (got ${show(v)})`;
  return parseInt(v.slice(0, 2), 16) & 1 ? `field "${path}" is a multicast address (first byte odd): ${v}` : undefined;
};

function object(fields: Record<string, Check>, required: string[] = []): Check {
  return (v, path) => {
    if (!v || typeof v !== 'object' || Array.isArray(v)) return `field "${path}" must be an object with ${Object.keys(fields).join(', ')}`;
    for (const [k, value] of Object.entries(v)) {
      const check = fields[k];
      if (!check) return `unknown field "${path}.${k}"${didYouMean(k, Object.keys(fields))}; known: ${Object.keys(fields).join(', ')}`;
      const e = check(value, `${path}.${k}`);
      if (e) return e;
    }
    for (const k of required) if ((v as Record<string, unknown>)[k] === undefined) return `field "${path}.${k}" is required`;
    return undefined;
  };
}

const staticIp = object({ ip: ipv4, subnet: ipv4, gateway: ipv4, dns: ipv4 }, ['ip']);
const ipConfig: Check = (v, path) =>
  v === 'dhcp' ? undefined : v && typeof v === 'object' ? staticIp(v, path) : `field "${path}" must be "dhcp" or {"ip", "subnet", "gateway", "dns"} (got ${show(v)})`;

const pin = int(-1, 29);
const GPIO = int(0, 29);
const ms = (max: number) => int(1, max);

const ESP_AT: Record<string, Check> = {
  uart: object({ bus: int(0, 1), tx: pin, rx: pin, baudrate: int(300, 4500000), bufferSize: int(256, 16384) }),
  passive: bool,
  chunkSize: int(1, 2048),
  serverMaxConn: int(1, 5),
  serverTimeout: int(0, 7200),
  timeouts: object(Object.fromEntries(['command', 'connect', 'send', 'join', 'scan', 'boot', 'recover'].map((k) => [k, ms(600000)]))),
};

const W5500: Record<string, Check> = {
  spi: object({ bus: int(0, 1), miso: GPIO, cs: GPIO, sck: GPIO, mosi: GPIO, baudrate: int(100000, 62500000) }),
  reset: pin,
  interrupt: pin,
  ip: ipConfig,
  mac,
  hostname: text,
  retry: object({ time: int(1, 6553), count: int(0, 255) }),
  timeouts: object(Object.fromEntries(['reset', 'link', 'dhcp', 'dns', 'connect', 'send', 'close', 'command'].map((k) => [k, ms(3600000)]))),
  pollMs: int(1, 60000),
};

const CYW43: Record<string, Check> = Object.fromEntries(
  ['linkTimeout', 'connectTimeout', 'writeTimeout', 'retryDelay', 'retryMaxDelay'].map((k) => [k, ms(3600000)]),
);

const OPTIONS: Record<DriverName, Record<string, Check>> = {
  'esp-at': ESP_AT,
  w5500: W5500,
  cyw43: CYW43,
  sim: { bufferSize: int(1, 1 << 20), ip: ipv4 },
  host: {},
};

/** The first problem with a project's driver options for `driver`, or undefined. */
export function netdevOptionsProblem(driver: DriverName, options: Record<string, unknown>): string | undefined {
  if ('driver' in options) return 'field "netdev.driver" cannot be changed; pick another target';
  if ('wifi' in options) {
    return 'field "netdev.wifi": Wi-Fi credentials do not belong in kaluma-net.json (it is usually committed); use .env, KALUMA_NET_WIFI_* or --wifi-ssid/--wifi-password';
  }
  const fields = OPTIONS[driver];
  if (!Object.keys(fields).length) return `field "netdev": the ${driver} driver takes no options`;
  return object(fields)(options, 'netdev');
}
