import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { W5500Chip, type W5500Options } from '../../cli/emulate/w5500';
import { bytes, freePort, tcpClient } from './host-peers';
import { CR, IRB, S, SR, SpiHost, sleep, waitFor } from './spi-host';

const PORT = 8080;

function setup(options: W5500Options = {}): { chip: W5500Chip; host: SpiHost } {
  const chip = new W5500Chip({ mapListenPort: () => 0, ...options });
  const host = new SpiHost(chip);
  host.configure();
  return { chip, host };
}

/** §10 server: open with the listen port, LISTEN, check the state. */
function listen(host: SpiHost, n: number, port = PORT): void {
  host.open(n, 'tcp', port);
  host.command(n, CR.LISTEN);
  assert.is(host.status(n), SR.LISTEN);
}

async function hostPort(chip: W5500Chip, port = PORT): Promise<number> {
  return (await waitFor('host server', () => chip.listenAddress(port))).port;
}

function track(host: SpiHost, n: number, until: number): Promise<number[]> {
  const states: number[] = [];
  return waitFor(`S${n} SR 0x${until.toString(16)}`, () => {
    const sr = host.status(n);
    if (states[states.length - 1] !== sr) states.push(sr);
    return sr === until && states;
  });
}

test('LISTEN accepts a host client: SYNRECV, ESTABLISHED + CON, peer in DIPR/DPORT, data both ways', async () => {
  const { chip, host } = setup();
  listen(host, 0);
  const client = tcpClient(await hostPort(chip));
  await client.connected;
  assert.equal(await track(host, 0, SR.ESTABLISHED), [SR.SYNRECV, SR.ESTABLISHED]);
  assert.is(host.s8(0, S.IR) & IRB.CON, IRB.CON);
  host.clearIr(0, IRB.CON);
  assert.equal(Array.from(host.read(1, S.DIPR, 4)), [127, 0, 0, 1]);
  assert.is(host.s16(0, S.DPORT), client.socket.localPort);
  client.socket.write('ping');
  assert.equal(Buffer.from(await host.receiveExactly(0, 4)).toString(), 'ping');
  await host.send(0, new TextEncoder().encode('pong'));
  await waitFor('client data', () => client.received().toString() === 'pong');
  assert.equal(chip.warnings, []);
  client.socket.destroy();
  chip.close();
});

test('two sockets listening on one port take one client each; with none left, clients are refused', async () => {
  const { chip, host } = setup();
  listen(host, 0);
  listen(host, 1);
  const port = await hostPort(chip);
  const a = tcpClient(port);
  await track(host, 0, SR.ESTABLISHED);
  assert.is(host.status(1), SR.LISTEN);
  const b = tcpClient(port);
  await track(host, 1, SR.ESTABLISHED);
  assert.is(host.s16(1, S.DPORT), (await b.connected, b.socket.localPort));
  assert.is(host.s16(0, S.DPORT), a.socket.localPort);
  const c = tcpClient(port);
  assert.is(await c.ended, 'ECONNREFUSED');
  // the driver opens another listener on the port: clients get through again
  listen(host, 2);
  const d = tcpClient(await hostPort(chip));
  await track(host, 2, SR.ESTABLISHED);
  for (const x of [a, b, d]) x.socket.destroy();
  chip.close();
});

test('a listener on the real port number (default mapping); nobody listening → refused', async () => {
  const port = await freePort();
  const { chip, host } = setup({ mapListenPort: undefined });
  const early = tcpClient(port);
  assert.is(await early.ended, 'ECONNREFUSED');
  listen(host, 3, port);
  assert.equal(await hostPort(chip, port), port);
  const client = tcpClient(port);
  await track(host, 3, SR.ESTABLISHED);
  client.socket.destroy();
  chip.close();
});

test('clients racing for one listener: one is accepted, the other reset or refused', async () => {
  const { chip, host } = setup();
  listen(host, 0);
  const port = await hostPort(chip);
  const clients = [tcpClient(port), tcpClient(port)];
  await track(host, 0, SR.ESTABLISHED);
  const endings = await Promise.race([Promise.any(clients.map((c) => c.ended)), sleep(1000).then(() => 'none')]);
  assert.ok(endings === 'ECONNRESET' || endings === 'ECONNREFUSED', endings);
  for (const c of clients) c.socket.destroy();
  chip.close();
});

test('half-close: peer FIN → CLOSE_WAIT + DISCON, data still readable and sendable; DISCON → LAST_ACK → CLOSED', async () => {
  const { chip, host } = setup();
  listen(host, 0);
  const client = tcpClient(await hostPort(chip));
  await track(host, 0, SR.ESTABLISHED);
  client.socket.end('last words');
  await track(host, 0, SR.CLOSE_WAIT);
  assert.is(host.s8(0, S.IR) & IRB.DISCON, IRB.DISCON);
  assert.equal(Buffer.from(await host.receiveExactly(0, 10)).toString(), 'last words');
  await host.send(0, new TextEncoder().encode('reply'));
  await waitFor('reply', () => client.received().toString() === 'reply');
  host.command(0, CR.DISCON);
  assert.equal(await track(host, 0, SR.CLOSED), [SR.LAST_ACK, SR.CLOSED]);
  assert.is(await client.ended, 'end');
  assert.equal(chip.warnings, []);
  chip.close();
});

test('a client that sends and closes before the driver looks: the socket is found in CLOSE_WAIT with the data', async () => {
  const { chip, host } = setup({ transientPolls: 0 });
  listen(host, 0);
  const client = tcpClient(await hostPort(chip));
  client.socket.end(Buffer.from(bytes(50)));
  await client.connected;
  await sleep(30);
  assert.is(host.status(0), SR.CLOSE_WAIT);
  assert.is(host.s8(0, S.IR), IRB.CON | IRB.DISCON | IRB.RECV);
  assert.equal(Array.from(host.receive(0)), Array.from(bytes(50)));
  host.command(0, CR.DISCON);
  assert.is(host.status(0), SR.CLOSED);
  assert.is(await client.ended, 'end');
  chip.close();
});

test('CLOSE aborts silently: the peer learns only when it sends (RST); the listener stops', async () => {
  const { chip, host } = setup();
  listen(host, 0);
  const port = await hostPort(chip);
  const client = tcpClient(port);
  await track(host, 0, SR.ESTABLISHED);
  host.command(0, CR.CLOSE);
  assert.is(host.status(0), SR.CLOSED);
  await sleep(20);
  client.socket.write('anyone?');
  assert.is(await client.ended, 'ECONNRESET');
  chip.close();
});

test('LISTEN before SIPR is set: the socket listens but nothing can reach it (warning)', async () => {
  const chip = new W5500Chip({ mapListenPort: () => 0 });
  const host = new SpiHost(chip);
  listen(host, 0);
  await sleep(10);
  assert.is(chip.listenAddress(PORT), null);
  assert.ok(chip.warnings.some((w) => w.includes('LISTEN on port 8080 with SIPR 0.0.0.0')));
  chip.close();
});

test('close(): host servers go away', async () => {
  const { chip, host } = setup();
  listen(host, 0);
  const port = await hostPort(chip);
  chip.close();
  assert.is(chip.listenAddress(PORT), null);
  assert.is(await tcpClient(port).ended, 'ECONNREFUSED');
});

test.run();
