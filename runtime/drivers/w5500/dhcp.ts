// The address from DHCP (KN_DHCP): the client of dhcp-client.ts on a UDP socket (port 68) while it
// needs one: from the link coming up to the first lease, and at renewals.
import { ERRNO } from '../../netdev-contract';
import { hardClose, openSocket, readSpi, Reg, sreg, Sr, T, w8, W } from './chip';
import { downErr, goDown, goUp, leaseWait, myDns, myGateway, mySubnet, setAddress, soon, stage, waitLease } from './core';
import { createDhcpClient, DHCP_CLIENT_PORT, DHCP_SERVER_PORT, type DhcpClient, type DhcpStep } from './dhcp-client';
import { freeSocket, phys, release } from './sockets';
import { udpReceive, udpSend } from './udp';

/** Constants (a const enum: inlined, nothing in the heap). */
const enum K {
  DHCP_POLL_MS = 10,
}

export let dhcp: DhcpClient | null = null;
/** The hardware socket of the exchange under way, or -1. */
export let dhcpHw = -1;

/** A client for `mac`, or none (a static address). */
export function startDhcp(mac: number[] | null, hostname: string): void {
  dhcp = mac && createDhcpClient(mac, hostname, Math.random);
  dhcpHw = -1;
}

export function serveDhcp(now: number): void {
  if (!dhcp || (stage !== 'dhcp' && stage !== 'up')) return;
  if (dhcpHw < 0) {
    if (!dhcp.active(now)) return;
    const n = freeSocket();
    if (n < 0) return; // all sockets busy: renewal waits for one (the lease runs until T2/end)
    phys[n].use = 'dhcp';
    dhcpHw = n;
    if (!openSocket(n, W.MODE_UDP, DHCP_CLIENT_PORT)) return dhcpDone();
  }
  const n = dhcpHw;
  const st = readSpi(sreg(n), Reg.Sn_IR, 2);
  if (st[0]) w8(sreg(n), Reg.Sn_IR, st[0]);
  if (st[1] !== Sr.UDP) return dhcpDone();
  for (let i = 0; i < 4; i++) {
    const d = udpReceive(n, st[0]);
    if (!d) break;
    if (d.port === DHCP_SERVER_PORT) dhcpStep(dhcp.receive(d.data, now), now);
  }
  dhcpStep(dhcp.poll(now), now);
  if (stage === 'dhcp' && !downErr && leaseWait(now) >= T.dhcp) {
    goDown(ERRNO.ETIMEDOUT, 'no DHCP lease after ' + T.dhcp / 1000 + ' s (no answer to DHCPDISCOVER); still trying');
  }
  if (!dhcp.active(now)) dhcpDone();
  else soon(K.DHCP_POLL_MS);
}

function dhcpDone(): void {
  const n = dhcpHw;
  dhcpHw = -1;
  hardClose(n);
  release(n);
}

function dhcpStep(s: DhcpStep, now: number): void {
  if (s.send) udpSend(dhcpHw, s.send.to, DHCP_SERVER_PORT, s.send.data, now);
  const lease = dhcp!.lease;
  if ((s.event === 'bound' || s.event === 'renewed') && lease) {
    setAddress(lease.ip, lease.subnet, lease.router, lease.dns);
    if (stage === 'dhcp') goUp();
  } else if (s.event === 'lost') {
    setAddress([0, 0, 0, 0], mySubnet, myGateway, myDns);
    waitLease(now);
  }
}
