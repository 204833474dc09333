// The one place where `net` meets global.__netdev. However a driver reports a failure (callback err,
// negative or positive errno, a returned negative number, a thrown exception), `net` gets a Node-style
// Error; and every completion reaches `net` asynchronously, never from inside the call that started it.
import { later } from './events';
import type { Netdev, NetdevCallback, NetdevSocket } from './netdev-contract';

export interface NetError extends Error {
  code: string;
  /** Negative, as in Node. */
  errno: number;
  syscall: string;
  address?: string;
  port?: number;
  hostname?: string;
}

/** Names of errno 1..115 (the contract's ERRNO table; test/runtime/netdev.test.ts keeps them equal). */
export const ERRNO_NAMES =
  'EPERM,,,,EIO,,,,EBADF,,EAGAIN,ENOMEM,,,,EBUSY,,,,,,EINVAL,,EMFILE,,,,,,,,EPIPE,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,ETIME,,,,,,,,,EPROTO,,,,,,,,,,,,,,,,,,,EMSGSIZE,,,,,,,,EADDRINUSE,EADDRNOTAVAIL,ENETDOWN,ENETUNREACH,,ECONNABORTED,ECONNRESET,ENOBUFS,EISCONN,ENOTCONN,ESHUTDOWN,,ETIMEDOUT,ECONNREFUSED,,EHOSTUNREACH,EALREADY,EINPROGRESS'.split(
    ',',
  );

const EIO = 5;
const ENOTFOUND = 3008;

export function dev(): Netdev {
  const d = (global as any).__netdev as Netdev | undefined;
  if (!d) throw new Error('no network driver (global.__netdev)');
  return d;
}

/** A Node-style error for `errno` (either sign), e.g. `connect ECONNREFUSED 127.0.0.1:80`. */
export function netError(errno: number, syscall: string, address?: string, port?: number): NetError {
  const n = Math.abs(errno) || EIO;
  const dns = n === ENOTFOUND;
  const code = dns ? 'ENOTFOUND' : ERRNO_NAMES[n - 1] || 'UNKNOWN';
  if (dns) syscall = 'getaddrinfo';
  const e = new Error(syscall + ' ' + code + (address ? ' ' + address + (port && !dns ? ':' + port : '') : '')) as NetError;
  e.code = code;
  e.errno = -n;
  e.syscall = syscall;
  if (dns) e.hostname = address;
  else if (address) {
    e.address = address;
    if (port) e.port = port;
  }
  return e;
}

/** The errno of a failure reported as a number (the driver's errno first) or thrown (its own errno). */
function errnoOf(d: Netdev, x: any): number {
  return typeof x === 'object' && x ? x.errno || d.errno : d.errno || x;
}

/** A new stream socket's fd, or the error. */
export function open(): number | NetError {
  const d = dev();
  let fd: any;
  try {
    fd = d.socket('INET', 'STREAM');
    if (fd >= 0) return fd;
  } catch (x) {
    fd = x;
  }
  return netError(errnoOf(d, fd), 'socket');
}

export function sock(fd: number): NetdevSocket {
  return dev().get(fd)!;
}

/** Runs the driver request `fn(dev, cb)`; `done` gets null or the error, always after `call` returned. */
export function call(
  syscall: string,
  fn: (d: Netdev, cb: NetdevCallback) => unknown,
  done: (e: NetError | null) => void,
  address?: string,
  port?: number,
): void {
  const d = dev();
  let sync = true;
  let over = false;
  const cb = (err: unknown) => {
    if (over) return;
    over = true;
    const e = err ? netError(errnoOf(d, err), syscall, address, port) : null;
    if (sync) later(() => done(e));
    else done(e);
  };
  try {
    const r = fn(d, cb);
    if (typeof r === 'number' && r < 0) cb(r);
  } catch (x) {
    cb(x || -EIO);
  }
  sync = false;
}

/** Flow control, where the driver has the contract's optional `pause`. */
export function pauseFd(fd: number, paused: boolean): void {
  const d = dev();
  if (d.pause) d.pause(fd, paused);
}
