'use strict';
// The routes file at package time, checked by the very validator the functions run at cold start
// (lib/routing/load.ts, loaded through tsx): what packages is what the functions accept.
const fs = require('node:fs');
const path = require('node:path');
const { PackageError } = require('./params.cjs');

let validator;
function routing() {
  validator ??= require('tsx/cjs/api').require('../lib/routing/load.ts', __filename);
  return validator;
}

/**
 * The routes file's path inside the zips (relative to the service folder, `/`-separated), after checking that it
 * is inside the service folder (osls packages nothing outside it), is JSON and passes the functions' validator.
 */
function routesFileInZip(file, serviceDir) {
  const resolved = path.resolve(serviceDir, file);
  const relative = path.relative(serviceDir, resolved);
  if (relative === '' || relative.startsWith('..') || path.isAbsolute(relative))
    throw new PackageError(
      `param routesFile: ${file} is outside the service folder ${serviceDir}, so it would not be packaged; copy it inside`,
    );
  let text;
  try {
    text = fs.readFileSync(resolved, 'utf8');
  } catch (err) {
    throw new PackageError(
      `param routesFile: cannot read ${file}: ${err.code === 'ENOENT' ? 'no such file' : err.message}`,
    );
  }
  const inZip = relative.split(path.sep).join('/');
  try {
    routing().parseRoutesJson(text, inZip);
  } catch (err) {
    if (err && err.name === 'ConfigError') throw new PackageError(err.message);
    throw err;
  }
  return inZip;
}

/** sns:Publish targets: every destination of the (validated) routes file, nothing else. */
function publishTopicArns(file, serviceDir) {
  const inZip = routesFileInZip(file, serviceDir);
  const config = routing().parseRoutesJson(fs.readFileSync(path.join(serviceDir, inZip), 'utf8'), inZip);
  const topics = routing().destinationTopics(config);
  if (topics.length === 0)
    throw new PackageError(`${inZip}: no destination topics; the bridge would have nothing to publish to`);
  return topics;
}

/** The routes that ask for de-duplication (`"dedupe": true`), with their index, and the file's path in the zip. */
function dedupeRoutes(file, serviceDir) {
  const inZip = routesFileInZip(file, serviceDir);
  const config = routing().parseRoutesJson(fs.readFileSync(path.join(serviceDir, inZip), 'utf8'), inZip);
  const routes = config.routes.flatMap((route, index) => (route.dedupe === true ? [{ index, name: route.name }] : []));
  return { inZip, routes };
}

module.exports = { routesFileInZip, publishTopicArns, dedupeRoutes };
