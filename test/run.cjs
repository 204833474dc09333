// Runs every test/**/*.test.ts with uvu (under `node --import tsx`), then makes sure the run ends: uvu itself waits for every
// open handle, so one failed test that left a child process or a server behind would hang CI.
// Anything still running after the last suite is reported and killed.
'use strict';
const { readdirSync, readFileSync } = require('node:fs');
const { parse } = require('uvu/parse');
const { run } = require('uvu/run');

const WATCHDOG_MS = 20 * 60 * 1000;

/** Every live process below this one (Linux /proc), deepest first. */
function descendants() {
  const children = new Map();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (!children.has(ppid)) children.set(ppid, []);
      children.get(ppid).push(Number(name));
    } catch {
      // the process ended while we looked
    }
  }
  const found = [];
  const walk = (pid) => {
    for (const child of children.get(pid) || []) {
      walk(child);
      found.push(child);
    }
  };
  walk(process.pid);
  return found;
}

function commandOf(pid) {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch {
    return '?';
  }
}

/** esbuild's service process lives as long as the process that used esbuild; that one is expected. */
const EXPECTED = /\/esbuild --service=/;

/** Kills what the tests left running; returns a line per unexpected process killed. */
function killLeftovers() {
  if (process.platform !== 'linux') return [];
  const report = [];
  for (const pid of descendants()) {
    const command = commandOf(pid);
    if (!EXPECTED.test(command)) report.push(`${pid} ${command}`);
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  return report;
}

function finish(code) {
  finished = true;
  const leftovers = killLeftovers();
  if (leftovers.length) {
    console.error(`\nTests left ${leftovers.length} process(es) running (killed):\n  ${leftovers.join('\n  ')}`);
  }
  process.exit(code);
}

let finished = false;
process.on('exit', () => {
  if (!finished) {
    console.error('\nThe test run stopped before its last suite finished (a test awaits something that can never happen).');
    process.exitCode = 1;
  }
});

(async () => {
  const watchdog = setTimeout(() => {
    console.error(`\nTest run exceeded ${WATCHDOG_MS / 60000} minutes; a test is hanging.`);
    finish(1);
  }, WATCHDOG_MS);
  watchdog.unref();
  const { suites } = await parse('test', /\.test\.ts$/, {});
  await run(suites, {});
  // uvu's summary counts the skipped tests; say why they were skipped (test/helpers/gated.ts).
  for (const [reason, count] of globalThis.__kalumaNetSkipped || []) console.log(`  (${count} skipped) ${reason}`);
  finish(process.exitCode || 0);
})().catch((err) => {
  console.error(err && err.stack ? err.stack : String(err));
  finish(1);
});
