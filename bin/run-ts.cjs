#!/usr/bin/env node
'use strict';
// Runs a TypeScript script (bench, tools) with tsx's CommonJS hook: `node bin/run-ts.cjs bench/run.ts --quick`.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
require('tsx/cjs');
const path = require('node:path');
const entry = path.resolve(process.argv[2]);
process.argv.splice(1, 2, entry);
require(entry);
