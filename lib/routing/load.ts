/**
 * A routes file's text to its configuration. The Lambda functions read JSON (this module: no YAML parser in their
 * bundles); the CLI also reads YAML (lib/routing/yaml.ts). Only the parsing differs: both go through the one
 * validator (lib/routing/config.ts `parseRoutesConfig`), with the same messages, and a syntax error names its line
 * and column.
 */
import { ConfigError } from '#lib/errors';
import { describeJsonError } from '#lib/json';
import { parseRoutesConfig, type RoutesConfig } from '#lib/routing/config';

export { destinationTopics } from '#lib/routing/config';

/** Parses and validates a routes file's text; `source` (its path) names it in errors. */
export type RoutesParser = (text: string, source: string) => RoutesConfig;

export const parseRoutesJson: RoutesParser = (text, source) => {
  // The functions and package time (serverless/routes.cjs calls this same function) read JSON only.
  if (/\.ya?ml$/i.test(source)) throw new ConfigError('routes files are JSON', source);
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`is not valid JSON (${describeJsonError(err, text)})`, source, { cause: err });
  }
  return parseRoutesConfig(doc, source);
};
