// The one place where `net` meets global.__netdev. However a driver reports a failure (callback err,
// negative or positive errno, a returned negative number, a thrown exception), `net` gets a Node-style
// Error; and every completion reaches `net` asynchronously, never from inside the call that started it.
import { later } from './net/util';
import type { Netdev } from './netdev-contract';

export interface NetError extends Error {
  code: string;
  /** Negative, as in Node. */
  errno: number;
  syscall: string;
  address?: string;
  port?: number;
  hostname?: string;
}

/** The contract's ERRNO table as one string, each code without its leading E and followed by its
 *  number (test/runtime/netdev.test.ts keeps them equal). Searched when an error is made: an array
 *  of names would sit in the board's heap for good. */
export const ERRNO_CODES =
  'PERM1IO5BADF9AGAIN11NOMEM12BUSY16INVAL22MFILE24PIPE32TIME62PROTO71MSGSIZE90ADDRINUSE98ADDRNOTAVAIL99NETDOWN100NETUNREACH101CONNABORTED103CONNRESET104NOBUFS105ISCONN106NOTCONN107SHUTDOWN108TIMEDOUT110CONNREFUSED111HOSTUNREACH113ALREADY114INPROGRESS115NOTFOUND3008';

/** The same table by Node's code ("ECONNREFUSED" -> 111), for the PC side and tests; a board bundle
 *  that does not call it does not carry it. */
export function errnoByCode(): Map<string, number> {
  const m = new Map<string, number>();
  ERRNO_CODES.replace(/([A-Z]+)(\d+)/g, (_, code: string, n: string) => {
    m.set('E' + code, +n);
    return '';
  });
  return m;
}

/** A Node-style error for `errno` (either sign), e.g. `connect ECONNREFUSED 127.0.0.1:80`; ENOTFOUND
 *  is getaddrinfo's, naming the host. */
export function netError(errno: number, syscall: string, address?: string, port?: number): NetError {
  const n = Math.abs(errno) || 5; // EIO
  const m = RegExp('([A-Z]+)' + n + '(?!\\d)').exec(ERRNO_CODES);
  const code = m ? 'E' + m[1] : 'UNKNOWN';
  const dns = n === 3008;
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

/** A new stream socket's fd, or the error. (`global.__netdev` is read where it is used: a bundle
 *  that uses net always installs a driver, and a helper would cost a function in the board's heap.) */
export function open(): number | NetError {
  const d: Netdev = (global as any).__netdev;
  let fd: any;
  try {
    fd = d.socket('INET', 'STREAM');
    if (fd >= 0) return fd;
  } catch (x) {
    fd = x;
  }
  return netError(typeof fd === 'object' && fd ? fd.errno || d.errno : d.errno || fd, 'socket');
}

/** Runs the driver request `global.__netdev[method](...args, cb)`; `done` (optional) gets null or the
 *  error, always after `call` returned. Errors of connect and listen name `address` and `port`. A
 *  failure reported as a number takes the driver's errno first; a thrown one its own errno. */
export function call(method: string, args: unknown[], done?: (e: NetError | null) => void, address?: string, port?: number): void {
  const d: Netdev = (global as any).__netdev;
  let sync = true;
  const cb = (x: any) => {
    const f = done;
    if (!f) return;
    done = undefined;
    const e = x ? netError(typeof x === 'object' ? x.errno || d.errno : d.errno || x, method === 'bind' ? 'listen' : method, address, port) : null;
    if (sync) later(f, e);
    else f(e);
  };
  try {
    const r = (d as any)[method](...args, cb);
    if (r < 0) cb(r);
  } catch (x) {
    cb(x || -5); // EIO
  }
  sync = false;
}
