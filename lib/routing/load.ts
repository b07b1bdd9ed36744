/**
 * A routes file's text to its configuration: JSON, or YAML for a `.yaml`/`.yml` file (the `yaml` package, YAML 1.2).
 * Only the parsing differs: both go through the one validator (lib/routing/config.ts `parseRoutesConfig`), with the
 * same messages, and a syntax error names its line and column.
 */
import { parseDocument } from 'yaml';
import { ConfigError } from '#lib/errors';
import { describeJsonError } from '#lib/json';
import { parseRoutesConfig, type RoutesConfig } from '#lib/routing/config';

export function isYamlFile(file: string): boolean {
  return /\.ya?ml$/i.test(file);
}

/** Parses and validates a routes file's text; `source` (its path) picks the syntax and names it in errors. */
export function parseRoutesFileText(text: string, source: string): RoutesConfig {
  if (!isYamlFile(source)) {
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch (err) {
      throw new ConfigError(`is not valid JSON (${describeJsonError(err, text)})`, source);
    }
    return parseRoutesConfig(doc, source);
  }
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
}
