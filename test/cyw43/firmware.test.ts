// What module_pico_cyw43.c does that only shows with a board-like loop: lwIP polled inside
// blocking calls, a freed pcb the firmware still points at, errors of the board's realm.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import net from 'node:net';
import type { Realm } from '../../cli/emulate/devices';
import { bootPicoW, createPicoCyw43Module, Cyw43Air } from '../../cli/emulate/cyw43';
import { AP, FAST, freePort, hostServer, joinWifi, sleep, waitFor, type AnyDev } from './harness';

/** A realm like the sandbox's: network events wait for the loop's network step (here: poll()). */
function loopRealm() {
  const queue: (() => void)[] = [];
  class BoardError extends Error {}
  const realm: Realm & { poll(): void; pending(): number } = {
    bytes: (b) => Uint8Array.from(b),
    callback: (fn) => void queue.push(fn),
    pollNetwork: () => realm.poll(),
    makeError: (kind, message) => Object.assign(new BoardError(message), { name: kind }),
    poll() {
      for (const fn of queue.splice(0)) fn();
    },
    pending: () => queue.length,
  };
  return { realm, BoardError };
}

function board(log: string[] = []) {
  const { realm, BoardError } = loopRealm();
  const air = new Cyw43Air({ networks: [AP], timing: FAST, log: (l) => log.push(l) });
  const global: Record<string, unknown> = {};
  bootPicoW(global, createPicoCyw43Module(realm, air));
  return { realm, BoardError, air, wifi: global.__ieee80211dev as AnyDev, netdev: global.__netdev as AnyDev, log };
}

test('wifi.scan() polls lwIP while it waits: network events already received run inside the call', async () => {
  const b = board();
  const server = await hostServer();
  joinWifi(b.wifi);
  const fd = b.netdev.socket('PF_INET', 'STREAM');
  const order: string[] = [];
  b.netdev.get(fd).connect_cb = () => order.push('connected');
  b.netdev.connect(fd, '127.0.0.1', server.port, () => {});
  await waitFor('the handshake event queued', () => b.realm.pending() > 0);
  b.wifi.scan(() => order.push('scan done'));
  assert.equal(order, ['connected', 'scan done']);
  await server.close();
  b.air.close();
});

test('a host-name lookup polls lwIP too', async () => {
  const b = board();
  const server = await hostServer();
  joinWifi(b.wifi);
  const first = b.netdev.socket('PF_INET', 'STREAM');
  const order: string[] = [];
  b.netdev.get(first).connect_cb = () => order.push('first connected');
  b.netdev.connect(first, '127.0.0.1', server.port, () => {});
  await waitFor('the handshake event queued', () => b.realm.pending() > 0);
  const second = b.netdev.socket('PF_INET', 'STREAM');
  b.netdev.connect(second, 'localhost', server.port, () => order.push('lookup returned'));
  assert.equal(order, ['first connected', 'lookup returned']);
  await server.close();
  b.air.close();
});

test('a refused connection: lwIP frees the pcb, the firmware keeps it; closing it is reported as the use-after-free it is', async () => {
  const log: string[] = [];
  const b = board(log);
  const port = await freePort();
  joinWifi(b.wifi);
  const fd = b.netdev.socket('PF_INET', 'STREAM');
  b.netdev.connect(fd, '127.0.0.1', port, () => {});
  await sleep(100);
  b.realm.poll();
  b.netdev.write(fd, ''); // the probe the adapter uses: reads the pcb's state only
  assert.is(b.netdev.errno, -1);
  assert.equal(log, []);
  b.netdev.close(fd);
  assert.is(log.length, 1);
  assert.match(log[0], /close\(0\) on a connection lwIP already freed \(refused or reset/);
  b.air.close();
});

test("Nagle stays on: the emulated board's TCP never sets no-delay (the firmware never sets TF_NODELAY)", async () => {
  const calls: unknown[] = [];
  const original = net.Socket.prototype.setNoDelay;
  net.Socket.prototype.setNoDelay = function (this: net.Socket, ...a: unknown[]) {
    calls.push(a[0]);
    return original.apply(this, a as [boolean?]);
  };
  try {
    const b = board();
    const server = await hostServer();
    joinWifi(b.wifi);
    const fd = b.netdev.socket('PF_INET', 'STREAM');
    b.netdev.connect(fd, '127.0.0.1', server.port, () => {});
    await waitFor('connected', () => server.sockets.length === 1);
    b.realm.poll();
    b.netdev.write(fd, 'x');
    assert.ok(!calls.includes(true) && !calls.includes(undefined), `setNoDelay calls: ${calls}`);
    await server.close();
    b.air.close();
  } finally {
    net.Socket.prototype.setNoDelay = original;
  }
});

test("the natives' errors are made in the board's realm", () => {
  const b = board();
  try {
    b.netdev.socket('PF_INET', 'STREAM');
    assert.unreachable('no link yet');
  } catch (e) {
    assert.ok(e instanceof b.BoardError, 'an error of the board realm');
    assert.is((e as Error).message, 'WiFi is not connected.');
  }
  try {
    b.netdev.write();
    assert.unreachable();
  } catch (e) {
    assert.ok(e instanceof b.BoardError);
    assert.is((e as Error).name, 'TypeError');
  }
  b.air.close();
});

test.run();
