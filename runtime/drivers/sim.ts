// `sim`: an in-memory loopback network implementing the netdev contract in plain board-side JS (runs
// on any engine). Every address of this one host (127.0.0.1, localhost, 0.0.0.0, the configured ip)
// reaches it. Each direction of a connection holds at most `bufferSize` bytes in flight: a receiver that
// is paused (or slow) stalls the sender's write acknowledgements, so backpressure is real. Every
// callback runs from a timer, never inside the call that caused it.
// Written compactly: a program built for `sim` carries this driver, and on a board every function is
// byte code plus a function object in the heap (so helpers are few, and timers get bound functions).
import { ERRNO, type Netdev, type NetdevCallback, type NetdevSocket } from '../netdev-contract';

export interface SimConfig {
  /** Bytes in flight per direction of a connection (default 4096). */
  bufferSize?: number;
  /** This host's address (default 127.0.0.1). */
  ip?: string;
}

/** A local socket: the contract's object (what get(fd) returns) with the simulation's state. */
interface Sock extends NetdevSocket {
  peer: Sock | null;
  /** Bytes on the wire towards this end, not yet delivered to its read_cb, and their count. */
  inq: Uint8Array[];
  inn: number;
  /** This end's writes the wire has not fully taken yet. */
  writes: { data: Uint8Array; cb: NetdevCallback }[];
  /** shutdown(write) requested: FIN once `writes` are taken; its cb. */
  fin?: NetdevCallback | null;
  finSent?: boolean;
  /** The peer's FIN is on the wire after `inq` / was delivered. */
  finOnWire?: boolean;
  finGot?: boolean;
  paused?: boolean;
  readShut?: boolean;
  gone?: boolean;
  /** close_cb was called (or a reset is under way). */
  ended?: boolean;
  kicked?: boolean;
}

const LOCAL = ['127.0.0.1', 'localhost', '0.0.0.0'];

export function createSimNetdev(config: SimConfig = {}): Netdev {
  const cap = config.bufferSize || 4096;
  const ip = config.ip || '127.0.0.1';
  const socks: (Sock | undefined)[] = [];
  const ports: { [port: number]: Sock } = {};
  let nextPort = 49152;

  /** Fails (errno) or completes (0) `cb` from a timer. */
  const done = (cb: NetdevCallback, errno: number) =>
    void setTimeout(() => {
      if (errno) d.errno = errno;
      cb(errno);
    }, 0);

  /** Socket `fd` when its state is in `states` (a bit per state); else fails `cb` with `errno`
   *  (EBADF when there is no such socket). */
  const check = (fd: number, cb: NetdevCallback, states: number, errno: number): Sock | undefined => {
    const e = socks[fd];
    if (e && (states >> e.state) & 1) return e;
    done(cb, e ? errno : ERRNO.EBADF);
  };

  /** A new socket on the lowest free fd. */
  const add = (state: number, laddr: string, lport: number, raddr: string, rport: number): Sock => {
    let fd = 0;
    while (socks[fd]) fd++;
    return (socks[fd] = { fd, ptcl: 'STREAM', state, laddr, lport, raddr, rport, peer: null, inq: [], inn: 0, writes: [] });
  };

  const freePort = (e: Sock): number => {
    while (ports[nextPort]) nextPort = nextPort < 65535 ? nextPort + 1 : 49152;
    ports[nextPort] = e;
    return nextPort;
  };

  const d: Netdev = {
    errno: 0,
    mac: '02:00:00:00:00:01',
    ip,

    socket(_domain, ptcl) {
      if (ptcl === 'STREAM') return add(0, '0.0.0.0', 0, '0.0.0.0', 0).fd;
      d.errno = ERRNO.EINVAL;
      return -1;
    },

    get: (fd) => socks[fd] || null,

    connect(fd, host, port, cb) {
      const e = check(fd, cb, 3, ERRNO.EISCONN);
      if (!e) return;
      if (LOCAL.indexOf(host) < 0 && host !== ip) return done(cb, /^\d+\.\d+\.\d+\.\d+$/.test(host) ? ERRNO.EHOSTUNREACH : ERRNO.ENOTFOUND);
      const l = ports[port];
      if (!l || l.state !== 3 || l.gone) return done(cb, ERRNO.ECONNREFUSED);
      const addr = host === ip ? ip : '127.0.0.1';
      if (!e.lport) e.lport = freePort(e);
      const a = add(2, addr, port, addr, e.lport);
      e.state = 2;
      e.laddr = e.raddr = addr;
      e.rport = port;
      a.peer = e;
      e.peer = a;
      setTimeout(() => {
        if (l.gone) {
          // The listener closed meanwhile: nobody accepts.
          socks[a.fd] = undefined;
          e.peer = null;
          e.state = 0;
          d.errno = ERRNO.ECONNREFUSED;
          return cb(ERRNO.ECONNREFUSED);
        }
        if (l.accept_cb) l.accept_cb(a.fd);
        if (e.gone) return;
        cb(0);
        if (e.connect_cb) e.connect_cb();
      }, 0);
    },

    write(fd, data, cb) {
      const e = check(fd, cb, 4, ERRNO.ENOTCONN);
      if (!e) return;
      if (e.fin || e.finSent) return done(cb, ERRNO.EPIPE);
      if (typeof data === 'string') {
        const b = new Uint8Array(data.length);
        for (let i = 0; i < b.length; i++) b[i] = data.charCodeAt(i);
        data = b;
      }
      e.writes.push({ data, cb });
      kick(e.peer!);
    },

    shutdown(fd, how, cb) {
      const e = check(fd, cb, 4, ERRNO.ENOTCONN);
      if (!e) return;
      if (how !== 1) {
        e.readShut = true;
        e.inq = [];
        e.inn = 0;
      }
      if (how === 0 || e.fin || e.finSent) return done(cb, 0);
      e.fin = cb;
      kick(e.peer!);
    },

    close(fd, cb) {
      const e = check(fd, cb, 15, 0);
      if (!e) return;
      socks[fd] = undefined;
      e.gone = true;
      if (ports[e.lport] === e) delete ports[e.lport];
      const p = e.peer;
      e.writes = [];
      e.state = 0;
      if (p && !p.gone) {
        if (e.inn || p.writes.length) reset(p);
        else if (!e.finSent) {
          // A FIN without anyone to tell (a pending shutdown's callback is dropped).
          e.fin = null;
          finish(e);
        }
      }
      done(cb, 0);
    },

    bind(fd, addr, port, cb) {
      const e = check(fd, cb, 1, ERRNO.EINVAL);
      if (!e) return;
      if (port && ports[port]) return done(cb, ERRNO.EADDRINUSE);
      if (LOCAL.indexOf(addr) < 0 && addr !== ip) return done(cb, ERRNO.EADDRNOTAVAIL);
      ports[(e.lport = port || freePort(e))] = e;
      e.laddr = addr === 'localhost' ? '127.0.0.1' : addr;
      e.state = 1;
      done(cb, 0);
    },

    listen(fd, cb) {
      const e = check(fd, cb, 2, ERRNO.EINVAL);
      if (!e) return;
      e.state = 3;
      done(cb, 0);
    },

    pause(fd, paused) {
      const e = socks[fd];
      if (!e) return;
      e.paused = paused;
      if (!paused) kick(e);
    },
  };

  // The resolver (KN_DNS): 'localhost' is the only name this network has.
  if (globalThis.KN_DNS !== false) d.lookup = (host, cb) => (host === 'localhost' ? void setTimeout(() => cb(0, '127.0.0.1'), 0) : done(cb, ERRNO.ENOTFOUND));

  /** Schedules a pump of the direction towards `to`. */
  function kick(to: Sock): void {
    if (!to.kicked) {
      to.kicked = true;
      setTimeout(pump.bind(null, to), 0);
    }
  }

  /** One step of the direction peer -> `to`: fill the wire up to `cap`, deliver it unless paused. */
  function pump(to: Sock): void {
    const from = to.peer!;
    to.kicked = false;
    if (to.gone) {
      // Writing to a closed socket: the peer answers with a reset.
      if (from.writes.length) reset(from);
      else if (from.fin) finish(from);
      return;
    }
    while (from.writes.length && to.inn < cap) {
      const w = from.writes[0];
      const n = Math.min(cap - to.inn, w.data.length);
      if (!to.readShut) {
        to.inq.push(w.data.slice(0, n));
        to.inn += n;
      }
      if (n < w.data.length) w.data = w.data.subarray(n);
      else {
        from.writes.shift();
        w.cb(0);
        if (to.gone || from.gone) return;
      }
    }
    if (!from.writes.length && from.fin && !from.finSent) finish(from);
    if (!to.paused && to.inn) {
      let data = to.inq[0];
      if (to.inq.length > 1) {
        data = new Uint8Array(to.inn);
        let o = 0;
        for (const c of to.inq) {
          data.set(c, o);
          o += c.length;
        }
      }
      to.inq = [];
      to.inn = 0;
      if (to.read_cb) to.read_cb(data);
      if (to.gone) return;
    }
    if (!to.paused && !to.inn && to.finOnWire && !to.finGot) {
      to.finGot = true;
      if (to.shutdown_cb) to.shutdown_cb();
      closed(to);
      if (from.finSent) closed(from);
    }
    if (from.writes.length || (!to.paused && (to.inn || (to.finOnWire && !to.finGot)))) kick(to);
  }

  /** `e` sends its FIN (all its writes are on the wire). */
  function finish(e: Sock): void {
    const cb = e.fin;
    const p = e.peer;
    e.finSent = true;
    e.fin = null;
    if (p) p.finOnWire = true;
    if (cb) cb(0);
    if (p && !p.gone) kick(p);
    closed(e);
  }

  /** close_cb once both directions are finished (or the peer is gone after our FIN). */
  function closed(e: Sock): void {
    const p = e.peer;
    if (!e.gone && !e.ended && e.finSent && (e.finGot || (p && p.gone && !p.finSent))) {
      e.ended = true;
      e.state = 0;
      if (e.close_cb) e.close_cb();
    }
  }

  /** The connection of `e` was reset by its peer: pending writes fail, then error_cb and close_cb. */
  function reset(e: Sock): void {
    if (e.gone || e.ended) return;
    e.ended = true;
    setTimeout(() => {
      if (e.gone) return;
      const writes = e.writes;
      const r = (d.errno = ERRNO.ECONNRESET);
      e.writes = [];
      e.state = 0;
      for (const w of writes) w.cb(r);
      if (e.error_cb) e.error_cb(r);
      if (e.close_cb) e.close_cb();
    }, 0);
  }

  return d;
}

/** Registers the sim network as global.__netdev. Extra target keys in `config` are ignored. */
export function install(config?: SimConfig): Netdev {
  return ((global as any).__netdev = createSimNetdev(config));
}
