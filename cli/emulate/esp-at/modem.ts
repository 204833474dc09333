// The emulated ESP-01: an ESP8266 running AT firmware (NonOS AT 1.7.4 or ESP-AT 2.2) on a UART,
// with real host TCP sockets behind CIPSTART/CIPSERVER and a fault-injection handle for tests.
// Behaviour follows shared/docs/esp-at.md.

import type { AddressInfo } from 'node:net';
import type { UartDevice } from '../devices';
import { ModemCore, type InjectPoint } from './core';
import { LINK_COUNT } from './links';
import type { EspAtDialect, EspAtModemOptions } from './options';
import { dropWifi } from './wifi-commands';

export type { InjectPoint } from './core';
export type { EspAtDialect, EspAtModemOptions, EspAtTiming, WifiNetwork } from './options';

export interface EspAtInjector {
  /** The next `n` command lines are answered `busy p...` and discarded. */
  busy(n: number): void;
  /** The peer of link `id` vanishes: its host socket is reset, the board sees `<id>,CLOSED`.
   *  false if the link is not open. */
  dropLink(id: number): boolean;
  /** The modem resets (like its RST pin): noise, then `ready`; every link and setting not in flash is gone. */
  reset(): void;
  /** Raw bytes onto the TX line; a number gives that many random bytes. */
  garbage(bytes: Uint8Array | string | number, at?: InjectPoint): void;
  /** An unsolicited line (`text` + CR LF), e.g. `0,CONNECT`, `WIFI DISCONNECT`, `busy p...`. */
  urc(text: string, at?: InjectPoint): void;
  /** The next CIPSEND ends `SEND FAIL` (its data is not sent). */
  sendFail(): void;
  /** The station loses its access point: `WIFI DISCONNECT`, then every link closes. */
  wifiDisconnect(): void;
}

const INJECT_POINTS: readonly InjectPoint[] = ['now', 'echo', 'before-prompt', 'after-prompt', 'after-recv'];

function checkPoint(at: InjectPoint): InjectPoint {
  if (!INJECT_POINTS.includes(at)) throw new Error(`EspAtModem inject: unknown point '${String(at)}'`);
  return at;
}

export class EspAtModem implements UartDevice {
  readonly inject: EspAtInjector;
  private readonly core: ModemCore;

  /** Powers on at once: boot noise, then `ready` after timing.bootDelayMs. Throws on bad options. */
  constructor(options: EspAtModemOptions = {}) {
    const core = new ModemCore(options);
    this.core = core;
    this.inject = {
      busy(n) {
        if (!Number.isInteger(n) || n < 0) throw new Error('EspAtModem inject.busy: n must be an integer >= 0');
        core.busyInjections += n;
      },
      dropLink(id) {
        if (!Number.isInteger(id) || id < 0 || id >= LINK_COUNT) {
          throw new Error(`EspAtModem inject.dropLink: link id must be 0..${LINK_COUNT - 1}`);
        }
        return core.links.drop(id);
      },
      reset() {
        if (core.power !== 'off') core.reboot();
      },
      garbage(bytes, at = 'now') {
        const data =
          typeof bytes === 'number'
            ? core.rng.bytes(bytes)
            : typeof bytes === 'string'
              ? Buffer.from(bytes, 'latin1')
              : bytes.slice();
        core.addHook(checkPoint(at), data);
      },
      urc(text, at = 'now') {
        core.addHook(checkPoint(at), Buffer.from(text + '\r\n', 'latin1'));
      },
      sendFail() {
        core.failNextSend = true;
      },
      wifiDisconnect() {
        if (core.power === 'on') dropWifi(core);
      },
    };
  }

  get dialect(): EspAtDialect {
    return this.core.o.dialect;
  }

  /** Board → modem bytes. Processed at once; every answer is delivered later through onData. */
  write(data: Uint8Array): void {
    this.core.input(data);
  }

  /** Modem → board bytes. Bytes sent while no listener is registered are lost (as on a wire). */
  onData(listener: (data: Uint8Array) => void): void {
    this.core.out.setListener(listener);
  }

  /** The board's UART baud rate; a mismatch with the modem's garbles both directions. */
  configure(options: { baudrate: number }): void {
    this.core.boardBaud = options.baudrate;
  }

  /** Powers the modem off for good: host sockets and the server close, timers stop. */
  close(): void {
    this.core.shutdown();
  }

  /** Where the CIPSERVER listener is reachable on the host (after options.hostPort), or null. */
  serverAddress(): AddressInfo | null {
    return this.core.links.hostAddress();
  }
}
