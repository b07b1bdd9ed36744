/**
 * The bridge's one error model.
 * - Every code the bridge gives a failure is defined once, in {@link ErrorCode}; the vocabularies of each layer
 *   (ProblemCode here, PoisonCode in lib/pipeline/plan, PublishCode in lib/publish, RejectCode in lib/sns-https)
 *   are subsets of it. Codes of AWS's own errors (`NotFound`, `Throttling`...) pass through unchanged.
 *   docs/errors.md lists them all for operators.
 * - Every error the bridge throws is a {@link BridgeError}: a `code` from that union, and `cause` when it wraps
 *   another error.
 * - Bad input (one record, one document) is reported with a code and the field path, never fatal to its neighbours;
 *   bad configuration fails loudly at cold start with the path of the field to fix.
 */

export const ErrorCode = {
  // Bad input: a record or document refused; parked with its text.
  invalidJson: 'invalid_json',
  notSes: 'not_ses',
  invalidRecord: 'invalid_record',
  unsupportedInput: 'unsupported_input',
  // Planning: a record that cannot be delivered as it is; parked.
  unmatched: 'unmatched',
  messageTooLarge: 'message_too_large',
  renderFailed: 'render_failed',
  // Publishing: outcomes the publishers produce themselves.
  invalidTopicArn: 'invalid_topic_arn',
  missingResult: 'missing_result',
  publisherError: 'publisher_error',
  /** Failed before any request left (encoding, serialization): it would fail the same way forever. */
  unsendable: 'unsendable_message',
  // The CLI: an input file it cannot read.
  unreadableFile: 'unreadable_file',
  // The SNS HTTPS endpoint: why a post was refused (lib/sns-https/decide.ts gives each its HTTP status).
  topicNotAllowed: 'topic_not_allowed',
  methodNotAllowed: 'method_not_allowed',
  unauthorized: 'unauthorized',
  rawDeliveryDisabled: 'raw_delivery_disabled',
  tooLarge: 'too_large',
  malformed: 'malformed',
  unexpectedKey: 'unexpected_key',
  duplicateKey: 'duplicate_key',
  typeMismatch: 'type_mismatch',
  topicMismatch: 'topic_mismatch',
  untrustedCertUrl: 'untrusted_cert_url',
  badSignature: 'bad_signature',
  signatureVersionRefused: 'signature_version_refused',
  staleTimestamp: 'stale_timestamp',
  certUnavailable: 'cert_unavailable',
  // Errors thrown rather than reported per record.
  invalidConfig: 'invalid_config',
  invalidField: 'invalid_field',
  usage: 'usage_error',
  unsupportedEvent: 'unsupported_event',
  retryLater: 'retry_later',
  migrationRefused: 'migration_refused',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** Why an input was rejected. Closed vocabulary shared by the CLI, the handlers and the parked records. */
export const ProblemCode = {
  invalidJson: ErrorCode.invalidJson,
  notSes: ErrorCode.notSes,
  invalidRecord: ErrorCode.invalidRecord,
  unsupportedInput: ErrorCode.unsupportedInput,
} as const;
export type ProblemCode = (typeof ProblemCode)[keyof typeof ProblemCode];

/** The base of every error the bridge throws. */
export abstract class BridgeError extends Error {
  abstract readonly code: ErrorCode;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** A record-level input error: `path` is the JSON path of the offending field inside the SES record. */
export class InvalidRecordError extends BridgeError {
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
export class ConfigError extends BridgeError {
  override readonly name = 'ConfigError';
  readonly code = ErrorCode.invalidConfig;
  constructor(
    message: string,
    readonly path: string = '',
    options?: { cause?: unknown },
  ) {
    super(path ? `${path}: ${message}` : message, options);
  }
}

/**
 * A bad field, found while validating a document (a routes file, a migration plan); `path` is its JSON path. The
 * reader turns it into a ConfigError naming the file ({@link FieldError.inFile}).
 */
export class FieldError extends BridgeError {
  override readonly name = 'FieldError';
  readonly code = ErrorCode.invalidField;
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(message);
  }

  /** The ConfigError of this field in file `source`: "<source>: <path> <message>". */
  inFile(source: string): ConfigError {
    return new ConfigError(this.path ? `${this.path} ${this.message}` : this.message, source, { cause: this });
  }
}

/**
 * A Lambda event that the function's trigger never sends (a direct invoke, a wrong wiring, `Records: null`): refused
 * whole, before any record is read or parked, so a retry of the same event is refused the same way and parks nothing.
 */
export class UnsupportedEventError extends BridgeError {
  override readonly name = 'UnsupportedEventError';
  readonly code = ErrorCode.unsupportedEvent;
}

/** A command-line usage error (exit code 2). */
export class UsageError extends BridgeError {
  override readonly name = 'UsageError';
  readonly code = ErrorCode.usage;
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
