'use strict';
// lib/ (the bundled CLI and API) is built by `prepack`, so the published package runs no install
// script. A checkout, or a project that links one with "file:", builds it on first use, and again
// when a source in cli/ or runtime/ (the CLI bundles driver option checks) is newer (after a pull or an edit).
const { execFileSync } = require('node:child_process');
const { existsSync, readdirSync, statSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');

function newest(dir) {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

/** Why lib/ must be built before `file` can be loaded, if it must. */
function buildReason(file) {
  if (!existsSync(file)) return 'first use of this checkout';
  const checkout = existsSync(join(root, '.git')) && existsSync(join(root, 'cli'));
  if (!checkout) return undefined;
  const built = statSync(file).mtimeMs;
  if (newest(join(root, 'cli')) > built) return 'cli/ changed';
  return newest(join(root, 'runtime')) > built ? 'runtime/ changed' : undefined;
}

/** Requires lib/<name>.cjs, building lib/ first when it is missing or older than the sources. */
module.exports = function requireLib(name) {
  const file = join(root, 'lib', `${name}.cjs`);
  const reason = buildReason(file);
  if (reason) {
    process.stderr.write(`kaluma-net: building lib/ from the sources (${reason})\n`);
    execFileSync(process.execPath, [join(root, 'scripts', 'build-cli.mjs')], { stdio: ['ignore', 'ignore', 'inherit'] });
  }
  return require(file);
};
