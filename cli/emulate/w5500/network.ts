// The emulated chip's network: the loopback interface of the host. TCP goes to real host
// connections (client sockets) and real host servers (LISTEN); UDP to the DHCP and DNS services
// emulated here, or to real host UDP sockets for other loopback addresses.
//
// Routing follows what the chip would see on a wire: the next hop (the destination on the subnet,
// else GAR) must answer ARP, and only loopback addresses do; past a reachable gateway a
// non-loopback destination never answers.

import type { AddressInfo } from 'node:net';
import * as net from 'node:net';
import { isLoopback, sameSubnet } from './addr';
import { DHCP_CLIENT_PORT, DHCP_SERVER_PORT, DhcpServer, parseDhcp } from './dhcp';
import { DNS_PORT, answerDns } from './dns';
import type { ResolvedOptions } from './options';
import { SN } from './registers';
import type { ChipSocket } from './socket';

/** host: a real loopback peer; service: an emulated host (DHCP/DNS server, router);
 *  void: reachable next hop but nobody answers; no-arp: the next hop does not answer ARP. */
export type Route = 'host' | 'service' | 'void' | 'no-arp';

export interface NetworkHost {
  readonly options: ResolvedOptions;
  readonly sockets: readonly ChipSocket[];
  now(): number;
  warn(message: string): void;
  schedule(delayMs: number, fn: () => void): void;
  linkUp(): boolean;
  sourceIp(): string;
  subnetMask(): string;
  gateway(): string;
  mac(): string;
  /** An ICMP port-unreachable arrived (IR.UNREACH, UIPR, UPORTR). */
  icmpUnreachable(ip: string, port: number): void;
}

interface Listener {
  port: number;
  server: net.Server;
  sockets: Set<ChipSocket>;
  address: AddressInfo | null;
}

/** Emulated hosts answer after this long (the chip sees SEND_OK before the reply). */
const SERVICE_DELAY_MS = 1;

export class EmulatedNetwork {
  /** Fault injection: CONNECTs get no answer (→ TIMEOUT after TCPTO). */
  dropConnects = false;
  private readonly listeners = new Map<number, Listener>();
  private readonly orphans = new Set<net.Socket>();
  private readonly dhcp: DhcpServer | null;

  constructor(private readonly host: NetworkHost) {
    this.dhcp = host.options.dhcp ? new DhcpServer(host.options.dhcp) : null;
  }

  route(ip: string): Route {
    if (!this.host.linkUp()) return 'no-arp';
    const hop = sameSubnet(ip, this.host.sourceIp(), this.host.subnetMask()) ? ip : this.host.gateway();
    if (!isLoopback(hop)) return 'no-arp';
    if (this.isService(ip)) return 'service';
    return isLoopback(ip) ? 'host' : 'void';
  }

  private isService(ip: string): boolean {
    const c = this.host.options.network;
    return ip === c.server || ip === c.router || ip === c.dns;
  }

  // ---- TCP ---------------------------------------------------------------------------------

  listen(socket: ChipSocket, port: number): void {
    let entry = this.listeners.get(port);
    if (!entry) {
      const ip = this.host.sourceIp();
      if (!isLoopback(ip)) {
        this.host.warn(`S${socket.n}: LISTEN on port ${port} with SIPR ${ip}: the emulated network is loopback, nobody can connect`);
        return;
      }
      const server = net.createServer({ allowHalfOpen: true });
      const created: Listener = { port, server, sockets: new Set(), address: null };
      entry = created;
      const hostPort = this.host.options.mapListenPort(port);
      server.on('connection', (conn) => this.incoming(created, conn));
      server.on('error', (err: NodeJS.ErrnoException) => {
        this.host.warn(`LISTEN on port ${port}: host server ${ip}:${hostPort} failed: ${err.code ?? err.message}`);
      });
      server.listen({ host: ip, port: hostPort, exclusive: true }, () => {
        created.address = server.address() as AddressInfo;
      });
      this.listeners.set(port, entry);
    }
    entry.sockets.add(socket);
  }

  unlisten(socket: ChipSocket, port: number): void {
    const entry = this.listeners.get(port);
    if (!entry) return;
    entry.sockets.delete(socket);
    if (entry.sockets.size > 0) return;
    // Nobody listens any more: the host refuses new connections, as the chip does.
    entry.server.close();
    this.listeners.delete(port);
  }

  /** The host address that reaches chip sockets listening on `port`, once the host server is bound. */
  listenAddress(port: number): { address: string; port: number } | null {
    const address = this.listeners.get(port)?.address;
    return address ? { address: address.address, port: address.port } : null;
  }

  private incoming(entry: Listener, conn: net.Socket): void {
    const candidates = [...entry.sockets].filter((s) => s.listening).sort((a, b) => a.n - b.n);
    if (candidates.length === 0 || !this.host.linkUp()) {
      conn.on('error', () => {});
      conn.resetAndDestroy();
      return;
    }
    const socket = candidates[0];
    this.unlisten(socket, entry.port);
    socket.accept(conn);
  }

  /** The chip forgot this connection (its socket detached its listeners): from now on the peer's
   *  segments are answered with RST. */
  orphan(conn: net.Socket): void {
    conn.on('error', () => {});
    if (conn.destroyed) return;
    const reset = (): void => {
      if (!conn.destroyed) conn.resetAndDestroy();
    };
    conn.on('data', reset);
    conn.on('end', reset);
    conn.on('connect', reset);
    conn.resume();
    this.orphans.add(conn);
    conn.once('close', () => this.orphans.delete(conn));
  }

  // ---- UDP ---------------------------------------------------------------------------------

  /** Transmit a datagram; 'no-arp' means the chip will report TIMEOUT instead of SEND_OK. */
  sendUdp(socket: ChipSocket, ip: string, port: number, data: Uint8Array): 'sent' | 'no-arp' {
    if (ip === '255.255.255.255') {
      if (this.host.linkUp()) this.serve(socket, ip, port, data, true);
      return 'sent';
    }
    const route = this.route(ip);
    if (route === 'no-arp') return 'no-arp';
    if (route === 'service') this.serve(socket, ip, port, data, false);
    else if (route === 'host') {
      const udp = socket.hostUdp;
      if (udp) udp.send(data, port, ip);
      else this.host.warn(`S${socket.n}: UDP to ${ip}:${port} dropped: no host UDP socket (Sn_PORT < 1024 or SIPR not loopback at OPEN)`);
    }
    return 'sent';
  }

  private serve(socket: ChipSocket, ip: string, port: number, data: Uint8Array, broadcast: boolean): void {
    const c = this.host.options.network;
    const from = (socket.regs[SN.PORT] << 8) | socket.regs[SN.PORT + 1];
    if (port === DHCP_SERVER_PORT && this.dhcp && (broadcast || ip === c.server)) {
      const msg = parseDhcp(data);
      if (msg && msg.chaddr !== this.host.mac()) {
        this.host.warn(`S${socket.n}: DHCP chaddr ${msg.chaddr} differs from SHAR ${this.host.mac()}: replies would not reach the chip`);
      }
      if (from !== DHCP_CLIENT_PORT) this.host.warn(`S${socket.n}: DHCP request sent from port ${from}; servers answer to port ${DHCP_CLIENT_PORT}`);
      const reply = this.dhcp.handle(data, this.host.now());
      if (reply) this.deliverLater(c.server, DHCP_SERVER_PORT, DHCP_CLIENT_PORT, reply.data, reply.broadcast);
      return;
    }
    if (port === DNS_PORT && ip === c.dns) {
      const answer = answerDns(data, this.host.options.dnsTable);
      if (answer) this.deliverLater(c.dns, DNS_PORT, from, answer, false);
      return;
    }
    if (!broadcast) this.host.schedule(SERVICE_DELAY_MS, () => this.host.icmpUnreachable(ip, port));
  }

  private deliverLater(fromIp: string, fromPort: number, toPort: number, data: Uint8Array, broadcast: boolean): void {
    this.host.schedule(SERVICE_DELAY_MS, () => {
      for (const s of this.host.sockets) if (s.receivesUdp(toPort, broadcast)) s.pushDatagram(fromIp, fromPort, data);
    });
  }

  close(): void {
    for (const entry of this.listeners.values()) entry.server.close();
    this.listeners.clear();
    for (const conn of this.orphans) conn.destroy();
    this.orphans.clear();
  }
}
