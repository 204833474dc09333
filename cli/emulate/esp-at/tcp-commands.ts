// TCP/IP commands: CIPMUX, CIPSTART(EX), CIPSEND, CIPCLOSE, CIPSERVER(MAXCONN), CIPSTO, CIPSTATUS,
// CIPSTATE (ESP-AT), CIPDOMAIN, CIPDINFO, CIPRECVMODE, CIPRECVDATA, CIPRECVLEN. Only "TCP" links.

import { isIPv4 } from 'node:net';
import { intParam, strParam, type AtCommand } from './at-command';
import type { Handler, ModemCore, Result } from './core';
import { LINK_COUNT } from './links';

const SEND_MAX = 2048;
const DEFAULT_SERVER_PORT = 333;

async function resolveHost(m: ModemCore, host: string): Promise<string | null> {
  try {
    const ip = await m.o.resolve(host);
    return isIPv4(ip) ? ip : null;
  } catch {
    return null;
  }
}

function dnsFail(m: ModemCore): Result {
  if (m.nonos) m.line('DNS Fail');
  return 'ERROR';
}

function alreadyConnected(m: ModemCore): Result {
  m.line('ALREADY CONNECTED');
  return 'ERROR';
}

async function connect(m: ModemCore, id: number, host: string, port: number): Promise<Result> {
  const ip = await m.guard(resolveHost(m, host));
  if (!ip) return dnsFail(m);
  // An incoming client may have taken the id while the name was being resolved.
  if (m.links.get(id)) return alreadyConnected(m);
  if (await m.guard(m.links.connect(id, ip, port))) return 'OK';
  m.afterResult(() => m.linkUrc(id, 'CLOSED'));
  return 'ERROR';
}

/** Parses `"TCP","host",port[,keepalive]` starting at parameter `i`. */
function target(cmd: AtCommand, i: number): { host: string; port: number } | null {
  const count = cmd.params.length;
  if (count < i + 3 || count > i + 4) return null;
  const type = strParam(cmd, i);
  const host = strParam(cmd, i + 1, 128);
  const port = intParam(cmd, i + 2, 1, 65535);
  const keepalive = count === i + 4 && cmd.params[i + 3].kind !== 'none' ? intParam(cmd, i + 3, 0, 7200) : 0;
  if (type !== 'TCP' || !host || port === undefined || keepalive === undefined) return null;
  return { host, port };
}

const cipmux: Handler = (m, cmd) => {
  if (cmd.form === 'query') {
    m.line(`+CIPMUX:${m.s.mux}`);
    return 'OK';
  }
  const mux = cmd.form === 'set' && cmd.params.length === 1 ? intParam(cmd, 0, 0, 1) : undefined;
  if (mux === undefined || m.links.inUse().length > 0 || m.links.serverPort !== null) return null;
  m.s.mux = mux as 0 | 1;
  return 'OK';
};

const cipstart: Handler = async (m, cmd) => {
  if (cmd.form !== 'set') return null;
  const id = m.s.mux ? intParam(cmd, 0, 0, LINK_COUNT - 1) : 0;
  const t = target(cmd, m.s.mux);
  if (id === undefined || !t) return null;
  if (m.links.get(id)) return alreadyConnected(m);
  if (m.s.wifi !== 'connected') return null;
  return connect(m, id, t.host, t.port);
};

/** ESP-AT: the firmware picks the link id. */
const cipstartex: Handler = async (m, cmd) => {
  if (m.nonos || cmd.form !== 'set') return null;
  const t = target(cmd, 0);
  if (!t) return null;
  const id = m.s.mux ? m.links.lowestFree() : 0;
  if (id < 0) return null;
  if (m.links.get(id)) return alreadyConnected(m);
  if (m.s.wifi !== 'connected') return null;
  return connect(m, id, t.host, t.port);
};

const cipsend: Handler = async (m, cmd) => {
  if (cmd.form !== 'set' || cmd.params.length !== 1 + m.s.mux) return null;
  const id = m.s.mux ? intParam(cmd, 0, 0, LINK_COUNT - 1) : 0;
  const len = intParam(cmd, m.s.mux, 1, SEND_MAX);
  if (id === undefined || len === undefined) return null;
  const link = m.links.connected(id);
  if (!link) {
    if (m.nonos) m.line('link is not valid');
    return null;
  }
  m.raw('\r\nOK\r\n');
  m.hook('before-prompt');
  m.raw(m.nonos ? '> ' : '\r\n>');
  const received = m.receiveData(len);
  m.hook('after-prompt');
  const data = await received;
  const fail = m.failNextSend;
  m.failNextSend = false;
  const sent = !fail && (await m.guard(m.links.send(link, data)));
  await m.sleep(m.o.timing.sendOkDelayMs);
  return sent ? 'SEND OK' : 'SEND FAIL';
};

function closeOne(m: ModemCore, id: number): Result {
  if (!m.links.get(id)) {
    if (m.nonos) m.line('UNLINK');
    return 'ERROR';
  }
  if (m.links.close(id)) m.linkUrc(id, 'CLOSED');
  return 'OK';
}

/** Id 5 closes every link. */
const cipclose: Handler = (m, cmd) => {
  if (!m.s.mux) return cmd.form === 'exec' ? closeOne(m, 0) : null;
  const id = cmd.form === 'set' && cmd.params.length === 1 ? intParam(cmd, 0, 0, LINK_COUNT) : undefined;
  if (id === undefined) return null;
  if (id < LINK_COUNT) return closeOne(m, id);
  for (const link of m.links.inUse()) {
    if (m.links.close(link.id)) m.linkUrc(link.id, 'CLOSED');
  }
  return 'OK';
};

const cipserver: Handler = async (m, cmd) => {
  if (cmd.form === 'query' && !m.nonos) {
    const port = m.links.serverPort;
    m.line(port === null ? '+CIPSERVER:0' : `+CIPSERVER:1,${port},"TCP",0`);
    return 'OK';
  }
  if (cmd.form !== 'set' || cmd.params.length > 2) return null;
  const mode = intParam(cmd, 0, 0, 1);
  const second = cmd.params.length === 2 && cmd.params[1].kind !== 'none';
  if (mode === 1) {
    const port = second ? intParam(cmd, 1, 1, 65535) : DEFAULT_SERVER_PORT;
    if (!m.s.mux || port === undefined || m.links.serverPort !== null) return null;
    return (await m.guard(m.links.listen(port))) ? 'OK' : null;
  }
  if (mode !== 0) return null;
  // ESP-AT: second parameter 1 also closes the server's client links (default: they stay).
  const closeAll = !m.nonos && second ? intParam(cmd, 1, 0, 1) : 0;
  if (closeAll === undefined) return null;
  if (m.links.serverPort === null) {
    if (m.nonos) m.line('no change');
    return 'OK';
  }
  m.links.unlisten();
  if (closeAll) {
    for (const link of m.links.inUse()) {
      if (link.fromServer && m.links.close(link.id)) m.linkUrc(link.id, 'CLOSED');
    }
  }
  return 'OK';
};

const cipservermaxconn: Handler = (m, cmd) => {
  if (cmd.form === 'query') {
    m.line(`+CIPSERVERMAXCONN:${m.s.maxConn}`);
    return 'OK';
  }
  const n = cmd.form === 'set' && cmd.params.length === 1 ? intParam(cmd, 0, 1, LINK_COUNT) : undefined;
  if (n === undefined || m.links.serverPort !== null) return null;
  m.s.maxConn = n;
  return 'OK';
};

const cipsto: Handler = (m, cmd) => {
  if (cmd.form === 'query') {
    m.line(`+CIPSTO:${m.s.cipsto}`);
    return 'OK';
  }
  const s = cmd.form === 'set' && cmd.params.length === 1 ? intParam(cmd, 0, 0, 7200) : undefined;
  if (s === undefined) return null;
  m.s.cipsto = s;
  m.links.touchAll();
  return 'OK';
};

function linkLines(m: ModemCore, prefix: string): void {
  for (const link of m.links.inUse()) {
    if (link.state !== 'open') continue;
    m.line(`${prefix}:${link.id},"TCP","${link.raddr}",${link.rport},${link.lport},${link.fromServer ? 1 : 0}`);
  }
}

const cipstatus: Handler = (m, cmd) => {
  if (cmd.form !== 'exec') return null;
  const open = m.links.inUse().some((l) => l.state === 'open');
  const status = m.s.wifi !== 'connected' ? 5 : open ? 3 : m.s.hadLinks ? 4 : 2;
  m.line(`STATUS:${status}`);
  linkLines(m, '+CIPSTATUS');
  return 'OK';
};

const cipstate: Handler = (m, cmd) => {
  if (m.nonos || cmd.form !== 'query') return null;
  linkLines(m, '+CIPSTATE');
  return 'OK';
};

const cipdomain: Handler = async (m, cmd) => {
  if (cmd.form !== 'set' || cmd.params.length < 1 || cmd.params.length > 2) return null;
  const name = strParam(cmd, 0, 64);
  if (!name) return null;
  if (m.s.wifi !== 'connected') return dnsFail(m);
  const ip = await m.guard(resolveHost(m, name));
  if (!ip) return dnsFail(m);
  m.line(m.nonos ? `+CIPDOMAIN:${ip}` : `+CIPDOMAIN:"${ip}"`);
  return 'OK';
};

const cipdinfo: Handler = (m, cmd) => {
  const on = cmd.form === 'set' && cmd.params.length === 1 ? intParam(cmd, 0, 0, 1) : undefined;
  if (on === undefined) return null;
  m.s.dinfo = on === 1;
  return 'OK';
};

const ciprecvmode: Handler = (m, cmd) => {
  if (cmd.form === 'query') {
    m.line(`+CIPRECVMODE:${m.s.recvMode}`);
    return 'OK';
  }
  const mode = cmd.form === 'set' && cmd.params.length === 1 ? intParam(cmd, 0, 0, 1) : undefined;
  if (mode === undefined) return null;
  m.s.recvMode = mode as 0 | 1;
  if (mode === 0) m.afterResult(() => m.links.flushPassive());
  return 'OK';
};

/** Passive mode read. NonOS `+CIPRECVDATA,<n>:<data>`; ESP-AT `+CIPRECVDATA:<n>,["ip",port,]<data>`. */
const ciprecvdata: Handler = (m, cmd) => {
  if (cmd.form !== 'set' || m.s.recvMode !== 1 || cmd.params.length !== 1 + m.s.mux) return null;
  const id = m.s.mux ? intParam(cmd, 0, 0, LINK_COUNT - 1) : 0;
  const max = intParam(cmd, m.s.mux, 1, 2 ** 31 - 1);
  if (id === undefined || max === undefined) return null;
  const link = m.links.get(id);
  if (!link) {
    if (m.nonos) m.line('link is not valid');
    return null;
  }
  if (link.rxLen === 0) return null;
  const data = m.links.read(link, max);
  if (m.nonos) m.raw(`+CIPRECVDATA,${data.length}:`);
  else m.raw(`+CIPRECVDATA:${data.length},${m.s.dinfo ? `"${link.raddr}",${link.rport},` : ''}`);
  m.raw(data);
  m.afterResult(() => m.links.releaseIfDrained(link));
  return 'OK';
};

/** Unused links: empty on NonOS, -1 on ESP-AT. */
const ciprecvlen: Handler = (m, cmd) => {
  if (cmd.form !== 'query') return null;
  const lens = m.links.slots.map((l) => (l ? String(l.rxLen) : m.nonos ? '' : '-1'));
  m.line(`+CIPRECVLEN:${lens.join(',')}`);
  return 'OK';
};

export const tcpCommands: Record<string, Handler> = {
  CIPMUX: cipmux,
  CIPSTART: cipstart,
  CIPSTARTEX: cipstartex,
  CIPSEND: cipsend,
  CIPCLOSE: cipclose,
  CIPSERVER: cipserver,
  CIPSERVERMAXCONN: cipservermaxconn,
  CIPSTO: cipsto,
  CIPSTATUS: cipstatus,
  CIPSTATE: cipstate,
  CIPDOMAIN: cipdomain,
  CIPDINFO: cipdinfo,
  CIPRECVMODE: ciprecvmode,
  CIPRECVDATA: ciprecvdata,
  CIPRECVLEN: ciprecvlen,
};
