import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { call, errnoByCode, ERRNO_CODES, netError, open, type NetError } from '../../runtime/netdev';
import { ERRNO, type Netdev } from '../../runtime/netdev-contract';

const g = globalThis as any;
const tick = () => new Promise((r) => setTimeout(r, 5));

/** A driver whose methods the test scripts; only what a test uses is filled in. */
function fake(over: Partial<Netdev>): Netdev {
  const d = { errno: 0, mac: '', ip: '127.0.0.1', get: () => null, ...over } as Netdev;
  g.__netdev = d;
  return d;
}

test.after.each(() => {
  delete g.__netdev;
});

/** The contract's table, read from its source: a const enum has no object to enumerate. */
const CONTRACT = [...readFileSync(join(__dirname, '../../runtime/netdev-contract.ts'), 'utf8').matchAll(/^\s+(E[A-Z]+) = (\d+),$/gm)].map(
  (m) => [m[1], Number(m[2])] as const,
);

test('the compact errno table agrees with the contract table, and every errno finds its code', () => {
  assert.ok(CONTRACT.length > 20);
  assert.is(CONTRACT.find(([code]) => code === 'ECONNREFUSED')?.[1], ERRNO.ECONNREFUSED);
  assert.is(ERRNO_CODES, CONTRACT.map(([code, n]) => code.slice(1) + n).join(''));
  const byCode = new Map<string, number>(CONTRACT);
  assert.equal([...errnoByCode()], [...byCode]);
  for (const [code, n] of CONTRACT) {
    assert.is(netError(n, 'x').code, code, `errno ${n}`);
    assert.is(netError(-n, 'x').code, code, `errno -${n}`);
  }
  for (let n = 1; n < 4000; n++) {
    const code = netError(n, 'x').code;
    assert.is(code === 'UNKNOWN' ? undefined : byCode.get(code), code === 'UNKNOWN' ? undefined : n, `errno ${n}`);
  }
});

test('netError: code, negative errno, syscall, address, port and a Node-style message, from either sign', () => {
  for (const n of [111, -111]) {
    const e = netError(n, 'connect', '127.0.0.1', 1234);
    assert.instance(e, Error);
    assert.is(e.message, 'connect ECONNREFUSED 127.0.0.1:1234');
    assert.is(e.code, 'ECONNREFUSED');
    assert.is(e.errno, -111);
    assert.is(e.syscall, 'connect');
    assert.is(e.address, '127.0.0.1');
    assert.is(e.port, 1234);
  }
  const r = netError(104, 'read');
  assert.is(r.message, 'read ECONNRESET');
  assert.not.ok('address' in r);
  assert.not.ok('port' in r);
});

test('netError: ENOTFOUND is a getaddrinfo error naming the host; unknown and zero errnos', () => {
  const e = netError(-3008, 'connect', 'nowhere.invalid', 80);
  assert.is(e.message, 'getaddrinfo ENOTFOUND nowhere.invalid');
  assert.is(e.syscall, 'getaddrinfo');
  assert.is(e.hostname, 'nowhere.invalid');
  assert.is(e.errno, -3008);
  assert.not.ok('address' in e);
  assert.is(netError(9999, 'write').code, 'UNKNOWN');
  assert.is(netError(9999, 'write').errno, -9999);
  assert.is(netError(0, 'write').code, 'EIO');
});

/** call('connect', ...) on a driver whose connect is `connect`: the one outcome, checked to come
 *  exactly once and never inside the call. */
async function outcome(connect: (d: Netdev, cb: (err: number) => void) => unknown) {
  const d = fake({ connect: (_fd, _host, _port, cb) => connect(d, cb) as void });
  const got: (NetError | null)[] = [];
  let returned = false;
  let early = false;
  call(
    'connect',
    [3, '127.0.0.1', 80],
    (e) => {
      if (!returned) early = true;
      got.push(e);
    },
    '127.0.0.1',
    80,
  );
  returned = true;
  await tick();
  assert.not.ok(early, 'never inside the call');
  assert.is(got.length, 1, 'exactly once');
  return got[0];
}

test('call(): the driver method gets the arguments and a callback', async () => {
  const calls: unknown[] = [];
  fake({ write: (fd, data, cb) => (calls.push([fd, data]), cb(0)) });
  const data = new Uint8Array([1]);
  let got: unknown = 'none';
  call('write', [4, data], (e) => (got = e));
  await tick();
  assert.equal(calls, [[4, data]]);
  assert.is(got, null);
  fake({ close: (_fd, cb) => cb(0) });
  call('close', [4]);
  await tick();
});

test('call(): a synchronous success arrives later, once', async () => {
  assert.is(
    await outcome((_d, cb) => {
      cb(0);
      cb(0);
    }),
    null,
  );
});

test("call(): a failing callback: the driver's errno (either sign) wins, else the callback's number", async () => {
  let e = await outcome((d, cb) => {
    d.errno = -111;
    cb(-1);
  });
  assert.is(e!.code, 'ECONNREFUSED');
  assert.is(e!.message, 'connect ECONNREFUSED 127.0.0.1:80');
  e = await outcome((_d, cb) => setTimeout(() => cb(110), 1));
  assert.is(e!.code, 'ETIMEDOUT');
  e = await outcome((d, cb) => {
    d.errno = 113;
    cb(1);
  });
  assert.is(e!.code, 'EHOSTUNREACH');
});

test('call(): a returned negative number fails (a later callback is ignored)', async () => {
  const e = await outcome((d, cb) => {
    d.errno = 101;
    setTimeout(() => cb(0), 1);
    return -1;
  });
  assert.is(e!.code, 'ENETUNREACH');
});

test('call(): thrown exceptions: their own errno (SystemError style), else EIO', async () => {
  let e = await outcome(() => {
    throw Object.assign(new Error('reset'), { errno: -104 });
  });
  assert.is(e!.code, 'ECONNRESET');
  e = await outcome(() => {
    throw new Error('WiFi is not connected.');
  });
  assert.is(e!.code, 'EIO');
  assert.is(e!.syscall, 'connect');
});

test("call(): bind's errors are listen's (as Node reports them)", async () => {
  fake({ bind: (_fd, _a, _p, cb) => cb(98) });
  let got: NetError | null = null;
  call('bind', [1, '0.0.0.0', 80], (e) => (got = e), '0.0.0.0', 80);
  await tick();
  assert.is(got!.syscall, 'listen');
  assert.is(got!.code, 'EADDRINUSE');
  assert.is(got!.address, '0.0.0.0');
});

test('call(): an asynchronous callback is delivered straight away', async () => {
  let cb!: (err: number) => void;
  fake({ write: (_fd, _data, k) => void (cb = k) });
  let got: unknown = 'none';
  call('write', [0, new Uint8Array(1)], (e) => (got = e));
  await tick();
  cb(0);
  assert.is(got, null);
});

test('open(): an fd, or the error for -1 with errno, or for a throw', () => {
  fake({ socket: () => 3 });
  assert.is(open(), 3);
  fake({
    socket(this: Netdev) {
      this.errno = ERRNO.EMFILE;
      return -1;
    },
  });
  const e = open() as NetError;
  assert.is(e.code, 'EMFILE');
  assert.is(e.message, 'socket EMFILE');
  fake({
    socket: () => {
      throw new TypeError('WiFi is not connected.');
    },
  });
  assert.is((open() as NetError).code, 'EIO');
});

test.run();
