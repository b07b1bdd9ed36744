/** Small JSON helpers shared by the parsers. */

export type JsonObject = Record<string, unknown>;

/** True for a plain JSON object (not null, not an array). */
export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** How a value reads in an error message: "null", "an array", "an object", "a number"... */
export function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/** JSON text of a value, or null when it cannot be serialized (cycles, nesting deeper than the stack). */
export function safeStringify(value: unknown): string | null {
  try {
    return JSON.stringify(value) ?? null;
  } catch {
    return null;
  }
}

/**
 * A JSON.parse error as a person reads it: `line 3, column 1: Expected double-quoted property name`. V8 gives a
 * character offset (`at position 11`), or on newer Node a line and column too; both become the line and column
 * (1-based) in `text`.
 */
export function describeJsonError(err: unknown, text: string): string {
  const message = err instanceof Error ? err.message : String(err);
  const bare = message
    .replace(/ in JSON at position \d+.*$/s, '')
    .replace(/ \(line \d+ column \d+\)$/, '')
    .replace(/, (\.\.\.)?".*"(\.\.\.)? is not valid JSON$/s, '')
    .trim();
  const offset = errorOffset(message, text);
  if (offset === undefined) return bare;
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  const column = offset - before.lastIndexOf('\n');
  return `line ${line}, column ${column}: ${bare}`;
}

/**
 * Where V8 says the error is: `at position N`, or for an unexpected token the token's place in the quoted
 * excerpt it shows (`Unexpected token 's', "service: s"... is not valid JSON`).
 */
function errorOffset(message: string, text: string): number | undefined {
  const position = /at position (\d+)/.exec(message);
  if (position !== null) return Number(position[1]);
  const token = /^Unexpected token '(.+?)', (\.\.\.)?"(.*?)"(\.\.\.)? is not valid JSON$/s.exec(message);
  if (token === null) return undefined;
  const [, unexpected, , excerpt] = token as unknown as [string, string, string | undefined, string];
  const at = text.indexOf(excerpt);
  if (at < 0) return undefined;
  const inside = excerpt.indexOf(unexpected);
  return inside < 0 ? undefined : at + inside;
}
