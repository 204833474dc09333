'use strict';
// The package's main: the programmatic API (cli/api.ts, bundled into lib/api.cjs).
module.exports = require('./bin/lib.cjs')('api');
