'use strict';
// Runs one bundled handler the way the Lambda Node.js runtime does: `node deployed-runner.cjs <spec.json>`, with the
// function's environment already set by the parent (test/support/deployed-invoke.ts) and the working directory at
// the unzipped task root. Plain CommonJS: nothing of the repository is loaded, only the zip's own files.
//
// The spec names the handler (file.export, as in the template), the event, the context fields, and the SNS signing
// certificates to answer in place of https://sns.<region>.amazonaws.com (there is no network in tests; the SDK
// calls go to the local test servers through the AWS_ENDPOINT_URL_* variables instead).
const fs = require('node:fs');
const https = require('node:https');
const path = require('node:path');
const { Readable } = require('node:stream');
const { EventEmitter } = require('node:events');

const spec = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));

const certificates = spec.certificates || {};
const realGet = https.get;
https.get = function get(url, options, callback, ...rest) {
  const text = String(url);
  if (!/^https:\/\/sns\.[a-z0-9-]+\.amazonaws\.com(\.cn)?\//.test(text))
    return realGet.call(this, url, options, callback, ...rest);
  const req = new EventEmitter();
  req.destroy = () => req;
  const pem = certificates[text];
  const res = Readable.from(pem === undefined ? [] : [Buffer.from(pem)]);
  res.statusCode = pem === undefined ? 404 : 200;
  res.headers = { 'content-type': 'application/x-pem-file' };
  process.nextTick(() => (typeof options === 'function' ? options : callback)(res));
  return req;
};

// Lambda's runtime reports the error's constructor name as errorType.
function failure(err) {
  return {
    errorType: err?.constructor?.name || 'Error',
    errorMessage: err?.message !== undefined ? err.message : String(err),
  };
}

async function main() {
  const dot = spec.handler.lastIndexOf('.');
  const file = path.resolve(process.env.LAMBDA_TASK_ROOT, spec.handler.slice(0, dot));
  const started = Date.now();
  const context = {
    ...spec.context,
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => spec.timeoutMs - (Date.now() - started),
  };
  let outcome;
  try {
    const mod = require(file);
    const handler = mod[spec.handler.slice(dot + 1)];
    if (typeof handler !== 'function') throw new Error(`${spec.handler} is not a function`);
    outcome = { result: await handler(spec.event, context) };
  } catch (err) {
    outcome = { error: failure(err) };
  }
  fs.writeFileSync(spec.resultFile, JSON.stringify(outcome === undefined ? {} : outcome));
  // Like Lambda, the invocation ends when the handler settles (open sockets of the SDK do not keep it alive).
  process.exit(0);
}

main();
