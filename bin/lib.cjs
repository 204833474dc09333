'use strict';
// lib/ (the bundled CLI and API) is built by `prepack`, so the published package runs no install
// script. A checkout, or a project that links one with "file:", has no lib/ until it is built: the
// first use builds it.
const { execFileSync } = require('node:child_process');
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');

/** Requires lib/<name>.cjs, building lib/ first when it is missing. */
module.exports = function requireLib(name) {
  const file = join(root, 'lib', `${name}.cjs`);
  if (!existsSync(file)) {
    process.stderr.write('kaluma-net: building lib/ from the sources (first use of this checkout)\n');
    execFileSync(process.execPath, [join(root, 'scripts', 'build-cli.mjs')], { stdio: ['ignore', 'ignore', 'inherit'] });
  }
  return require(file);
};
