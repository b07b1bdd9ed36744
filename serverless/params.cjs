'use strict';
// Shared helpers of the package-time computations (serverless/*.cjs): params, lists, checks and their errors.

const SNS_TOPIC_ARN = /^arn:aws(?:-[a-z]+)*:sns:[a-z]{2}(?:-[a-z]+)+-\d:\d{12}:[A-Za-z0-9_-]{1,256}$/;

/** A configuration mistake found while packaging: printed as one line (no stack), and the package fails. */
class PackageError extends Error {}

// Params resolve in a later phase than file sources: let resolveVariable's "not yet" error propagate so osls
// retries this file once params are available.
async function param(resolveVariable, name, fallback) {
  const value = await resolveVariable(`param:${name}`);
  return value === undefined || value === null ? fallback : String(value);
}

/** Several params at once, as an object (missing ones are ""). */
async function params(resolveVariable, names) {
  const values = {};
  for (const name of names) values[name] = await param(resolveVariable, name, '');
  return values;
}

function list(value) {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

function checkTopics(arns, what) {
  for (const arn of arns)
    if (!SNS_TOPIC_ARN.test(arn)) throw new PackageError(`${what}: "${arn}" is not an SNS topic ARN`);
  return arns;
}

/** osls's logical id of a function: route-sqs -> RouteDashsqs. */
function logicalName(fn) {
  const name = fn.replace(/-/g, 'Dash').replace(/_/g, 'Underscore');
  return name[0].toUpperCase() + name.slice(1);
}

const warned = new Set();
/** A warning printed once per package run (osls resolves a variable once per place it is used). */
function warnOnce(message) {
  if (warned.has(message)) return;
  warned.add(message);
  process.stderr.write(`Warning: ${message}\n`);
}

/**
 * Wraps the exported computations for osls: a PackageError ends the run with its one line on stderr and exit code 1
 * (osls would print it with a stack trace once per variable that uses it). Anything else propagates unchanged.
 */
function forOsls(functions) {
  const wrapped = {};
  for (const [name, fn] of Object.entries(functions)) {
    wrapped[name] = async (args) => {
      try {
        return await fn(args);
      } catch (err) {
        if (!(err instanceof PackageError)) throw err;
        process.stderr.write(`Error: ${err.message}\n`);
        process.exit(1);
      }
    };
  }
  return wrapped;
}

module.exports = { PackageError, SNS_TOPIC_ARN, param, params, list, checkTopics, logicalName, warnOnce, forOsls };
