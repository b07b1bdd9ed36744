import { NotFoundException, SNSServiceException } from '@aws-sdk/client-sns';
// The SDK's own retry classification (the package @smithy/service-error-classification, now inside @smithy/core),
// used here as the reference the publisher's classification must agree with; the publisher does not import it.
import { isThrottlingError, isTransientError } from '@smithy/core/retry';
import type { SdkError } from '@smithy/types';
import { describe, expect, it } from 'vitest';
import { classifyFailedEntry, classifySendError, isThrottlingCode } from '#lib/publish/classify';

function awsError(name: string, status: number, extra: object = {}): Error {
  return Object.assign(new Error(`${name} happened`), { name, $metadata: { httpStatusCode: status } }, extra);
}

function socketError(code: string): Error {
  return Object.assign(new Error(`connect ${code} 127.0.0.1:9`), { code });
}

/** Errors smithy's retry strategy retries, one per rule it has (names, socket codes, statuses, traits, causes). */
const SMITHY_RETRIED: Array<[string, Error]> = [
  ...[
    'BandwidthLimitExceeded',
    'EC2ThrottledException',
    'LimitExceededException',
    'PriorRequestNotComplete',
    'ProvisionedThroughputExceededException',
    'RequestLimitExceeded',
    'RequestThrottled',
    'RequestThrottledException',
    'SlowDown',
    'ThrottledException',
    'Throttling',
    'ThrottlingException',
    'TooManyRequestsException',
    'TransactionInProgressException',
  ].map((name): [string, Error] => [`throttling name ${name}`, awsError(name, 400)]),
  ...['TimeoutError', 'RequestTimeout', 'RequestTimeoutException'].map((name): [string, Error] => [
    `transient name ${name}`,
    awsError(name, 400),
  ]),
  ...['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN'].map(
    (code): [string, Error] => [`socket code ${code}`, socketError(code)],
  ),
  ...[429, 500, 502, 503, 504].map((status): [string, Error] => [`HTTP ${status}`, awsError('Unnamed', status)]),
  ['a retryable trait', awsError('ModeledRetryable', 400, { $retryable: {} })],
  [
    'a clock skew the SDK has corrected',
    awsError('SignatureDoesNotMatch', 403, { $metadata: { httpStatusCode: 403, clockSkewCorrected: true } }),
  ],
  ['a wrapped socket error', new Error('request failed', { cause: socketError('ECONNRESET') })],
];

describe('error classification', () => {
  it.each(SMITHY_RETRIED)('retries what smithy retries: %s', (_, error) => {
    const sdkError = error as SdkError;
    expect(isThrottlingError(sdkError) || isTransientError(sdkError)).toBe(true);
    expect(classifySendError(error).kind).toBe('transient');
  });

  it('knows every throttling name smithy knows, so a throttled entry refused as the sender fault is retried', () => {
    for (const [what, error] of SMITHY_RETRIED.filter(([what]) => what.startsWith('throttling name '))) {
      expect(isThrottlingCode(error.name), what).toBe(true);
    }
  });

  it.each([
    [awsError('Throttling', 400), 'transient', 'Throttling'],
    [
      new SNSServiceException({
        name: 'ThrottlingException',
        $fault: 'client',
        $metadata: { httpStatusCode: 400 },
        message: 'slow down',
      }),
      'transient',
      'ThrottlingException',
    ],
    [
      new SNSServiceException({
        name: 'KMSThrottlingException',
        $fault: 'client',
        $metadata: { httpStatusCode: 400 },
        message: 'kms',
      }),
      'transient',
      'KMSThrottling',
    ],
    [
      new SNSServiceException({
        name: 'ServiceUnavailable',
        $fault: 'server',
        $metadata: { httpStatusCode: 503 },
        message: 'busy',
      }),
      'transient',
      'ServiceUnavailable',
    ],
    [
      new SNSServiceException({
        name: 'Weird',
        $fault: 'server',
        $metadata: { httpStatusCode: 502 },
        message: 'bad gateway',
      }),
      'transient',
      'Weird',
    ],
    [
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' }),
      'transient',
      'ECONNREFUSED',
    ],
    [
      new NotFoundException({ message: 'Topic does not exist', $metadata: { httpStatusCode: 404 } }),
      'permanent',
      'NotFound',
    ],
    [
      new SNSServiceException({
        name: 'KMSDisabledException',
        $fault: 'client',
        $metadata: { httpStatusCode: 400 },
        message: 'disabled',
      }),
      'permanent',
      'KMSDisabled',
    ],
    [
      new SNSServiceException({
        name: 'InvalidParameterException',
        $fault: 'client',
        $metadata: { httpStatusCode: 400 },
        message: 'bad',
      }),
      'permanent',
      'InvalidParameter',
    ],
    [
      new SNSServiceException({
        name: 'SignatureDoesNotMatch',
        $fault: 'client',
        $metadata: { httpStatusCode: 403 },
        message: 'sig',
      }),
      'deferred',
      'SignatureDoesNotMatch',
    ],
    [
      Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' }),
      'deferred',
      'CredentialsProviderError',
    ],
  ])('classifies %s', (error, kind, code) => {
    expect(classifySendError(error)).toMatchObject({ kind, code });
  });

  it('classifies a built-in error thrown before the request left (no $metadata) as local, one with $metadata not', () => {
    expect(classifySendError(new URIError('URI malformed'))).toEqual({
      kind: 'local',
      code: 'URIError',
      reason: 'URIError: URI malformed',
    });
    const afterSending = Object.assign(new TypeError('socket closed'), { $metadata: { attempts: 1 } });
    expect(classifySendError(afterSending).kind).toBe('transient');
  });

  it('uses the wire code the SDK parsed when there is one', () => {
    const parsed = Object.assign(
      new NotFoundException({ message: 'Topic does not exist', $metadata: { httpStatusCode: 404 } }),
      { Code: 'NotFound' },
    );
    expect(classifySendError(parsed)).toMatchObject({ kind: 'permanent', scope: 'topic', code: 'NotFound' });
  });

  it('classifies Failed entries by SenderFault, throttling aside', () => {
    expect(classifyFailedEntry({ Code: 'InternalError', SenderFault: false })).toMatchObject({ kind: 'transient' });
    expect(classifyFailedEntry({ Code: 'InvalidParameter', SenderFault: true })).toMatchObject({
      kind: 'permanent',
      code: 'InvalidParameter',
    });
    expect(classifyFailedEntry({ Code: 'Throttled', SenderFault: true })).toMatchObject({ kind: 'transient' });
  });
});
