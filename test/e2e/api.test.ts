// The package's main (index.cjs, loading lib/api.cjs): the CLI's build for programs that use it.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { project, ROOT } from '../helpers/cli';

test("require('kaluma-net') builds in memory, and knows the targets", () => {
  const dir = project({ 'app.js': "const net = require('net');\nnet.createConnection(80, '127.0.0.1');\n" });
  const script = `
    const kn = require(${JSON.stringify(ROOT)});
    kn.build({ cwd: ${JSON.stringify(dir)}, entry: 'app.js', target: 'pico-esp01', write: false }).then((r) => {
      console.log(JSON.stringify({ targets: kn.listTargetIds().includes('pico-w'), driver: kn.loadTarget('pico-esp01').netdev.driver,
        strict: r.program.includes('"use strict"'), files: r.files.map((f) => f.format) }));
    });`;
  const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', env: { ...process.env, KALUMA_NET_WIFI_SSID: 'lab', KALUMA_NET_WIFI_PASSWORD: 'lab-password' } });
  assert.is(r.status, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout), { targets: true, driver: 'esp-at', strict: true, files: ['js', 'uf2'] });
  assert.not.ok(existsSync(join(dir, 'dist')), 'write: false writes nothing');
});

test.run();
