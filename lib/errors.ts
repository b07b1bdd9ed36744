/**
 * The bridge's two kinds of failure, kept apart on purpose:
 * - bad input (one record, one document): reported with a code and the field path, never fatal to its neighbours;
 * - bad configuration: fails loudly at cold start with the path of the field to fix.
 */

/** Why an input was rejected. Closed vocabulary shared by the CLI, the handlers and the parked records. */
export const ProblemCode = {
  invalidJson: 'invalid_json',
  notSes: 'not_ses',
  invalidRecord: 'invalid_record',
  unsupportedInput: 'unsupported_input',
} as const;
export type ProblemCode = (typeof ProblemCode)[keyof typeof ProblemCode];

/** A record-level input error: `path` is the JSON path of the offending field inside the SES record. */
export class InvalidRecordError extends Error {
  override readonly name = 'InvalidRecordError';
  constructor(
    readonly code: ProblemCode,
    message: string,
    readonly path: string,
  ) {
    super(message);
  }
}

/** A configuration error: `path` names the file and field, the message says what to fix. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    message: string,
    readonly path: string = '',
  ) {
    super(path ? `${path}: ${message}` : message);
  }
}

/**
 * A Lambda event that the function's trigger never sends (a direct invoke, a wrong wiring, `Records: null`): refused
 * whole, before any record is read or parked, so a retry of the same event is refused the same way and parks nothing.
 */
export class UnsupportedEventError extends Error {
  override readonly name = 'UnsupportedEventError';
}

/** A command-line usage error (exit code 2). */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Joins a JSON path prefix and a child key or index: joinPath('Records[1].body', 'mail') = 'Records[1].body.mail'. */
export function joinPath(prefix: string, child: string | number): string {
  if (typeof child === 'number') return `${prefix}[${child}]`;
  const key = /^[A-Za-z_$][\w$-]*$/.test(child) ? child : JSON.stringify(child);
  if (!prefix) return key.startsWith('"') ? `[${key}]` : key;
  return key.startsWith('"') ? `${prefix}[${key}]` : `${prefix}.${key}`;
}

/** Text of any thrown value, for messages: never "[object Object]". */
export function describeError(err: unknown): string {
  if (err instanceof Error) return err.message;
  return typeof err === 'string' ? err : JSON.stringify(err);
}
