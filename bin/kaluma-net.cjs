#!/usr/bin/env node
'use strict';
// `--version` alone needs only package.json: answered here, without loading the CLI.
const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === '--version' || args[0] === '-v')) {
  process.stdout.write(require('../package.json').version + '\n');
} else {
  // Node 22.1+ keeps the compiled code of the CLI and its dependencies between runs (a faster start);
  // older Node has no such cache and starts as before.
  const { enableCompileCache } = require('node:module');
  if (enableCompileCache) enableCompileCache();
  require('./lib.cjs')('kaluma-net');
}
