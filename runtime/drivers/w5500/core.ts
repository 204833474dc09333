// The W5500 driver's heart: bring-up, the one timer-driven poll, and consumer callbacks. One driver
// per program: start() (re)initialises the module state. The parts a program may not need live in
// their own modules behind compile-time switches (runtime/features.d.ts): client.ts + dns.ts
// (KN_CLIENT; dns.ts also KN_DNS), server.ts (KN_SERVER), dhcp.ts (KN_DHCP).
import { ERRNO } from '../../netdev-contract';
import type { NetdevCallback } from '../../netdev-contract';
import { attach, hardClose, hex2, hw, ipText, r16, r8, readSpi, Reg, sreg, T, w16, w8, W, writeSpi } from './chip';
import { connect } from './client';
import { checkConfig, settings, type Settings } from './config';
import { lookup } from './dns';
import { dhcpHw, serveDhcp, startDhcp } from './dhcp';
import { bind, listen } from './server';
import { lose } from './data';
import { close, finishOp, get, pause, phys, pollSocket, recs, resetSockets, runTodos, shutdown, socket, write } from './sockets';
import type { W5500Config, W5500Hardware, W5500Netdev } from './types';

/** Constants (a const enum: inlined, nothing in the heap). */
const enum K {
  /** Bytes moved over SPI per poll pass, all sockets together. */
  TICK_BYTES = 8192,
  RESET_PULSE_US = 600,
  DETECT_POLL_MS = 2,
  LINK_POLL_MS = 50,
  LINK_RETRY_MS = 500,
  SWEEP_MS = 1000,
}

export type Stage = 'reset' | 'detect' | 'link' | 'dhcp' | 'up' | 'dead';

export let cfg: Settings;
export let netdev: W5500Netdev;
export let stage: Stage;
export let downErr: number;
export let stopped: boolean;
export let linkUp: boolean;
export let myIp: number[];
export let mySubnet: number[];
export let myGateway: number[];
export let myDns: number[];
let log: (msg: string) => void;
/** Bring-up: when detect/link give up; DHCP: when the wait for a lease began. */
let stageDeadline: number;
let nextSweep: number;
let readyCbs: ((err: number) => void)[];
let rotate: number;
let timer: number;
let timerAt: number;
let inTick: boolean;
let nextDelay: number;
let events: (() => void)[];
let pending: number[];
let unwatch: (() => void) | null;
/** No poll timer and no INT watch until the program opens a socket again. */
let dormant: boolean;

export function start(h: W5500Hardware, config: W5500Config): W5500Netdev {
  if (globalThis.KN_CHECKED !== true) checkConfig(config);
  cfg = settings(config, String(h.uid || ''), !!h.watchInt);
  attach(h, cfg.T);
  log = config.log || ((msg: string) => console.log(msg));
  stage = 'reset';
  downErr = 0;
  stopped = linkUp = inTick = dormant = false;
  myIp = mySubnet = myGateway = myDns = [0, 0, 0, 0];
  stageDeadline = nextSweep = rotate = timerAt = nextDelay = 0;
  timer = -1;
  readyCbs = [];
  events = [];
  pending = [];
  unwatch = null;
  resetSockets();
  if (globalThis.KN_DHCP !== false) startDhcp(cfg.fixed ? null : cfg.mac, cfg.hostname);
  netdev = { errno: 0, errmsg: '', mac: cfg.mac.map(hex2).join(':'), ip: '0.0.0.0', socket, get, write, close, shutdown, pause } as unknown as W5500Netdev;
  if (globalThis.KN_CLIENT !== false) netdev.connect = connect;
  if (globalThis.KN_DNS !== false) netdev.lookup = lookup;
  if (globalThis.KN_SERVER !== false) {
    netdev.bind = bind;
    netdev.listen = listen;
  }
  if (h.watchInt) unwatch = h.watchInt(() => schedule(0));
  schedule(0);
  return netdev;
}

/** Stops the driver: sockets closed, timers cleared, no further callbacks. */
export function stop(): void {
  if (stopped) return;
  if (stage !== 'dead' && stage !== 'reset') {
    try {
      for (let n = 0; n < W.SOCKETS; n++) if (phys[n].use !== 'free') hardClose(n);
    } catch (e) {
      // the chip is beyond reach; nothing left to tell it
    }
  }
  stopped = true;
  if (timer >= 0) hw.clearTimeout(timer);
  timer = -1;
  for (let i = 0; i < pending.length; i++) hw.clearTimeout(pending[i]);
  pending.length = 0;
  if (unwatch) unwatch();
  unwatch = null;
  if (hw.close) hw.close();
}

/** cb(0) once the network is up (at once if it is), cb(errno) once bring-up failed. */
export function whenReady(cb: (err: number) => void): void {
  if (stage === 'up') later(() => cb(0));
  else if (stage === 'dead' || downErr) {
    const err = downErr || ERRNO.EIO;
    later(() => cb(err));
  } else readyCbs.push(cb);
}

// ---- callbacks -------------------------------------------------------------------------------

export function later(fn: () => void): void {
  const id = hw.setTimeout(() => {
    const i = pending.indexOf(id);
    if (i >= 0) pending.splice(i, 1);
    if (!stopped) fn();
  }, 0);
  pending.push(id);
}

/** Runs `fn` after the current poll pass (its SPI work done), or from a timer outside one. */
export function emit(fn: () => void): void {
  if (inTick) events.push(fn);
  else later(fn);
}

/** Calls a consumer callback; its exception is rethrown from a timer instead of unwinding the driver. */
export function safe<A extends unknown[]>(fn: ((...a: A) => void) | null | undefined, ...args: A): void {
  if (typeof fn !== 'function') return;
  try {
    fn(...args);
  } catch (e) {
    hw.setTimeout(() => {
      throw e;
    }, 0);
  }
}

/** `msg`: false where the bundle leaves the sentences out (KN_ERRMSG). */
export function setError(err: number, msg?: string | false): void {
  netdev.errno = err;
  netdev.errmsg = msg || '';
}

export function report(cb: NetdevCallback | null | undefined, err: number, msg?: string | false): void {
  if (err) setError(err, msg);
  safe(cb, err);
}

export function fail(cb: NetdevCallback, err: number, msg: string | false): void {
  later(() => report(cb, err, msg));
}

// ---- scheduling ------------------------------------------------------------------------------

export function soon(ms: number): void {
  if (inTick) {
    if (ms < nextDelay) nextDelay = ms;
  } else schedule(ms);
}

export function schedule(ms: number): void {
  if (stopped || stage === 'dead') return;
  if (dormant) {
    dormant = false;
    if (hw.watchInt) unwatch = hw.watchInt(() => schedule(0));
  }
  const at = hw.millis() + ms;
  if (timer >= 0) {
    if (timerAt <= at) return;
    hw.clearTimeout(timer);
  }
  timerAt = at;
  timer = hw.setTimeout(tick, ms);
}

function tick(): void {
  timer = -1;
  if (stopped || stage === 'dead') return;
  inTick = true;
  nextDelay = cfg.pollMs;
  const now = hw.millis();
  try {
    step(now);
  } catch (e) {
    chipLost('SPI failure: ' + ((e as Error) && (e as Error).message ? (e as Error).message : String(e)));
  }
  inTick = false;
  const list = events;
  events = [];
  for (let i = 0; i < list.length; i++) list[i]();
  if (idle()) {
    dormant = true;
    if (unwatch) unwatch();
    unwatch = null;
  } else schedule(nextDelay);
}

/** Up and holding nothing (no fd, no closing socket, no DHCP exchange): stop polling. */
function idle(): boolean {
  if (stage !== 'up' || (globalThis.KN_DHCP !== false && dhcpHw >= 0) || timer >= 0) return false;
  if (Object.keys(recs).length) return false;
  for (let n = 0; n < W.SOCKETS; n++) if (phys[n].use !== 'free') return false;
  return true;
}

function step(now: number): void {
  if (stage === 'reset') return resetChip(now);
  if (stage === 'detect') return detect(now);
  if (stage === 'link') return waitLink(now);
  if (now >= nextSweep) {
    nextSweep = now + K.SWEEP_MS;
    const v = r8(0, Reg.VERSIONR);
    if (v !== 0x04) return chipLost('the W5500 stopped answering (VERSIONR reads 0x' + hex2(v) + ', expected 0x04)');
    linkUp = (r8(0, Reg.PHYCFGR) & 0x01) !== 0;
  }
  if (globalThis.KN_DHCP !== false) serveDhcp(now);
  if (stage === 'up') runTodos(now);
  else if (downErr) failTodos(downErr, netdev.errmsg);
  let budget = K.TICK_BYTES;
  for (let k = 0; k < W.SOCKETS; k++) {
    if (stage === 'dead') return;
    budget -= pollSocket((rotate + k) % W.SOCKETS, now, budget);
  }
  rotate = (rotate + 1) % W.SOCKETS;
  // INTn stays low while any socket has pending bits: clear those of sockets nobody polls.
  if (hw.intLevel && hw.intLevel() === 0) {
    const sir = r8(0, Reg.SIR);
    for (let n = 0; n < W.SOCKETS; n++) {
      if (!(sir & (1 << n))) continue;
      const p = phys[n];
      if (p.use === 'free' || (p.use === 'rec' && p.rec && !p.rec.touched)) w8(sreg(n), Reg.Sn_IR, 0xff);
      else soon(0);
    }
  }
}

// ---- bring-up --------------------------------------------------------------------------------

function resetChip(now: number): void {
  hw.cs(1);
  if (hw.rst) {
    hw.rst(0);
    hw.delayUs(K.RESET_PULSE_US);
    hw.rst(1);
  } else w8(0, Reg.MR, 0x80);
  stage = 'detect';
  stageDeadline = now + T.reset;
  soon(K.DETECT_POLL_MS);
}

function detect(now: number): void {
  const v = r8(0, Reg.VERSIONR);
  if (v !== 0x04 || r8(0, Reg.MR) & 0x80) {
    if (now < stageDeadline) return soon(K.DETECT_POLL_MS);
    return chipLost('W5500 not found on ' + cfg.wiring + ': VERSIONR reads 0x' + hex2(v) + ' (expected 0x04); check power, wiring and the target');
  }
  const mac = cfg.mac;
  writeSpi(0, Reg.SHAR, mac);
  w16(0, Reg.RTR, cfg.rtr);
  w8(0, Reg.RCR, cfg.rcr);
  w8(0, Reg.SIMR, hw.watchInt ? 0xff : 0);
  const shar = readSpi(0, Reg.SHAR, 6);
  let kept = r16(0, Reg.RTR) === cfg.rtr;
  for (let i = 0; i < 6; i++) if (shar[i] !== mac[i]) kept = false;
  if (!kept) return chipLost('the W5500 on ' + cfg.wiring + ' reads 0x04 but does not keep register writes (check MOSI and the SPI mode)');
  stage = 'link';
  stageDeadline = now + T.link;
  waitLink(now);
}

function waitLink(now: number): void {
  if (r8(0, Reg.PHYCFGR) & 0x01) {
    linkUp = true;
    nextSweep = now + K.SWEEP_MS;
    const f = cfg.fixed;
    // Written so that a bundle without DHCP has no call to it at all.
    if (globalThis.KN_DHCP !== false && !f) {
      waitLease(now);
      return serveDhcp(now);
    }
    setAddress(f![0], f![1], f![2], f![3]);
    return goUp();
  }
  if (!downErr && now >= stageDeadline) {
    goDown(ERRNO.ENETDOWN, 'no Ethernet link after ' + T.link / 1000 + ' s (PHYCFGR.LNK = 0): check the cable; still watching');
  }
  soon(downErr ? K.LINK_RETRY_MS : K.LINK_POLL_MS);
}

/** DHCP: waiting for a (new) lease from `now` on. */
export function waitLease(now: number): void {
  stage = 'dhcp';
  stageDeadline = now;
  downErr = 0;
}

/** DHCP: how long the current wait for a lease has lasted. */
export function leaseWait(now: number): number {
  return now - stageDeadline;
}

export function setAddress(ip: number[], subnet: number[], gateway: number[], dns: number[]): void {
  writeSpi(0, Reg.GAR, gateway.concat(subnet));
  writeSpi(0, Reg.SIPR, ip);
  myIp = ip;
  mySubnet = subnet;
  myGateway = gateway;
  myDns = dns;
  netdev.ip = ipText(ip);
}

function settle(err: number): void {
  const cbs = readyCbs;
  readyCbs = [];
  for (let i = 0; i < cbs.length; i++) {
    const cb = cbs[i];
    emit(() => cb(err));
  }
}

export function goUp(): void {
  stage = 'up';
  downErr = 0;
  settle(0);
  soon(0);
}

export function goDown(err: number, msg: string): void {
  downErr = err;
  setError(err, msg);
  log('W5500: ' + msg);
  failTodos(err, msg);
  settle(err);
}

function failTodos(err: number, msg: string): void {
  for (const fd in recs) {
    const r = recs[fd];
    if (r.todo === 'connect' || r.todo === 'listen') {
      r.todo = null;
      finishOp(r, err, msg);
    }
  }
}

/** The chip is gone for good: every operation fails with EIO from now on. */
export function chipLost(msg: string): void {
  if (stage === 'dead') return;
  stage = 'dead';
  downErr = ERRNO.EIO;
  setError(ERRNO.EIO, msg);
  log('W5500: ' + msg);
  if (unwatch) unwatch();
  unwatch = null;
  for (const fd in recs) {
    const r = recs[fd];
    r.todo = null;
    if (r.opCb) finishOp(r, ERRNO.EIO, msg);
    else if (r.phase === 'connected') lose(r, ERRNO.EIO, msg);
    r.hw = -1;
  }
  settle(ERRNO.EIO);
}
