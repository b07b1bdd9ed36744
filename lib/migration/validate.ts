/**
 * Hand-written guards for the migration's files (inventory, plan, journal, verify report): they are read once per
 * command, so clarity matters more than speed. Every error names the file and the JSON path of the field to fix.
 */
import { ConfigError, describeError, FieldError } from '#lib/errors';
import { isObject, type JsonObject, kindOf } from '#lib/json';

export { FieldError };

/** Throws a FieldError for `path`. */
export function fail(path: string, message: string): never {
  throw new FieldError(path, message);
}

/** Runs a validator and turns its FieldError into a ConfigError naming `source` and the field. */
export function withSource<T>(source: string, validate: () => T): T {
  try {
    return validate();
  } catch (err) {
    if (err instanceof FieldError) throw err.inFile(source);
    throw err;
  }
}

/** Parses JSON text; a syntax error becomes a ConfigError naming the file. */
export function parseJsonText(text: string, source: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`is not valid JSON (${describeError(err)})`, source, { cause: err });
  }
}

/** The value as an object, or a FieldError saying what it is instead. */
export function object(value: unknown, path: string, what = 'an object'): JsonObject {
  if (!isObject(value)) fail(path, `must be ${what}, got ${kindOf(value)}`);
  return value;
}

/** The value as an array, or a FieldError. */
export function array(value: unknown, path: string): unknown[] {
  if (!Array.isArray(value)) fail(path, `must be an array, got ${kindOf(value)}`);
  return value;
}

/** A non-empty string passing `check`, or a FieldError naming `expected`. */
export function string(
  value: unknown,
  path: string,
  check?: (s: string) => boolean,
  expected = 'a non-empty string',
): string {
  if (typeof value !== 'string' || value === '' || (check !== undefined && !check(value))) {
    fail(path, `must be ${expected}, got ${typeof value === 'string' ? JSON.stringify(value) : kindOf(value)}`);
  }
  return value;
}

/** Like {@link string}, or null. */
export function nullableString(
  value: unknown,
  path: string,
  check?: (s: string) => boolean,
  expected = 'a non-empty string',
): string | null {
  return value === null ? null : string(value, path, check, `${expected} or null`);
}

/** The value as a boolean, or a FieldError. */
export function boolean(value: unknown, path: string): boolean {
  if (typeof value !== 'boolean') fail(path, `must be true or false, got ${kindOf(value)}`);
  return value;
}

/** One of `allowed`, or a FieldError listing them. */
export function oneOf<T extends string>(value: unknown, path: string, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    fail(
      path,
      `must be one of ${allowed.join(', ')}, got ${typeof value === 'string' ? JSON.stringify(value) : kindOf(value)}`,
    );
  }
  return value as T;
}

/** Joins a path and a key: child('identities[0]', 'notifications') = 'identities[0].notifications'. */
export function child(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  return path ? `${path}.${key}` : key;
}

/** True for an ISO 8601 timestamp as `Date.prototype.toISOString` writes it (or with fewer fraction digits). */
export function isIsoTime(value: string): boolean {
  return /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z$/.test(value) && !Number.isNaN(Date.parse(value));
}
