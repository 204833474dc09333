// dns.lookup through each target's resolver, run by the real CLI: the host's (Node's dns.lookup),
// sim's, and every board driver's against its emulated hardware (`run --emulate`). Names resolve to
// the loopback only: 'localhost', and names no resolver can have. On the host such a name must fail
// without a query leaving the machine: a label over 63 characters is refused by getaddrinfo itself.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createServer, type Server } from 'node:net';
import { cliAsync, project } from '../helpers/cli';

const NO_SUCH_NAME = 'x'.repeat(64) + '.invalid';

const PROGRAM = `import { lookup } from 'dns';
import { createConnection } from 'net';
const out = [];
const done = () => console.log('DNS ' + JSON.stringify(out));
lookup('localhost', (e, address, family) => {
  out.push(e ? e.code : address + '/' + family);
  lookup(NAMES[0], (e) => {
    out.push(e ? [e.code, e.syscall, e.hostname, e.message].join('|') : 'resolved?');
    lookup(NAMES[1], { all: true }, (e, all) => {
      out.push(e ? e.code : all);
      if (!PORT) return done();
      // The answer is an address connect() takes.
      const s = createConnection(PORT, address);
      s.on('data', (d) => out.push('got ' + d.length));
      s.on('close', done);
    });
  });
});
`;

/** Without net: the program needs the driver for its resolver all the same. */
const DNS_ONLY = `import { lookup } from 'dns';
const out = [];
lookup('10.1.2.3', (e, a) => {
  out.push(a);
  lookup('localhost', (e, a) => {
    out.push(e ? e.code + '|' + e.message : a);
    console.log('DNS ' + JSON.stringify(out));
  });
});
`;

async function run(target: string, names: string[], port: number, program?: string): Promise<unknown[]> {
  const dir = project({ 'app.js': program ?? `const NAMES = ${JSON.stringify(names)};\nconst PORT = ${port};\n${PROGRAM}` });
  const args = ['run', 'app.js', '--target', target, ...(['host', 'sim', 'pico'].includes(target) ? [] : ['--emulate'])];
  const p = cliAsync(args, dir, {}, 60000);
  try {
    await p.waitFor('DNS [', 40000);
    await p.waitFor(']\n', 5000);
  } finally {
    p.child.kill('SIGINT');
  }
  await p.done;
  const line = p.stdout.split('\n').find((l) => l.includes('DNS ['))!;
  return JSON.parse(line.slice(line.indexOf('DNS [') + 4));
}

let server: Server;
let port = 0;
test.before(async () => {
  server = createServer((s) => s.end('hello'));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as { port: number }).port;
});
test.after(() => new Promise<void>((r) => server.close(() => r())));

const notFound = (name: string) => `ENOTFOUND|getaddrinfo|${name}|getaddrinfo ENOTFOUND ${name}`;

test("host: Node's resolver, IPv4", async () => {
  assert.equal(await run('host', [NO_SUCH_NAME, 'localhost'], port), ['127.0.0.1/4', notFound(NO_SUCH_NAME), [{ address: '127.0.0.1', family: 4 }], 'got 5']);
});

test("sim: 'localhost' is the one name of its network", async () => {
  assert.equal(await run('sim', ['nowhere.invalid', 'localhost'], 0), ['127.0.0.1/4', notFound('nowhere.invalid'), [{ address: '127.0.0.1', family: 4 }]]);
});

for (const target of ['w5500-evb-pico', 'pico-w', 'pico-esp01']) {
  test(`${target}: the driver's resolver on the emulated network (its DNS knows 'localhost')`, async () => {
    assert.equal(await run(target, ['nowhere.invalid', NO_SUCH_NAME], port), ['127.0.0.1/4', notFound('nowhere.invalid'), 'ENOTFOUND', 'got 5']);
  });
}

test('a program using dns and not net gets the driver for its resolver; a target without a network says so', async () => {
  assert.equal(await run('w5500-evb-pico', [], 0, DNS_ONLY), ['10.1.2.3', '127.0.0.1']);
  assert.equal(await run('pico', [], 0, DNS_ONLY), ['10.1.2.3', 'ENOSYS|getaddrinfo ENOSYS localhost: no resolver on this target']);
});

test.run();
