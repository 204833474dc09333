// `PicoCYW43Network`: the firmware's native netdev for the CYW43, with its quirks
// (kaluma-platform.md §6.1, kaluma-api.md §11): socket() throws, DNS resolves synchronously and
// throws, write() takes strings only into an 11,680-byte send buffer, every method callback runs
// before the method returns with an `err` of 0, `errno` is -1 for any failure, no reset/refusal/
// timeout is ever reported, close() and shutdown() call the socket's own close_cb/shutdown_cb,
// and an accepted connection's bytes arrive on the listening socket's read_cb.

import type net from 'node:net';
import { STATION_IP } from './air';
import {
  type Chip,
  SOCK_BOUND,
  SOCK_CLOSED,
  SOCK_CONNECTED,
  SOCK_LISTENING,
  type Slot,
  type SocketObject,
} from './chip';
import {
  argFunctionOpt,
  argNumber,
  argString,
  blockFor,
  CALLBACK_ERR,
  callBoard,
  stringToBytes,
  systemError,
} from './native';
import type { TcpPcb } from './tcp';

const EREMOTEIO = 121;
/** read_cb is called with argc 2 but one argument: the second is whatever the stack held. */
const READ_CB_JUNK = 0x20041f3c;
const NOT_EMULATED_UDP = 'pico_cyw43 emulator: UDP (DGRAM) sockets are not emulated';

export type PicoCYW43NetworkClass = ReturnType<typeof makeNetworkClass>;

export function makeNetworkClass(chip: Chip) {
  /** Resolves like dns_gethostbyname + the firmware's busy-wait: throws on failure. */
  function resolve(dev: { errno: number }, name: string): string {
    if (/^\d{1,3}(\.\d{1,3}){3}$/.test(name) && name.split('.').every((p) => Number(p) <= 255)) return name;
    const fail = (message: string): never => {
      dev.errno = -1;
      throw new Error(message);
    };
    if (name.length === 0 || name.length > 255) fail('DNS Error: DNS access error.');
    // dns_gethostbyname is in progress: the firmware polls lwIP until the answer comes, so other
    // sockets' events run inside this call
    chip.pollLwip();
    const answer = chip.linkUp ? chip.air.resolve(name) : { fail: 'timeout' as const };
    if (answer === undefined || (typeof answer === 'object' && answer.fail === 'notfound')) {
      return fail('DNS Error: IP is not found.');
    }
    if (typeof answer === 'object') {
      blockFor(chip.air.timing.dnsTimeoutMs);
      chip.pollLwip();
      return fail('DNS response timeout.');
    }
    return answer;
  }

  function newObject(fd: number, ptcl: 'STREAM' | 'DGRAM', state: number, lport: number): SocketObject {
    return { fd, ptcl, state, laddr: STATION_IP, lport, raddr: '0.0.0.0', rport: 0 };
  }

  /** __net_socket_close: frees the entry, closes its pcbs, then calls its close_cb. */
  function closeSlot(slot: Slot): void {
    if (chip.slots[slot.fd] !== slot) return;
    if (slot.pcb?.freed) freedPcb(slot, 'close');
    chip.slots[slot.fd] = null;
    slot.state = SOCK_CLOSED;
    slot.listener?.close();
    slot.pcb?.close();
    callBoard(slot.obj.close_cb);
  }

  /** tcp_close/tcp_shutdown on the pointer the firmware kept to a pcb lwIP freed after a RST. */
  function freedPcb(slot: Slot, call: 'close' | 'shutdown'): void {
    chip.hazard(
      `${call}(${slot.fd}) on a connection lwIP already freed (refused or reset; the firmware sets no tcp_err): ` +
        `on the board this ${call === 'close' ? 'tcp_close' : 'tcp_shutdown'}s freed memory and corrupts lwIP's pcb pool`,
    );
  }

  /** Received bytes go to the listening socket for an accepted connection (looked up by number,
   *  as the firmware does), else to the socket itself; dropped when that entry is closed. */
  function deliver(slot: Slot, bytes: Uint8Array): void {
    const target = chip.slots[slot.serverFd >= 0 ? slot.serverFd : slot.fd];
    if (!target || target.state === SOCK_CLOSED) return;
    callBoard(target.obj.read_cb, chip.realm.bytes(bytes), READ_CB_JUNK);
  }

  function wire(slot: Slot, pcb: TcpPcb): void {
    pcb.events = {
      connected: () => {
        if (chip.slots[slot.fd] === slot && slot.state !== SOCK_CLOSED) callBoard(slot.obj.connect_cb);
      },
      data: (bytes) => {
        if (chip.slots[slot.fd] === slot) deliver(slot, bytes);
      },
      remoteFin: () => closeSlot(slot),
    };
  }

  function accept(server: Slot, socket: net.Socket): void {
    const pcb = chip.acceptedPcb(socket);
    chip.post(() => {
      const fd = chip.allocFd();
      if (chip.slots[server.fd] !== server || server.state !== SOCK_LISTENING || fd < 0) {
        pcb.abort();
        return;
      }
      const slot: Slot = {
        fd,
        ptcl: 'STREAM',
        state: SOCK_CONNECTED,
        serverFd: server.fd,
        obj: newObject(fd, 'STREAM', SOCK_CONNECTED, server.obj.lport),
        pcb,
        listener: null,
      };
      chip.slots[fd] = slot;
      wire(slot, pcb);
      callBoard(server.obj.accept_cb, fd);
    });
  }

  return class PicoCYW43Network {
    errno: number;
    declare mac: string;
    declare ip: string;

    constructor() {
      this.errno = 0;
      chip.forgetSockets();
    }

    socket(...args: unknown[]): number {
      argString(args, 0, 'domain');
      const protocol = argString(args, 1, 'protocol');
      if (protocol !== 'STREAM' && protocol !== 'DGRAM') throw new TypeError('un-supported domain or protocol.');
      if (!chip.initialised) throw new Error('PICO-W CYW43 WiFi is not initialized.');
      if (!chip.linkUp) throw new Error('WiFi is not connected.');
      const fd = chip.allocFd();
      if (fd < 0) throw systemError(EREMOTEIO, 'Remote I/O error');
      chip.slots[fd] = {
        fd,
        ptcl: protocol,
        state: SOCK_CLOSED,
        serverFd: -1,
        obj: newObject(fd, protocol, SOCK_CLOSED, 0),
        pcb: null,
        listener: null,
      };
      this.mac = chip.air.mac;
      this.ip = STATION_IP;
      return fd;
    }

    get(...args: unknown[]): SocketObject | undefined {
      return chip.slot(argNumber(args, 0, 'fd'))?.obj;
    }

    connect(...args: unknown[]): void {
      const slot = chip.slot(argNumber(args, 0, 'fd'));
      const addr = argString(args, 1, 'addr');
      const port = argNumber(args, 2, 'port') & 0xffff;
      const cb = argFunctionOpt(args, 3, 'callback');
      if (slot && slot.state === SOCK_CLOSED) {
        if (slot.ptcl === 'DGRAM') throw new Error(NOT_EMULATED_UDP);
        const ip = resolve(this, addr);
        slot.obj.raddr = ip;
        slot.obj.rport = port;
        if (!chip.linkUp) {
          this.errno = -1; // ERR_RTE: no route without the link
        } else {
          const pcb = chip.connectPcb(ip, port);
          slot.pcb = pcb;
          wire(slot, pcb);
          this.errno = 0;
          slot.state = slot.obj.state = SOCK_CONNECTED; // before the handshake, as the firmware does
        }
      } else {
        this.errno = -1;
      }
      if (cb) callBoard(cb, CALLBACK_ERR);
    }

    write(...args: unknown[]): void {
      const slot = chip.slot(argNumber(args, 0, 'fd'));
      const data = argString(args, 1, 'data');
      const cb = argFunctionOpt(args, 2, 'callback');
      const writable =
        slot && (slot.ptcl === 'DGRAM' ? slot.state !== SOCK_CLOSED : slot.state >= SOCK_CONNECTED);
      if (writable && slot.ptcl === 'DGRAM') throw new Error(NOT_EMULATED_UDP);
      this.errno = writable && slot.pcb && slot.pcb.write(stringToBytes(data)) ? 0 : -1;
      if (cb) callBoard(cb, CALLBACK_ERR);
    }

    close(...args: unknown[]): void {
      const slot = chip.slot(argNumber(args, 0, 'fd'));
      const cb = argFunctionOpt(args, 1, 'callback');
      if (slot) closeSlot(slot);
      this.errno = 0;
      if (cb) callBoard(cb, CALLBACK_ERR);
    }

    shutdown(...args: unknown[]): void {
      const fd = Math.trunc(argNumber(args, 0, 'fd'));
      const how = argNumber(args, 1, 'how');
      const cb = argFunctionOpt(args, 2, 'callback');
      const slot = chip.slot(fd);
      let ok = fd >= 0 && fd < chip.slots.length;
      if (ok && slot && slot.ptcl === 'STREAM') {
        if (slot.pcb?.freed && how !== 1) freedPcb(slot, 'shutdown');
        const rx = how !== 1;
        const tx = how !== 0;
        if (slot.listener) ok = slot.listener.shutdown(rx, tx);
        if (ok && slot.pcb) ok = slot.pcb.shutdown(rx, tx);
      }
      this.errno = ok ? 0 : -1;
      if (ok && slot) callBoard(slot.obj.shutdown_cb); // the LOCAL socket's, synchronously
      if (cb) callBoard(cb, CALLBACK_ERR);
    }

    bind(...args: unknown[]): void {
      const slot = chip.slot(argNumber(args, 0, 'fd'));
      const addr = argString(args, 1, 'addr');
      const port = argNumber(args, 2, 'port') & 0xffff;
      const cb = argFunctionOpt(args, 3, 'callback');
      if (slot && slot.state === SOCK_CLOSED) {
        if (slot.ptcl === 'DGRAM') throw new Error(NOT_EMULATED_UDP);
        slot.obj.laddr = resolve(this, addr);
        slot.obj.lport = port;
        if (port !== 0 && chip.portInUse(port)) {
          this.errno = -1; // ERR_USE
        } else {
          slot.listener = chip.newListener(port); // all interfaces, whatever addr said
          this.errno = 0;
          slot.state = slot.obj.state = SOCK_BOUND;
        }
      } else {
        this.errno = -1;
      }
      if (cb) callBoard(cb, CALLBACK_ERR);
    }

    listen(...args: unknown[]): void {
      const slot = chip.slot(argNumber(args, 0, 'fd'));
      const cb = argFunctionOpt(args, 1, 'callback');
      if (slot && slot.state === SOCK_BOUND && slot.listener) {
        const server = slot;
        slot.listener.onAccept = (socket) => accept(server, socket);
        slot.listener.listen(chip.linkUp);
        this.errno = 0;
        slot.state = slot.obj.state = SOCK_LISTENING;
      } else {
        this.errno = -1;
      }
      if (cb) callBoard(cb, CALLBACK_ERR);
    }
  };
}
