// `sim`: an in-memory loopback network implementing the netdev contract in plain board-side JS (runs
// on any engine). Every address of this one host (127.0.0.1, localhost, 0.0.0.0, the configured ip)
// reaches it. Each direction of a connection holds at most `bufferSize` bytes in flight: a receiver that
// is paused (or slow) stalls the sender's write acknowledgements, so backpressure is real. Every
// callback runs from a timer, never inside the call that caused it.
import type { Netdev, NetdevCallback, NetdevSocket } from '../netdev-contract';
import { ERRNO } from '../netdev-contract';

export interface SimConfig {
  /** Bytes in flight per direction of a connection (default 4096). */
  bufferSize?: number;
  /** This host's address (default 127.0.0.1). */
  ip?: string;
}

interface Pending {
  data: Uint8Array;
  cb: NetdevCallback;
}

/** One local socket. Its inbound queue holds what the peer's writes put on the wire for it. */
interface End {
  s: NetdevSocket;
  peer: End | null;
  /** Bytes on the wire towards this end, not yet delivered to its read_cb. */
  inbound: Uint8Array[];
  inboundBytes: number;
  /** The peer's FIN is on the wire after `inbound`. */
  finOnWire: boolean;
  finReceived: boolean;
  /** This end's writes the wire has not fully taken yet. */
  writes: Pending[];
  /** shutdown(write) requested: FIN once `writes` are taken; its cb. */
  shutdownCb: NetdevCallback | null;
  finSent: boolean;
  paused: boolean;
  readShut: boolean;
  gone: boolean;
  closeReported: boolean;
  scheduled: boolean;
}

const LOCAL = ['127.0.0.1', 'localhost', '0.0.0.0'];

export function createSimNetdev(config: SimConfig = {}): Netdev {
  const cap = config.bufferSize || 4096;
  const ip = config.ip || '127.0.0.1';
  const ends: (End | undefined)[] = [];
  const ports: { [port: number]: End } = {};
  let nextPort = 49152;

  const later = (fn: () => void) => void setTimeout(fn, 0);

  const d: Netdev = {
    errno: 0,
    mac: '02:00:00:00:00:01',
    ip,

    socket(_domain, ptcl) {
      if (ptcl !== 'STREAM') return fail(ERRNO.EINVAL);
      let fd = 0;
      while (ends[fd]) fd++;
      ends[fd] = newEnd({ fd, ptcl, state: 0, laddr: '0.0.0.0', lport: 0, raddr: '0.0.0.0', rport: 0 });
      return fd;
    },

    get(fd) {
      const e = ends[fd];
      return e ? e.s : null;
    },

    connect(fd, host, port, cb) {
      const e = ends[fd];
      if (!e || e.s.state !== 0 && e.s.state !== 1) return done(cb, e ? ERRNO.EISCONN : ERRNO.EBADF);
      const local = LOCAL.indexOf(host) >= 0 || host === ip;
      if (!local) return done(cb, /^\d+\.\d+\.\d+\.\d+$/.test(host) ? ERRNO.EHOSTUNREACH : ERRNO.ENOTFOUND);
      const l = ports[port];
      if (!l || l.s.state !== 3 || l.gone) return done(cb, ERRNO.ECONNREFUSED);
      const addr = host === ip ? ip : '127.0.0.1';
      if (!e.s.lport) e.s.lport = freePort(e);
      const acc = ends.indexOf(undefined) >= 0 ? ends.indexOf(undefined) : ends.length;
      const a = (ends[acc] = newEnd({ fd: acc, ptcl: 'STREAM', state: 2, laddr: addr, lport: port, raddr: addr, rport: e.s.lport }));
      Object.assign(e.s, { state: 2, laddr: addr, raddr: addr, rport: port });
      a.peer = e;
      e.peer = a;
      later(() => {
        if (l.gone) {
          // The listener closed meanwhile: nobody accepts.
          ends[acc] = undefined;
          e.peer = null;
          e.s.state = 0;
          d.errno = ERRNO.ECONNREFUSED;
          return cb(ERRNO.ECONNREFUSED);
        }
        if (l.s.accept_cb) l.s.accept_cb(acc);
        if (e.gone) return;
        cb(0);
        if (e.s.connect_cb) e.s.connect_cb();
      });
    },

    write(fd, data, cb) {
      const e = ends[fd];
      if (!e || e.s.state !== 2) return done(cb, e ? ERRNO.ENOTCONN : ERRNO.EBADF);
      if (e.shutdownCb || e.finSent) return done(cb, ERRNO.EPIPE);
      e.writes.push({ data: typeof data === 'string' ? latin1(data) : data, cb });
      kick(e.peer!);
    },

    shutdown(fd, how, cb) {
      const e = ends[fd];
      if (!e || e.s.state !== 2) return done(cb, e ? ERRNO.ENOTCONN : ERRNO.EBADF);
      if (how !== 1) {
        e.readShut = true;
        e.inbound = [];
        e.inboundBytes = 0;
      }
      if (how === 0 || e.shutdownCb || e.finSent) return done(cb, 0);
      e.shutdownCb = cb;
      kick(e.peer!);
    },

    close(fd, cb) {
      const e = ends[fd];
      if (!e) return done(cb, ERRNO.EBADF);
      ends[fd] = undefined;
      e.gone = true;
      if (ports[e.s.lport] === e) delete ports[e.s.lport];
      const p = e.peer;
      e.writes = [];
      e.s.state = 0;
      if (p && !p.gone) {
        if (e.inboundBytes || p.writes.length) reset(p);
        else if (!e.finSent) {
          e.shutdownCb = () => {};
          kick(p);
        }
      }
      done(cb, 0);
    },

    bind(fd, addr, port, cb) {
      const e = ends[fd];
      if (!e || e.s.state !== 0) return done(cb, e ? ERRNO.EINVAL : ERRNO.EBADF);
      if (port && ports[port]) return done(cb, ERRNO.EADDRINUSE);
      if (LOCAL.indexOf(addr) < 0 && addr !== ip) return done(cb, ERRNO.EADDRNOTAVAIL);
      e.s.lport = port || freePort(e);
      ports[e.s.lport] = e;
      e.s.laddr = addr === 'localhost' ? '127.0.0.1' : addr;
      e.s.state = 1;
      done(cb, 0);
    },

    listen(fd, cb) {
      const e = ends[fd];
      if (!e || e.s.state !== 1) return done(cb, e ? ERRNO.EINVAL : ERRNO.EBADF);
      e.s.state = 3;
      done(cb, 0);
    },

    pause(fd, paused) {
      const e = ends[fd];
      if (!e) return;
      e.paused = paused;
      if (!paused) kick(e);
    },
  };

  function fail(errno: number): number {
    d.errno = errno;
    return -1;
  }

  function done(cb: NetdevCallback, errno: number): void {
    later(() => {
      if (errno) d.errno = errno;
      cb(errno);
    });
  }

  function newEnd(s: NetdevSocket): End {
    return {
      s,
      peer: null,
      inbound: [],
      inboundBytes: 0,
      finOnWire: false,
      finReceived: false,
      writes: [],
      shutdownCb: null,
      finSent: false,
      paused: false,
      readShut: false,
      gone: false,
      closeReported: false,
      scheduled: false,
    };
  }

  function freePort(e: End): number {
    while (ports[nextPort]) nextPort = nextPort < 65535 ? nextPort + 1 : 49152;
    ports[nextPort] = e;
    return nextPort;
  }

  /** Schedules moving data from `to`'s peer onto the wire and delivering it to `to`. */
  function kick(to: End): void {
    if (to.scheduled) return;
    to.scheduled = true;
    later(() => {
      to.scheduled = false;
      pump(to);
    });
  }

  /** One step of the direction peer -> `to`: fill the wire up to `cap`, deliver it unless paused. */
  function pump(to: End): void {
    const from = to.peer!;
    if (to.gone) {
      // Writing to a closed socket: the peer answers with a reset.
      if (from.writes.length) reset(from);
      else if (from.shutdownCb) finish(from);
      return;
    }
    while (from.writes.length && to.inboundBytes < cap) {
      const w = from.writes[0];
      const n = Math.min(cap - to.inboundBytes, w.data.length);
      if (!to.readShut) {
        to.inbound.push(w.data.slice(0, n));
        to.inboundBytes += n;
      }
      if (n < w.data.length) w.data = w.data.subarray(n);
      else {
        from.writes.shift();
        w.cb(0);
        if (to.gone || from.gone) return;
      }
    }
    if (!from.writes.length && from.shutdownCb && !from.finSent) finish(from);
    if (!to.paused && to.inboundBytes) {
      const data = concat(to.inbound, to.inboundBytes);
      to.inbound = [];
      to.inboundBytes = 0;
      if (to.s.read_cb) to.s.read_cb(data);
      if (to.gone) return;
    }
    if (!to.paused && !to.inboundBytes && to.finOnWire && !to.finReceived) {
      to.finReceived = true;
      if (to.s.shutdown_cb) to.s.shutdown_cb();
      closed(to);
      if (from.finSent) closed(from);
    }
    if (from.writes.length || (!to.paused && (to.inboundBytes || (to.finOnWire && !to.finReceived)))) kick(to);
  }

  /** `e` sent its FIN (all its writes are on the wire). */
  function finish(e: End): void {
    const cb = e.shutdownCb!;
    e.finSent = true;
    e.shutdownCb = null;
    if (e.peer) e.peer.finOnWire = true;
    cb(0);
    if (e.peer && !e.peer.gone) kick(e.peer);
    closed(e);
  }

  /** close_cb once both directions are finished (or the peer is gone after our FIN). */
  function closed(e: End): void {
    const p = e.peer;
    if (e.gone || e.closeReported || !e.finSent) return;
    if (e.finReceived || (p && p.gone && !p.finSent)) {
      e.closeReported = true;
      e.s.state = 0;
      if (e.s.close_cb) e.s.close_cb();
    }
  }

  /** The connection of `e` was reset by its peer: pending writes fail, then error_cb and close_cb. */
  function reset(e: End): void {
    if (e.gone || e.closeReported) return;
    e.closeReported = true;
    later(() => {
      if (e.gone) return;
      const writes = e.writes;
      e.writes = [];
      e.s.state = 0;
      d.errno = ERRNO.ECONNRESET;
      for (const w of writes) w.cb(ERRNO.ECONNRESET);
      if (e.s.error_cb) e.s.error_cb(ERRNO.ECONNRESET);
      if (e.s.close_cb) e.s.close_cb();
    });
  }

  return d;
}

function concat(chunks: Uint8Array[], total: number): Uint8Array {
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(total);
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}

function latin1(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

/** Registers the sim network as global.__netdev. Extra target keys in `config` are ignored. */
export function install(config?: SimConfig): Netdev {
  const d = createSimNetdev(config);
  (global as any).__netdev = d;
  return d;
}
