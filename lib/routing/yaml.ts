/**
 * Routes files in YAML for the CLI: a `.yaml` or `.yml` file is parsed with the `yaml` package (YAML 1.2, unique
 * keys), any other as JSON; then the one validator. Kept out of lib/config.ts so the Lambda bundles carry no YAML
 * parser: the deployed functions read the JSON file the stack packages.
 */
import { parseDocument } from 'yaml';
import { ConfigError } from '#lib/errors';
import { parseRoutesConfig } from '#lib/routing/config';
import { parseRoutesJson, type RoutesParser } from '#lib/routing/load';

export function isYamlFile(file: string): boolean {
  return /\.ya?ml$/i.test(file);
}

export const parseRoutesFileText: RoutesParser = (text, source) => {
  if (!isYamlFile(source)) return parseRoutesJson(text, source);
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  const [error] = doc.errors;
  if (error !== undefined) {
    const at = error.linePos?.[0];
    const where = at === undefined ? '' : `line ${at.line}, column ${at.col}: `;
    // The package's message ends with the source lines and a caret: one line is enough here.
    const message = error.message.split('\n')[0]?.replace(/ at line \d+, column \d+:?$/, '') ?? error.code;
    throw new ConfigError(`is not valid YAML (${where}${message})`, source);
  }
  return parseRoutesConfig(doc.toJS({ maxAliasCount: 100 }), source);
};
