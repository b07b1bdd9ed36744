'use strict';
// Runs the ses-bridge CLI as bin/ses-bridge.cjs does, then writes its peak resident set size (bytes) as the last
// stderr line: `peak-rss <bytes>`. For tests that bound a command's memory from outside its process.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
require('tsx/cjs');
require('../../bin/ses-bridge.ts')
  .main(process.argv.slice(2))
  .then((code) => {
    process.stderr.write(`peak-rss ${process.resourceUsage().maxRSS * 1024}\n`);
    process.exitCode = code;
  });
