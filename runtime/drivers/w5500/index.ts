// W5500 netdev driver: a WIZnet W5500 (hardwired TCP/IP, 8 sockets, 2 KB TX + 2 KB RX each) on SPI,
// target `w5500-evb-pico` (SPI0: MISO GP16, CS GP17, SCK GP18, MOSI GP19, RST GP20, INT GP21).
// Facts: shared/docs/w5500.md. The netdev contract: runtime/netdev-contract.ts.
//
// Bring-up (asynchronous; connect/listen wait for it, or fail with its error): RSTn pulse, the chip
// must read VERSIONR = 0x04 within timeouts.reset (else EIO, "W5500 not found ..."), then SHAR/RTR/RCR,
// then PHYCFGR.LNK within timeouts.link (else ENETDOWN "no Ethernet link"; the driver keeps watching
// and comes up when a cable is plugged in), then the static address or a DHCP lease within
// timeouts.dhcp (else ETIMEDOUT "no DHCP lease"; DHCP keeps trying). The lease is renewed at T1.
//
// Sockets: every fd holds one of the 8 hardware sockets from socket() on; socket() returns -1 with
// EMFILE when all 8 are taken (sockets still finishing a close count until they reach CLOSED). A
// listening socket turns into the accepted connection, so the driver puts another free hardware
// socket in LISTEN on the port at once (as soon as a SYN is seen). With no free socket the server is
// "starved": nothing listens on its port, clients are refused (ECONNREFUSED) until a socket is freed;
// then the server listens again by itself (it gets freed sockets before new socket() calls).
// Host names are resolved by a DNS query over UDP on the fd's own hardware socket before it connects
// (dns.lookup: on a hardware socket of its own, so it needs a free one).
//
// Data: writes go through the TX buffer (as much as TX_FSR allows, one SEND outstanding per socket);
// a write's callback fires once all of its bytes were acknowledged by SEND_OK. Reads drain RX (stable
// double reads of RX_RSR, RX_RD + RECV) into read_cb; pause(fd, true) stops reading, so RX fills and the
// chip closes the TCP window. Peer FIN: RX is drained, then shutdown_cb. shutdown(fd, 1) sends FIN
// (DISCON) after pending writes. close(fd) frees the fd at once; the hardware socket finishes in the
// background with DISCON and stays taken until the peer's FIN completes the close (a half-open peer
// holds it until timeouts.close, then CLOSE); sockets not connected are CLOSEd at once.
//
// Errors (errno, positive; `netdev.errmsg` holds a sentence): ECONNREFUSED, ETIMEDOUT (Sn_IR.TIMEOUT
// or host timeouts), ECONNRESET (peer reset), ENOTFOUND 3008 (NXDOMAIN, no answer, no DNS server),
// ENETDOWN (no link), ENETUNREACH (off-subnet without gateway), EADDRINUSE, EMFILE, EPIPE, ENOTCONN,
// EBADF, EIO (chip not found, stopped answering, SPI failure: the driver then stays down).
//
// Scheduling: all SPI work runs in one timer-driven poll, bounded per pass (TICK_BYTES), with a
// setTimeout between passes: next pass at once while something is under way, else after pollMs.
// INTn (setWatch FALLING) only wakes the poll early. Once up and holding nothing (no fd, no closing
// socket), the driver sleeps: no timer, no watch (so a finished program can end, as in Node); the next
// socket() wakes it, and a DHCP lease whose T1 passed meanwhile is renewed then.

import { ipText } from './chip';
import { checkConfig } from './config';
import { downErr, myDns, myGateway, myIp, mySubnet, netdev, stage, start, stop, whenReady } from './core';
import { dhcp } from './dhcp';
import type { W5500Config, W5500Driver, W5500Hardware } from './types';

export { macFromUid } from './config';
export type { W5500Config, W5500Driver, W5500Hardware, W5500Netdev, W5500NetworkInfo, W5500StaticIp, W5500Timeouts } from './types';

declare function delayMicroseconds(us: number): void;

/** The driver on `hw` (tests and emulators): its netdev plus status, network and stop. */
export function createW5500Netdev(hw: W5500Hardware, config: W5500Config = {}): W5500Driver {
  start(hw, config);
  return {
    netdev,
    get status() {
      return stage === 'dead' || stage === 'up' ? stage : downErr ? 'down' : 'starting';
    },
    get network() {
      return {
        ip: ipText(myIp),
        subnet: ipText(mySubnet),
        gateway: ipText(myGateway),
        dns: ipText(myDns),
        mac: netdev.mac,
        dhcp: !!dhcp,
        leaseEndsAt: dhcp ? dhcp.endsAt : 0,
        renewals: dhcp ? dhcp.renewals : 0,
      };
    },
    whenReady,
    close: stop,
  };
}

/** Opens the target's SPI bus and pins and installs the driver as global.__netdev. */
export function install(config: W5500Config = {}): void {
  if (globalThis.KN_CHECKED !== true) checkConfig(config);
  const s = config.spi || {};
  const bus = s.bus || 0;
  const pin = (v: number | undefined, dflt0: number, dflt1: number) => (v === undefined || v === null ? (bus ? dflt1 : dflt0) : v);
  const cs = pin(s.cs, 17, 13);
  const options = { mode: 0, baudrate: s.baudrate || 20000000, sck: pin(s.sck, 18, 10), mosi: pin(s.mosi, 19, 11), miso: pin(s.miso, 16, 12) };
  const rst = pin(config.reset, -1, -1);
  const int = pin(config.interrupt, -1, -1);
  pinMode(cs, OUTPUT);
  digitalWrite(cs, HIGH);
  if (rst >= 0) {
    pinMode(rst, OUTPUT);
    digitalWrite(rst, HIGH);
  }
  if (int >= 0) pinMode(int, INPUT_PULLUP);
  // global.require: the firmware module without the bundler's CommonJS wrapper.
  const SPI = (global as any).require('spi').SPI;
  const spi = new SPI(bus, options);
  const hw: W5500Hardware = {
    transfer: (tx) => spi.transfer(tx),
    cs: (level) => digitalWrite(cs, level),
    rst: rst >= 0 ? (level) => digitalWrite(rst, level) : null,
    intLevel: int >= 0 ? () => digitalRead(int) : null,
    watchInt:
      int >= 0
        ? (cb) => {
            const id = setWatch(cb, int, FALLING);
            return () => clearWatch(id);
          }
        : null,
    // The board's own functions (native: `this` does not matter to them).
    delayUs: delayMicroseconds,
    millis,
    setTimeout: setTimeout as unknown as W5500Hardware['setTimeout'],
    clearTimeout: clearTimeout as unknown as W5500Hardware['clearTimeout'],
    uid: typeof board !== 'undefined' && board && board.uid ? board.uid : '',
    close: () => spi.close(),
  };
  (global as unknown as { [key: string]: unknown }).__netdev = start(hw, {
    spi: { bus, miso: options.miso, cs, sck: options.sck, mosi: options.mosi },
    reset: rst >= 0 ? rst : undefined,
    interrupt: int >= 0 ? int : undefined,
    ip: config.ip,
    mac: config.mac,
    hostname: config.hostname,
    retry: config.retry,
    timeouts: config.timeouts,
    pollMs: config.pollMs,
    log: config.log,
  });
}
