#!/usr/bin/env node
'use strict';
require('../lib/kaluma-net.cjs');
