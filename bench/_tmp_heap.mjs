import { createRequire } from 'node:module';
import { register } from 'tsx/cjs/api';
import { writeFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
register();
const req = createRequire(import.meta.url);
const { build } = req('../cli/pipeline/build.ts');
const dir = mkdtempSync('/tmp/h16heap-');
const tag = process.argv[2];
for (const t of ['tcp-client', 'tcp-echo-server', 'http-hello']) {
  writeFileSync(join(dir, t + '.js'), readFileSync(new URL('../templates/' + t + '/js/src/index.js', import.meta.url)));
  const r = await build({ cwd: dir, entry: t + '.js', target: 'pico-esp01', formats: ['js'], write: false, wifi: { ssid: 'lab', password: 'lab-password' } });
  const f = join(dir, t + '.out.js');
  writeFileSync(f, r.program);
  const j = spawnSync('/work/fw/jerry/build-host/bin/jerry', ['--mem-stats', '--parse-only', f], { encoding: 'utf8' });
  const m = /Peak allocated = (\d+) bytes/.exec(j.stderr);
  const drv = r.modules.filter((x) => /esp-at/.test(x.path || x.name || '')).map((x) => (x.path || x.name) + ':' + x.bytes).join(' ');
  console.log(tag, t, 'js', r.program.length, 'estimate', r.heap.parse, 'jerry parse peak', m ? m[1] : j.stderr.slice(0, 200), drv);
}
