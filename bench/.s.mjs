import { createRequire } from 'node:module';
import { register } from 'tsx/cjs/api';
register();
const require = createRequire('/work/wt/h18/bench/x.mjs');
const { build } = require('/work/wt/h18/cli/pipeline/build.ts');
const [,, tpl, target] = process.argv;
const r = await build({ cwd: `/work/wt/h18/templates/${tpl}/js`, entry: 'src/index.js', target, formats: ['js'], write: false, wifi: { ssid: 'a', password: 'b' } });
for (const m of r.modules) console.log(String(m.bytes).padStart(7), m.path ?? m.name);
