'use strict';
// One cold load, in a fresh process: the time of require() alone (module parse, compile and top-level code).
// The answer goes to file descriptor 3, away from anything the module prints.
const { writeSync } = require('node:fs');
const start = process.hrtime.bigint();
require(process.argv[2]);
const ms = Number(process.hrtime.bigint() - start) / 1e6;
writeSync(3, String(ms));
