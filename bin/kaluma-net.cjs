#!/usr/bin/env node
'use strict';
// Node 22.1+ keeps the compiled code of the CLI and its dependencies between runs (a faster start);
// older Node has no such cache and starts as before.
const { enableCompileCache } = require('node:module');
if (enableCompileCache) enableCompileCache();
require('./lib.cjs')('kaluma-net');
