#!/usr/bin/env node
'use strict';
// Entry point of the `ses-bridge` CLI. tsx compiles the TypeScript sources on the fly, so the CLI works right after
// `npm ci` with no build step.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
require('tsx/cjs');
require('./ses-bridge.ts')
  .main(process.argv.slice(2))
  .then((code) => {
    process.exitCode = code;
  });
