// The shared behaviour scripts (test/behaviour/scripts) on our runtime with this driver in front of
// the modem emulator, both dialects, in plain Node: the event log must equal Node's own net.
// Scripts that rely on TCP half-close cannot match on AT firmware (AT+CIPCLOSE closes both ways).

import { build } from 'esbuild';
import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { freePort, RUNTIME_ALIASES, runBehaviour, runInNode, SCRIPTS_DIR, type BehaviourLog } from '../behaviour/runner';

/** Why a script cannot give Node's log on this modem. */
const DIFFERENT_BY_DESIGN: Record<string, string> = {
  'half-close.js': 'it keeps writing after the peer ended, and reads after its own end()',
  'backpressure.js': 'its echo client reads the echo after its own end()',
  'server-close.js': "the client's end() closes at once, so its 'close' comes before the server side's",
};
/** Scripts whose client end()s right after writing what the server echoes: the echo races the link's
 *  close (AT+CIPCLOSE closes both ways), so the server may get the documented EPIPE instead. */
const ECHO_RACES_CLOSE = new Set(['binary.js']);
const DIALECTS = ['nonos', 'esp-at'];
const ROOT = resolve(__dirname, '../..');

async function bundle(script: string, port: number, dialect: string): Promise<string> {
  const setup = join(__dirname, 'setup', dialect + '.ts');
  const r = await build({
    stdin: { contents: `import ${JSON.stringify(setup)};\nimport ${JSON.stringify(script)};\n`, resolveDir: ROOT, loader: 'js' },
    bundle: true,
    write: false,
    platform: 'node',
    format: 'cjs',
    target: 'es2019',
    external: ['uart'],
    define: { __PORT__: String(port) },
    resolveExtensions: ['.ts', '.js'],
    logLevel: 'silent',
    plugins: [
      {
        name: 'runtime-modules',
        setup(b) {
          b.onResolve({ filter: /^(net|events|stream)$/ }, (a) => ({ path: RUNTIME_ALIASES[a.path] }));
        },
      },
    ],
  });
  return r.outputFiles[0].text;
}

const scripts = readdirSync(SCRIPTS_DIR)
  .filter((f) => f.endsWith('.js') && !(f in DIFFERENT_BY_DESIGN))
  .sort();
const results = new Map<string, Promise<BehaviourLog>>();

test.before(async () => {
  const jobs: [string, string][] = scripts.flatMap((s) => ['node', ...DIALECTS].map((m) => [s, m] as [string, string]));
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const [s, mode] = jobs[next++];
      const script = join(SCRIPTS_DIR, s);
      const p =
        mode === 'node'
          ? runBehaviour(script, 'node')
          : freePort().then((port) => bundle(script, port, mode)).then((code) => runInNode(code, 30000));
      results.set(`${s} ${mode}`, p);
      await p.catch(() => undefined);
    }
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
});

const compared = (log: BehaviourLog) => Object.fromEntries(Object.entries(log).filter(([k]) => !k.startsWith('~')));

for (const s of scripts) {
  test(`${s}: the log on the emulated ESP-01 (both dialects) equals Node's`, async () => {
    const node = await results.get(`${s} node`)!;
    for (const d of DIALECTS) {
      const ours = await results.get(`${s} ${d}`)!.catch((e: Error) => {
        if (ECHO_RACES_CLOSE.has(s) && /Error: write EPIPE/.test(e.message)) return null;
        throw e;
      });
      if (ours) assert.equal(compared(ours), compared(node), d);
    }
  });
}

test.run();
