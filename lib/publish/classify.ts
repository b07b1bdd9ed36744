/**
 * What an SNS error means for the messages it failed: retry now, refuse for good (one request or the whole topic),
 * report retryable at once, or find the one message that cannot be encoded. The generic AWS throttling, transient
 * and socket codes are those of smithy's retry classification (@smithy/core/retry, which the SDK's own retry
 * middleware uses; test/unit/publish/classify.test.ts keeps the two in agreement); the SNS codes are SNS's own.
 */
import { describeError } from '#lib/errors';

/**
 * What to do after an error: `transient` is retried in this call; `permanent` makes the messages `poison`
 * (for the whole topic when `scope` is `topic`, else only for the request's entries); `deferred` reports them
 * `retryable` at once, for errors that retrying within milliseconds will not fix (credentials, unknown 4xx);
 * `local` failed here, before the request left (encoding, serialization): the same request would fail the same
 * way forever, so its messages are sent one by one and the one that still fails alone is `poison`.
 */
export type ErrorClass =
  | { kind: 'transient'; code: string; reason: string }
  | { kind: 'local'; code: string; reason: string }
  | { kind: 'permanent'; scope: 'topic' | 'request'; code: string; reason: string }
  | { kind: 'deferred'; code: string; reason: string };

// Throttling: smithy's throttling codes (AWS's common ones) plus SNS's own (ThrottledException is 429 `Throttled`;
// KMSThrottling is the topic's KMS key being throttled). SNS API reference, "Common Errors" and PublishBatch "Errors".
const THROTTLING_CODES = new Set([
  'Throttling',
  'ThrottlingException',
  'Throttled',
  'ThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'SlowDown',
  'KMSThrottling',
  'ProvisionedThroughputExceededException',
  'BandwidthLimitExceeded',
  'LimitExceededException',
  'PriorRequestNotComplete',
  'EC2ThrottledException',
  'TransactionInProgressException',
]);

const TRANSIENT_CODES = new Set([
  'InternalError',
  'InternalFailure',
  'ServiceUnavailable',
  'RequestTimeout',
  'RequestTimeoutException',
  'ConcurrentAccess',
]);

// The topic itself cannot take messages from us: its other requests would fail the same way, so they are not sent.
const TOPIC_PERMANENT_CODES = new Set([
  'NotFound',
  'ResourceNotFound',
  'AuthorizationError',
  'InvalidSecurity',
  'KMSAccessDenied',
  'KMSDisabled',
  'KMSInvalidState',
  'KMSNotFound',
  'KMSOptInRequired',
]);

// The request was refused as written. For a message (wrong attribute, too long for a topic whose
// MaximumMessageSize is below 256 KiB) the topic's other requests may still go through, so only this request fails.
const REQUEST_PERMANENT_CODES = new Set([
  'InvalidParameter',
  'ParameterValueInvalid',
  'InvalidParameterValue',
  'ValidationError',
  'TooManyEntriesInBatchRequest',
  'BatchRequestTooLong',
  'BatchEntryIdsNotDistinct',
  'InvalidBatchEntryId',
  'EmptyBatchRequest',
]);

// Node socket errors and the SDK's request timeout (`TimeoutError`, thrown with throwOnRequestTimeout).
const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'ESOCKETTIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'TimeoutError',
  'RequestTimeoutError',
]);

// JavaScript's own errors, as the SDK throws them while building a request (a URIError from encodeURIComponent on a
// lone surrogate, a TypeError or RangeError from a serializer). The SDK's retry step adds `$metadata` to every error
// that reaches it, and it runs after serialization: a built-in error without `$metadata` never left this process.
const LOCAL_ERRORS = [URIError, TypeError, RangeError, SyntaxError];

function isLocalError(err: unknown): boolean {
  return LOCAL_ERRORS.some((type) => err instanceof type) && (err as { $metadata?: unknown }).$metadata === undefined;
}

/** True for an error code that means "slow down": retried even when SNS marks the entry as the sender's fault. */
export function isThrottlingCode(code: string): boolean {
  return THROTTLING_CODES.has(code);
}

/**
 * Classifies an error thrown by `client.send`. The code is SNS's wire code (`NotFound`, `Throttling`...) when the
 * SDK parsed one, else the error name without its `Exception` suffix, else the Node socket error code.
 */
export function classifySendError(err: unknown): ErrorClass {
  const e = (typeof err === 'object' && err !== null ? err : {}) as {
    Code?: unknown;
    code?: unknown;
    name?: unknown;
    $metadata?: { httpStatusCode?: number; clockSkewCorrected?: boolean };
    $fault?: unknown;
    $retryable?: unknown;
  };
  const code = errorCode(e);
  const status = e.$metadata?.httpStatusCode;
  const reason = `${code}: ${describeError(err)}`;
  if (isLocalError(err)) return { kind: 'local', code, reason };
  if (THROTTLING_CODES.has(code) || TRANSIENT_CODES.has(code) || NETWORK_CODES.has(code))
    return { kind: 'transient', code, reason };
  if (TOPIC_PERMANENT_CODES.has(code)) return { kind: 'permanent', scope: 'topic', code, reason };
  if (REQUEST_PERMANENT_CODES.has(code)) return { kind: 'permanent', scope: 'request', code, reason };
  if (status !== undefined && (status >= 500 || status === 429)) return { kind: 'transient', code, reason };
  // The model marks the error retryable, or the SDK has just corrected its clock skew: the next attempt may pass.
  if (e.$retryable !== undefined || e.$metadata?.clockSkewCorrected === true)
    return { kind: 'transient', code, reason };
  if (e.$fault === 'server') return { kind: 'transient', code, reason };
  // An unlisted 4xx (expired or invalid credentials, signature errors...) or a credentials-chain failure: the
  // message is fine, the caller's setup is not. Retrying now would only burn the budget; redelivery may succeed.
  if ((status !== undefined && status >= 400) || code === 'CredentialsProviderError')
    return { kind: 'deferred', code, reason };
  // No HTTP answer at all: a connection-level failure we have no name for. Retrying is safe.
  return { kind: 'transient', code, reason };
}

function errorCode(e: { Code?: unknown; code?: unknown; name?: unknown }): string {
  if (typeof e.Code === 'string' && e.Code !== '') return e.Code;
  if (typeof e.code === 'string' && NETWORK_CODES.has(e.code)) return e.code;
  if (typeof e.name === 'string' && e.name !== '' && e.name !== 'Error') {
    // Modeled SNS errors are classes named after the wire code: NotFoundException <- NotFound.
    return e.name.endsWith('Exception') && !THROTTLING_CODES.has(e.name)
      ? e.name.slice(0, -'Exception'.length)
      : e.name;
  }
  if (typeof e.code === 'string' && e.code !== '') return e.code;
  return 'UnknownError';
}

/**
 * Classifies one `Failed` entry of a PublishBatch response: `SenderFault: false` is SNS's side and is retried;
 * `SenderFault: true` is permanent for that message, except throttling codes, which are retried.
 * (SNS API reference, BatchResultErrorEntry.)
 */
export function classifyFailedEntry(entry: { Code?: string; SenderFault?: boolean; Message?: string }): ErrorClass {
  const code = entry.Code || 'UnknownError';
  const reason = `${code}: ${entry.Message ?? 'no message'}`;
  if (entry.SenderFault !== true || THROTTLING_CODES.has(code)) return { kind: 'transient', code, reason };
  return { kind: 'permanent', scope: 'request', code, reason };
}
