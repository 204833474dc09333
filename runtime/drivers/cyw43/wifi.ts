// Wi-Fi bring-up with the firmware's ieee80211 driver: join at start, retry with back-off, notice a
// link brought up by other code, and let sockets wait for the link (up to linkTimeout).
import type { Ieee80211dev, WifiConnectInfo } from '../../netdev-contract';
import { blocking, stopTimer } from './core';
import type { Cyw43Config, Timer } from './types';

/** Constants (a const enum: inlined, nothing in the heap). */
const enum K {
  LINK_POLL_MS = 250,
}

interface LinkWaiter {
  done: (up: boolean, message: string) => void;
  timer: Timer;
}

let dev: Ieee80211dev;
let config: Cyw43Config;
let attemptTimer: Timer | null;
let pollTimer: Timer | null;
let delay: number;
let stopped: boolean;
let waiters: LinkWaiter[];
/** Why the link is not up was printed (once: every waiting socket would say the same). */
let told: boolean;

export function startLink(d: Ieee80211dev, c: Cyw43Config): void {
  dev = d;
  config = c;
  attemptTimer = pollTimer = null;
  delay = c.retryDelay || 1000;
  stopped = told = false;
  waiters = [];
  scheduleAttempt(0);
}

export function stopLink(): void {
  stopped = true;
  attemptTimer = stopTimer(attemptTimer);
  pollTimer = stopTimer(pollTimer);
  const list = waiters;
  waiters = [];
  for (let i = 0; i < list.length; i++) clearTimeout(list[i].timer);
}

/** Asks the firmware (get_connection answers synchronously; its `err` is meaningless). */
export function linkIsUp(): boolean {
  let up = false;
  try {
    dev.get_connection((_err, info) => {
      up = !!info;
    });
  } catch (e) {
    up = false;
  }
  return up;
}

/** Something showed the link is down (the firmware never says so itself): rejoin. */
export function linkLost(): void {
  if (attemptTimer === null) scheduleAttempt(0);
}

/** Calls done(true) once the link is up, or done(false, why) after linkTimeout; returns a cancel. */
export function waitLink(done: (up: boolean, message: string) => void): () => void {
  const linkTimeout = config.linkTimeout || 30000;
  const waiter: LinkWaiter = {
    done,
    // Out of the list first: check() clears the timers of the waiters it resolves, and Kaluma must
    // never be asked to clear the timer whose callback is running.
    timer: setTimeout(() => {
      removeWaiter(waiter);
      if (check()) return done(true, '');
      const ssid = credentials().ssid;
      const why = ssid
        ? 'Wi-Fi is not connected: joining "' + ssid + '" has not succeeded within ' + linkTimeout +
          ' ms (check wifi.ssid/wifi.password in the build config or the WIFI_SSID/WIFI_PASSWORD storage slots)'
        : 'Wi-Fi is not connected: no credentials. Set "wifi": {"ssid", "password"} in the kaluma-net ' +
          'build config, or store WIFI_SSID and WIFI_PASSWORD with storage.setItem()';
      if (!told) console.log('cyw43: ' + why);
      told = true;
      done(false, why);
    }, linkTimeout),
  };
  waiters.push(waiter);
  if (pollTimer === null && !stopped) pollTimer = setTimeout(poll, K.LINK_POLL_MS);
  return () => {
    clearTimeout(waiter.timer);
    removeWaiter(waiter);
  };
}

function stored(key: string): string | null {
  try {
    const st = (global as any).storage;
    return st ? st.getItem(key) : null;
  } catch (e) {
    return null;
  }
}

function credentials(): WifiConnectInfo {
  const w = config.wifi && typeof config.wifi === 'object' ? config.wifi : {};
  const pick = (v: string | null | undefined, key: string) => (v !== undefined && v !== null ? v : stored(key));
  return { ssid: pick(w.ssid, 'WIFI_SSID'), password: pick(w.password, 'WIFI_PASSWORD'), security: pick(w.security, 'WIFI_SECURITY') };
}

function scheduleAttempt(ms: number): void {
  if (!stopped) attemptTimer = setTimeout(attempt, ms);
}

/** One join: the firmware's connect blocks (up to 30 s) and calls back before returning. */
function attempt(): void {
  attemptTimer = null;
  if (check()) return;
  const info = credentials();
  if (info.ssid) {
    try {
      blocking(() => dev.connect(info, () => {}));
    } catch (e) {
      // a malformed setting: nothing to do but retry later (the user may fix the storage slot)
    }
    if (check()) return;
  }
  scheduleAttempt(delay);
  delay = Math.min(delay * 2, config.retryMaxDelay || 30000);
}

/** While someone waits, notice a link brought up by other code (e.g. the `wifi` module). */
function poll(): void {
  pollTimer = null;
  if (check() || !waiters.length) return;
  pollTimer = setTimeout(poll, K.LINK_POLL_MS);
}

function check(): boolean {
  if (!linkIsUp()) return false;
  delay = config.retryDelay || 1000;
  attemptTimer = stopTimer(attemptTimer);
  pollTimer = stopTimer(pollTimer);
  const list = waiters;
  waiters = [];
  for (let i = 0; i < list.length; i++) {
    clearTimeout(list[i].timer);
    list[i].done(true, '');
  }
  return true;
}

function removeWaiter(waiter: LinkWaiter): void {
  const i = waiters.indexOf(waiter);
  if (i >= 0) waiters.splice(i, 1);
}
