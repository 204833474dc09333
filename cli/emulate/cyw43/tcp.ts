// lwIP TCP control blocks as the CYW43 firmware drives them, carried by real host sockets on the
// loopback. Only what the firmware can observe is modelled: the 11,680-byte send buffer (freed as
// the host takes the bytes), FIN/close/abort, and that resets, refusals and link loss kill a pcb
// without anyone being told (the firmware registers no tcp_err).

import net from 'node:net';
import { STATION_IP } from './air';

export const TCP_SND_BUF = 11_680;
/** lwIP's TCP_MSS in the firmware's lwipopts.h: the firmware's read_cb runs once per segment. */
export const TCP_MSS = 1460;
/** lwIP gives up on FIN_WAIT_2 after a while; the host socket is dropped then. */
const FIN_WAIT_LIMIT_MS = 20_000;

export type Post = (event: () => void) => void;

export interface PcbEvents {
  connected(): void;
  data(bytes: Uint8Array): void;
  remoteFin(): void;
}

/**
 * connecting: SYN sent (forever, for an address nobody answers);
 * open: established; closed: we closed it (tcp_close / shutdown both ways) and lwIP owns it now;
 * dead: reset, refused or the link went away; lwIP freed it silently.
 */
export type PcbState = 'connecting' | 'open' | 'closed' | 'dead';

export class TcpPcb {
  state: PcbState;
  events: PcbEvents | null = null;
  /** lwIP freed this pcb on its own (RST: refused or reset), telling nobody: the firmware's
   *  socket still points at it. */
  freed = false;
  private finSent = false;
  private rxClosed = false;
  private unacked = 0;
  /** While the Wi-Fi link is down nothing moves: bytes to send wait here. */
  private linkUp: boolean;
  /** bytes null: the FIN. */
  private held: { bytes: Buffer | null; n: number }[] = [];

  private constructor(
    private readonly socket: net.Socket | null,
    connecting: boolean,
    private readonly post: Post,
    private readonly onGone: (pcb: TcpPcb) => void,
    linkUp: boolean,
  ) {
    this.state = connecting ? 'connecting' : 'open';
    this.linkUp = linkUp;
    if (!socket) return;
    // Nagle stays on, as lwIP leaves it (the firmware never sets TF_NODELAY).
    socket.on('connect', () => post(() => this.hostConnected()));
    socket.on('data', (chunk: Buffer) => {
      for (let i = 0; i < chunk.length; i += TCP_MSS) {
        const segment = chunk.subarray(i, i + TCP_MSS);
        post(() => this.hostData(segment));
      }
    });
    socket.on('end', () => post(() => this.hostEnd()));
    socket.on('error', () => post(() => this.die()));
    socket.on('close', () => post(() => this.die()));
    if (!linkUp) socket.pause();
  }

  /** tcp_connect. Only the station's own loopback answers; anything else never does. */
  static connect(ip: string, port: number, post: Post, onGone: (pcb: TcpPcb) => void, linkUp = true): TcpPcb {
    const socket = ip === STATION_IP ? net.connect({ host: STATION_IP, port, allowHalfOpen: true }) : null;
    return new TcpPcb(socket, true, post, onGone, linkUp);
  }

  static accepted(socket: net.Socket, post: Post, onGone: (pcb: TcpPcb) => void, linkUp = true): TcpPcb {
    return new TcpPcb(socket, false, post, onGone, linkUp);
  }

  /** The Wi-Fi link went down or came back: the connection stalls, then goes on. */
  setLink(up: boolean): void {
    this.linkUp = up;
    if (!this.socket || this.socket.destroyed) return;
    if (!up) {
      this.socket.pause();
      return;
    }
    this.socket.resume();
    const held = this.held;
    this.held = [];
    for (const h of held) this.send(h.bytes, h.n);
  }

  private send(bytes: Buffer | null, n: number): void {
    if (!this.socket || this.socket.destroyed) return;
    if (!this.linkUp) {
      this.held.push({ bytes, n });
      return;
    }
    if (bytes === null) this.socket.end();
    else this.socket.write(bytes, () => this.post(() => (this.unacked -= n)));
  }

  /** tcp_write + tcp_output: all or nothing; false (ERR_MEM/ERR_CONN) when it does not fit. */
  write(bytes: Uint8Array): boolean {
    if (this.state === 'closed' || this.state === 'dead' || this.finSent) return false;
    if (bytes.length > TCP_SND_BUF - this.unacked) return false;
    if (bytes.length === 0) return true;
    const n = bytes.length;
    this.unacked += n;
    this.send(Buffer.from(bytes), n);
    return true;
  }

  /** tcp_shutdown(rx, tx); false stands for the lwIP error the firmware turns into errno -1. */
  shutdown(rx: boolean, tx: boolean): boolean {
    if (this.state === 'closed' || this.state === 'dead') return false;
    if (rx && tx) {
      this.close();
      return true;
    }
    if (rx) {
      this.rxClosed = true;
      return true;
    }
    if (this.state !== 'open') return false;
    if (!this.finSent) {
      this.finSent = true;
      this.send(null, 0);
    }
    return true;
  }

  /** tcp_close: FIN after what is queued (a connecting pcb is simply dropped). */
  close(): void {
    if (this.state === 'dead' || this.state === 'closed') return;
    this.events = null;
    if (this.state === 'connecting' || !this.socket) {
      this.kill();
      return;
    }
    this.state = 'closed';
    if (!this.finSent) this.send(null, 0);
    this.finSent = true;
    setTimeout(() => this.kill(), FIN_WAIT_LIMIT_MS).unref();
  }

  /** tcp_abort: RST. */
  abort(): void {
    this.kill();
  }

  /** Gone without a word: host socket reset, nothing reported. */
  kill(): void {
    this.events = null;
    if (this.state !== 'dead') {
      this.state = 'dead';
      this.onGone(this);
    }
    if (this.socket && !this.socket.destroyed) this.socket.resetAndDestroy();
  }

  private hostConnected(): void {
    if (this.state !== 'connecting') return;
    this.state = 'open';
    this.events?.connected();
  }

  private hostData(chunk: Buffer): void {
    if (this.state === 'dead') return;
    // Data for a pcb whose receive side we closed: lwIP answers with RST and drops it.
    if (this.state === 'closed' || this.rxClosed) {
      this.kill();
      return;
    }
    this.events?.data(chunk);
  }

  private hostEnd(): void {
    if (this.state === 'closed') {
      this.kill();
      return;
    }
    if (this.state === 'open') this.events?.remoteFin();
  }

  /** The host socket failed or closed under us: RST (refused, reset). lwIP frees the pcb. */
  private die(): void {
    if (this.state === 'dead') return;
    if (this.state !== 'closed') this.freed = true;
    this.kill();
  }
}

/** A bound (and later listening) lwIP pcb. The firmware binds all interfaces whatever address it
 *  is given; here that is the loopback, on the same port number (port 0: the host picks one). */
export class TcpListener {
  /** Called as the host accepts (not posted: the pcb must exist before its first data event). */
  onAccept: ((socket: net.Socket) => void) | null = null;
  private server: net.Server | null = null;
  private listening = false;
  private closed = false;

  constructor(
    readonly port: number,
    private readonly log: (line: string) => void,
  ) {}

  /** tcp_listen. The host server only runs while the link is up. */
  listen(linkUp: boolean): void {
    this.listening = true;
    if (linkUp) this.openHost();
  }

  /** The link came back: a listening pcb accepts again. */
  linkUp(): void {
    if (this.listening && !this.closed) this.openHost();
  }

  /** The link went away: nobody can reach the board. */
  linkDown(): void {
    this.server?.close();
    this.server = null;
  }

  /** tcp_shutdown on the server pcb; false stands for ERR_CONN. */
  shutdown(rx: boolean, tx: boolean): boolean {
    if (this.closed) return false;
    if (rx && tx) {
      this.close();
      return true;
    }
    return !tx;
  }

  close(): void {
    this.closed = true;
    this.linkDown();
  }

  private openHost(): void {
    if (this.server) return;
    const server = net.createServer({ allowHalfOpen: true });
    server.on('connection', (socket) => {
      if (this.onAccept) this.onAccept(socket);
      else socket.resetAndDestroy();
    });
    server.on('error', (err: NodeJS.ErrnoException) => {
      this.log(
        `pico_cyw43 emulator: cannot listen on ${STATION_IP}:${this.port} (${err.code ?? err.message}); ` +
          `the board believes it listens but nobody can reach it`,
      );
      if (this.server === server) this.server = null;
    });
    server.listen({ host: STATION_IP, port: this.port });
    this.server = server;
  }
}
