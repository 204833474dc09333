// What our code costs of the board's JerryScript heap (180 KB on RP2040), beside the goals:
//  1. the runtime alone (built for target host: no driver), client-only and full: on the real engine
//     (KALUMA_NET_TEST_JERRY: JerryScript 2.4 with Kaluma's flags), the peak while loading it above the
//     peak of an empty program (`jerry --mem-stats`); on the real firmware, process.memoryUsage().heapPeak
//     at its end above the empty program's;
//  2. every template on every board network target: the build's estimate, the real engine's peak while
//     parsing (`jerry --mem-stats --parse-only`: the whole program is compiled before its first line
//     runs) and, on the real firmware in the rp2040 bench (KALUMA_NET_TEST_FIRMWARE,
//     KALUMA_NET_TEST_BOOTROM, KALUMA_NET_TEST_RP2040_BENCH; the bench has no CYW43, so not pico-w),
//     heapPeak at the first line above the empty program's and millis() there (time since reset).
// Figures the environment cannot give are printed as "-" with the reason once.
// Run: node bench/heap.mjs [--readme]   (--readme: also rewrites README.md's heap table from these figures)
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/cjs/api';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
register();
const require = createRequire(import.meta.url);
const { build } = require(join(ROOT, 'cli/pipeline/build.ts'));

const JERRY = process.env.KALUMA_NET_TEST_JERRY;
const FIRMWARE = process.env.KALUMA_NET_TEST_FIRMWARE;
const BOOTROM = process.env.KALUMA_NET_TEST_BOOTROM;
const BENCH = process.env.KALUMA_NET_TEST_RP2040_BENCH;
const README = process.argv.includes('--readme');

const KB = 1024;
const RUNTIME_GOALS = { client: 8 * KB, full: 12 * KB };
const TEMPLATE_GOALS = { 'pico-w': 20 * KB, 'pico2-w': 20 * KB, 'pico-esp01': 30 * KB, 'w5500-evb-pico': 30 * KB };
const FIRST_LINE_GOAL_MS = 600;
const TARGETS = Object.keys(TEMPLATE_GOALS);
const TEMPLATES = ['tcp-client', 'tcp-echo-server', 'http-hello'];
const FIXTURES = join(ROOT, 'test/fixtures/engine/memory');
const GLOBAL_ONLY = join(ROOT, 'test/engine/shell/global.js');
const WIFI = { ssid: 'lab', password: 'lab-password' };

const scratch = mkdtempSync(join(tmpdir(), 'kaluma-net-heap-'));
process.on('exit', () => rmSync(scratch, { recursive: true, force: true }));

const kb = (n) => (n === undefined ? '-' : (n / KB).toFixed(1));
const verdict = (n, goal) => (n === undefined ? '' : n <= goal ? 'ok' : 'MISSED');

function jerryPeak(args) {
  const r = spawnSync(JERRY, ['--mem-stats', ...args], { encoding: 'utf8', timeout: 20000 });
  const m = /^\s*Peak allocated = (\d+) bytes$/m.exec(r.stderr);
  if (r.status !== 0 || !m) throw new Error(`jerry ${args.join(' ')}: exit ${r.status}\n${r.stdout}${r.stderr}`);
  return Number(m[1]);
}

const PROBE = `print('KN-MEM '+JSON.stringify(process.memoryUsage())+' '+millis());`;

/** Runs `program` on the real firmware; returns { used, peak, ms } at the probe line. */
function firmware(name, program) {
  const js = join(scratch, name + '.fw.js');
  const uf2 = join(scratch, name + '.uf2');
  writeFileSync(js, program);
  const mk = spawnSync(process.execPath, [join(BENCH, 'uf2.mjs'), '--program-file', js, uf2], { encoding: 'utf8' });
  if (mk.status !== 0) throw new Error(`uf2.mjs ${name}: ${mk.stderr}`);
  const args = [join(BENCH, 'bench.mjs'), '--firmware', FIRMWARE, '--program', uf2, '--expect', 'KN-MEM [^\\n]*\\d\\r?\\n', '--timeout', '300'];
  if (BOOTROM) args.push('--bootrom', BOOTROM);
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', timeout: 330000 });
  const m = /KN-MEM (\{[^}]*\}) (\d+)/.exec(r.stdout);
  if (r.status !== 0 || !m) throw new Error(`rp2040 bench, ${name}: exit ${r.status}\n${r.stdout.slice(-2000)}${r.stderr.slice(-2000)}`);
  const mem = JSON.parse(m[1]);
  return { used: mem.heapUsed, peak: mem.heapPeak, ms: Number(m[2]) };
}

async function program(cwd, entry, target, define) {
  return build({ cwd, entry, target, formats: ['js'], write: false, wifi: WIFI, define });
}

function skipReasons() {
  const out = [];
  if (!JERRY) out.push('engine figures need KALUMA_NET_TEST_JERRY (JerryScript 2.4 `jerry` built with Kaluma\'s flags)');
  if (!(FIRMWARE && BENCH)) out.push('firmware figures need KALUMA_NET_TEST_FIRMWARE, KALUMA_NET_TEST_RP2040_BENCH (and KALUMA_NET_TEST_BOOTROM)');
  return out;
}

async function runtimeRows() {
  const rows = [];
  const built = {};
  for (const name of ['empty', 'client', 'full']) built[name] = (await program(FIXTURES, `${name}.js`, 'host')).program;
  const engine = {};
  const fw = {};
  if (JERRY) {
    for (const name of Object.keys(built)) engine[name] = jerryPeak([GLOBAL_ONLY, writeProgram(`rt-${name}`, built[name])]);
  }
  if (FIRMWARE && BENCH) {
    for (const name of Object.keys(built)) fw[name] = firmware(`rt-${name}`, built[name] + PROBE + '\n');
  }
  for (const name of ['client', 'full']) {
    rows.push({
      what: name === 'client' ? 'client-only' : 'full (client + server)',
      size: built[name].length - built.empty.length,
      engine: JERRY ? engine[name] - engine.empty : undefined,
      firmware: fw[name] ? fw[name].peak - fw.empty.peak : undefined,
      goal: RUNTIME_GOALS[name],
    });
  }
  return rows;
}

function writeProgram(name, text) {
  const file = join(scratch, name + '.js');
  writeFileSync(file, text);
  return file;
}

async function templateRows() {
  const rows = [];
  const fwEmpty = FIRMWARE && BENCH ? firmware('empty', PROBE + '\n') : undefined;
  for (const target of TARGETS) {
    for (const tpl of TEMPLATES) {
      const r = await program(join(ROOT, 'templates', tpl, 'js'), 'src/index.js', target);
      const row = { target, template: tpl, size: r.program.length, estimate: r.heap.parse, goal: TEMPLATE_GOALS[target] };
      if (JERRY) row.engine = jerryPeak(['--parse-only', writeProgram(`${target}-${tpl}`, r.program)]);
      // The bench emulates a plain Pico (no CYW43): the Wi-Fi targets cannot run there.
      if (fwEmpty && target !== 'pico-w' && target !== 'pico2-w') {
        const f = firmware(`${target}-${tpl}`, PROBE + r.program);
        row.firmware = f.peak - fwEmpty.peak;
        row.firstLineMs = f.ms;
      }
      rows.push(row);
      process.stderr.write('.');
    }
  }
  process.stderr.write('\n');
  return { rows, emptyMs: fwEmpty && fwEmpty.ms, emptyPeak: fwEmpty && fwEmpty.peak };
}

/** What one compile-time switch of a driver costs: a template with the switch forced on, less the
 *  same template with it off (cli/bundle/features.ts). */
const FEATURES = [
  { label: 'whole driver (tcp-client: target less host)', template: 'tcp-client' },
  { label: 'server part (KN_SERVER)', template: 'tcp-client', on: { 'globalThis.KN_SERVER': 'true' } },
  { label: 'client part (KN_CLIENT)', template: 'tcp-echo-server', on: { 'globalThis.KN_CLIENT': 'true' } },
  { label: 'resolver for dns.lookup (KN_DNS)', template: 'tcp-client', on: { 'globalThis.KN_DNS': 'true' } },
  { label: 'DHCP (KN_DHCP)', template: 'tcp-client', off: { 'globalThis.KN_DHCP': 'false' }, only: 'w5500-evb-pico' },
  { label: 'errmsg sentences (KN_ERRMSG)', template: 'tcp-client', on: { 'globalThis.KN_ERRMSG': 'true' } },
];

async function featureRows() {
  const rows = [];
  const measure = async (tpl, target, define) => {
    const r = await program(join(ROOT, 'templates', tpl, 'js'), 'src/index.js', target, define);
    return JERRY ? jerryPeak(['--parse-only', writeProgram(`feature-${target}-${tpl}`, r.program)]) : r.program.length;
  };
  for (const target of ['pico-w', 'pico-esp01', 'w5500-evb-pico']) {
    for (const f of FEATURES) {
      if (f.only && f.only !== target) continue;
      const base = f.on || f.off ? await measure(f.template, target, f.off) : await measure(f.template, 'host');
      const withIt = await measure(f.template, target, f.on);
      rows.push({ target, label: f.label, cost: withIt - base });
    }
  }
  return rows;
}

function printFeatures(rows) {
  console.log(`driver parts (${JERRY ? 'engine: peak while parsing' : 'no engine: bytes of program'}; with the part less without):`);
  for (const r of rows) console.log(`  ${r.target.padEnd(16)}${r.label.padEnd(46)}${(JERRY ? kb(r.cost) + ' KB' : r.cost + ' B').padStart(10)}`);
}

function printRuntime(rows) {
  console.log('runtime alone (target host: no driver; heap above an empty program):');
  console.log(`  ${'program'.padEnd(24)}${'size B'.padStart(8)}${'engine KB'.padStart(11)}${'firmware KB'.padStart(13)}${'goal KB'.padStart(9)}`);
  for (const r of rows) {
    const judged = r.engine ?? r.firmware;
    console.log(`  ${r.what.padEnd(24)}${String(r.size).padStart(8)}${kb(r.engine).padStart(11)}${kb(r.firmware).padStart(13)}${('<= ' + kb(r.goal)).padStart(9)}  ${verdict(judged, r.goal)}`);
  }
}

function printTemplates({ rows, emptyMs, emptyPeak }) {
  console.log('templates (engine: peak while parsing; firmware: heapPeak at the first line above an empty program, and ms after reset):');
  console.log(
    `  ${'target'.padEnd(16)}${'template'.padEnd(17)}${'size B'.padStart(8)}${'estimate KB'.padStart(13)}${'engine KB'.padStart(11)}${'firmware KB'.padStart(13)}${'first line'.padStart(12)}${'goal KB'.padStart(9)}`,
  );
  for (const r of rows) {
    const judged = r.engine ?? r.estimate;
    const ms = r.firstLineMs === undefined ? '-' : `${(r.firstLineMs / 1000).toFixed(2)} s`;
    const msVerdict = r.firstLineMs === undefined ? '' : ` / first line ${r.firstLineMs <= FIRST_LINE_GOAL_MS ? 'ok' : 'MISSED'}`;
    console.log(
      `  ${r.target.padEnd(16)}${r.template.padEnd(17)}${String(r.size).padStart(8)}${kb(r.estimate).padStart(13)}${kb(r.engine).padStart(11)}${kb(r.firmware).padStart(13)}${ms.padStart(12)}${('<= ' + kb(r.goal)).padStart(9)}  ${verdict(judged, r.goal)}${msVerdict}`,
    );
  }
  if (emptyMs !== undefined) console.log(`  an empty program: first line ${(emptyMs / 1000).toFixed(2)} s after reset, heapPeak ${kb(emptyPeak)} KB (goal for the templates' first line: <= ${(FIRST_LINE_GOAL_MS / 1000).toFixed(1)} s)`);
}

/** The README's table, between its markers; written from these figures only. */
const kbCell = (n) => (n === undefined ? '-' : `${kb(n)} KB`);

function readmeTable(runtime, templates, features) {
  const lines = [
    '| program | target | size | build estimate | engine | firmware | first line | goal |',
    '|---|---|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of runtime) lines.push(`| runtime alone, ${r.what} | host | ${r.size} B | | ${kbCell(r.engine)} | ${kbCell(r.firmware)} | | ≤ ${kb(r.goal)} KB |`);
  for (const r of templates.rows) {
    const ms = r.firstLineMs === undefined ? '' : `${(r.firstLineMs / 1000).toFixed(2)} s`;
    lines.push(`| ${r.template} | ${r.target} | ${r.size} B | ${kbCell(r.estimate)} | ${kbCell(r.engine)} | ${kbCell(r.firmware)} | ${ms} | ≤ ${kb(r.goal)} KB |`);
  }
  if (templates.emptyMs !== undefined) lines.push(`| an empty program | pico | | | | (${kb(templates.emptyPeak)} KB) | ${(templates.emptyMs / 1000).toFixed(2)} s | ≤ ${(FIRST_LINE_GOAL_MS / 1000).toFixed(1)} s |`);
  lines.push('', `What each part of a driver costs (${JERRY ? 'engine, peak while parsing' : 'bytes of program'}; the template with the part less without):`, '');
  lines.push('| target | part | cost |', '|---|---|---:|');
  for (const f of features) lines.push(`| ${f.target} | ${f.label} | ${JERRY ? kb(f.cost) + ' KB' : f.cost + ' B'} |`);
  return lines.join('\n');
}

function rewriteReadme(table) {
  const file = join(ROOT, 'README.md');
  const text = readFileSync(file, 'utf8');
  const begin = '<!-- heap-table:begin (node bench/heap.mjs --readme) -->';
  const end = '<!-- heap-table:end -->';
  const a = text.indexOf(begin);
  const b = text.indexOf(end);
  if (a < 0 || b < a) throw new Error(`README.md has no "${begin}" ... "${end}" block`);
  writeFileSync(file, text.slice(0, a + begin.length) + '\n' + table + '\n' + text.slice(b));
  console.log('README.md: heap table rewritten');
}

async function main() {
  for (const why of skipReasons()) console.log(`note: ${why}`);
  const runtime = await runtimeRows();
  printRuntime(runtime);
  const templates = await templateRows();
  printTemplates(templates);
  const features = await featureRows();
  printFeatures(features);
  if (README) rewriteReadme(readmeTable(runtime, templates, features));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
