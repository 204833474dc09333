// Shared setup for the driver tests: a FakeClock, a FakeModem and the driver wired together, and a
// recorder that plays `net` on top of the netdev contract.

import { FakeClock } from './clock';
import { FakeModem, type FakeModemOptions } from './fake-modem';
import { createEspAtNetdev, type EspAtConfig, type EspAtDriver, type EspAtNetdev } from '../../runtime/drivers/esp-at';

export interface Harness {
  clock: FakeClock;
  modem: FakeModem;
  drv: EspAtDriver;
  nd: EspAtNetdev;
  logs: string[];
}

export function setup(opts: Partial<FakeModemOptions> = {}, config: EspAtConfig = {}): Harness {
  const clock = new FakeClock();
  const modem = new FakeModem(clock, {
    dialect: 'nonos',
    networks: { home: 'secret', open: '' },
    joined: 'home',
    hosts: { 'example.com': '93.184.216.34' },
    ...opts,
  });
  const logs: string[] = [];
  const drv = createEspAtNetdev(modem, { log: (m) => logs.push(clock.now + ": " + m), ...config }, clock);
  return { clock, modem, drv, nd: drv.netdev, logs };
}

/** Runs the clock until the driver finished initialising; returns the whenReady result. */
export function ready(h: Harness, maxMs = 60000): number {
  let res = -1;
  h.drv.whenReady((err) => (res = err));
  h.clock.until(() => res >= 0, maxMs);
  return res;
}

/** What a `net` socket sees of one fd. */
export class Peer {
  events: string[] = [];
  data = '';
  chunks: Uint8Array[] = [];
  accepted: number[] = [];
  /** Peers of accepted sockets, set up inside accept_cb as `net` does. */
  clients: Peer[] = [];
  constructor(readonly h: Harness, readonly fd: number) {
    const s = h.nd.get(fd);
    if (!s) throw new Error('no socket ' + fd);
    s.read_cb = (u8) => {
      if (!(u8 instanceof Uint8Array) || u8.length === 0) throw new Error('read_cb needs non-empty bytes');
      this.chunks.push(u8);
      this.data += String.fromCharCode(...u8);
    };
    s.connect_cb = () => this.events.push('connect_cb');
    s.shutdown_cb = () => this.events.push('shutdown_cb');
    s.close_cb = () => this.events.push('close_cb');
    s.error_cb = (e) => this.events.push('error_cb:' + e);
    s.accept_cb = (nfd) => {
      this.accepted.push(nfd);
      this.clients.push(new Peer(h, nfd));
      this.events.push('accept_cb');
    };
  }

  static socket(h: Harness): Peer {
    const fd = h.nd.socket('AF_INET', 'STREAM');
    if (fd < 0) throw new Error('socket() failed: ' + h.nd.errno);
    return new Peer(h, fd);
  }

  /** Runs `op(cb)` and the clock until cb fired; returns its err. */
  call(op: (cb: (err: number) => void) => void, maxMs = 60000): number {
    let res: number | null = null;
    op((err) => {
      if (res !== null) throw new Error('callback called twice');
      res = err;
    });
    this.h.clock.until(() => res !== null, maxMs);
    if (res === null) throw new Error('callback never called');
    return res;
  }

  connect(host: string, port: number): number {
    return this.call((cb) => this.h.nd.connect(this.fd, host, port, cb));
  }

  write(data: Uint8Array | string): number {
    return this.call((cb) => this.h.nd.write(this.fd, data, cb));
  }

  listen(port: number): number {
    const e = this.call((cb) => this.h.nd.bind(this.fd, '0.0.0.0', port, cb));
    return e || this.call((cb) => this.h.nd.listen(this.fd, cb));
  }
}
