/**
 * The SNS publisher: groups messages by topic, packs them into PublishBatch requests (at most 10 entries and
 * 256 KiB per request), retries what can succeed later with exponential backoff and full jitter, and reports one
 * outcome per message. It never throws for a failed message, and one bad destination never stalls the others.
 * See docs/publishing.md.
 */
import { PublishBatchCommand, type PublishBatchRequestEntry, type PublishBatchResponse, type SNSClient } from '@aws-sdk/client-sns';
import { parseSnsTopicArn } from '#lib/arn';
import { snsClient } from '#lib/aws-clients';
import { describeError } from '#lib/errors';
import { PublishCode, oversizeOutcome, payloadBytes, payloadBytesBound } from '#lib/publish/index';
import { SNS_MAX_BATCH_ENTRIES, SNS_MAX_PAYLOAD_BYTES, type OutboundMessage, type PublishOutcome, type Publisher } from '#lib/publish/types';

/** How long and how often the publisher retries. Every bound holds per `publish` call. */
export interface RetryPolicy {
  /** Attempts per message, the first included. */
  maxAttempts: number;
  /** Cap of the first backoff; it doubles with every attempt up to `maxDelayMs`. */
  baseDelayMs: number;
  maxDelayMs: number;
  /**
   * No backoff is started that would end later than this many milliseconds after `publish` began; what still
   * fails then is reported `retryable`. Keep it well under the Lambda timeout.
   */
  maxElapsedMs: number;
}

export const DEFAULT_RETRY_POLICY: Readonly<RetryPolicy> = Object.freeze({
  maxAttempts: 6,
  baseDelayMs: 50,
  maxDelayMs: 2_000,
  maxElapsedMs: 20_000,
});

/** The part of an SNS client the publisher uses (an SNSClient, or a stand-in in tests). */
export type SnsSender = Pick<SNSClient, 'send'>;

export interface SnsPublisherOptions {
  /**
   * The client for a region. Defaults to `snsClient(region, { maxAttempts: 1 })`: the publisher runs the only
   * retry loop, so a request is never retried twice over and `maxElapsedMs` bounds the whole call.
   */
  clientFor?: (region: string) => SnsSender;
  /** PublishBatch requests in flight at once, across all topics. */
  concurrency?: number;
  retry?: Partial<RetryPolicy>;
  /** Injectable for tests. */
  sleep?: (ms: number) => Promise<void>;
  /** Uniform in [0, 1); injectable for tests. */
  random?: () => number;
  now?: () => number;
}

export const DEFAULT_CONCURRENCY = 8;

/**
 * What to do after an error: `transient` is retried in this call; `permanent` makes the messages `poison`
 * (for the whole topic when `scope` is `topic`, else only for the request's entries); `deferred` reports them
 * `retryable` at once, for errors that retrying within milliseconds will not fix (credentials, unknown 4xx).
 */
export type ErrorClass =
  | { kind: 'transient'; code: string; reason: string }
  | { kind: 'permanent'; scope: 'topic' | 'request'; code: string; reason: string }
  | { kind: 'deferred'; code: string; reason: string };

// Throttling: AWS's common error codes plus SNS's own (ThrottledException is 429 `Throttled`; KMSThrottling is the
// topic's KMS key being throttled). SNS API reference, "Common Errors" and PublishBatch "Errors".
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
]);

const TRANSIENT_CODES = new Set(['InternalError', 'InternalFailure', 'ServiceUnavailable', 'RequestTimeout', 'RequestTimeoutException', 'ConcurrentAccess']);

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
    $metadata?: { httpStatusCode?: number };
    $fault?: unknown;
  };
  const code = errorCode(e);
  const status = e.$metadata?.httpStatusCode;
  const reason = `${code}: ${describeError(err)}`;
  if (THROTTLING_CODES.has(code) || TRANSIENT_CODES.has(code) || NETWORK_CODES.has(code)) return { kind: 'transient', code, reason };
  if (TOPIC_PERMANENT_CODES.has(code)) return { kind: 'permanent', scope: 'topic', code, reason };
  if (REQUEST_PERMANENT_CODES.has(code)) return { kind: 'permanent', scope: 'request', code, reason };
  if (status !== undefined && (status >= 500 || status === 429)) return { kind: 'transient', code, reason };
  if (e.$fault === 'server') return { kind: 'transient', code, reason };
  // An unlisted 4xx (expired or invalid credentials, signature errors...) or a credentials-chain failure: the
  // message is fine, the caller's setup is not. Retrying now would only burn the budget; redelivery may succeed.
  if ((status !== undefined && status >= 400) || code === 'CredentialsProviderError') return { kind: 'deferred', code, reason };
  // No HTTP answer at all: a connection-level failure we have no name for. Retrying is safe.
  return { kind: 'transient', code, reason };
}

function errorCode(e: { Code?: unknown; code?: unknown; name?: unknown }): string {
  if (typeof e.Code === 'string' && e.Code !== '') return e.Code;
  if (typeof e.code === 'string' && NETWORK_CODES.has(e.code)) return e.code;
  if (typeof e.name === 'string' && e.name !== '' && e.name !== 'Error') {
    // Modeled SNS errors are classes named after the wire code: NotFoundException <- NotFound.
    return e.name.endsWith('Exception') && !THROTTLING_CODES.has(e.name) ? e.name.slice(0, -'Exception'.length) : e.name;
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

/** Full-jitter exponential backoff: uniform in [0, min(maxDelay, base * 2^(attempt-1))). (AWS Architecture Blog,
 * "Exponential Backoff And Jitter".) `attempt` is the number of the attempt that just failed, from 1. */
export function backoffDelay(attempt: number, policy: Pick<RetryPolicy, 'baseDelayMs' | 'maxDelayMs'>, random: () => number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  return Math.floor(random() * ceiling);
}

/**
 * One message on its way: its input position doubles as its batch entry Id (digits: valid and unique).
 * Its exact size (a UTF-8 count of the whole body) is computed only when a decision needs it: the upper bound from
 * string lengths settles the size limit and the packing of almost every message (docs/performance.md).
 */
class Pending {
  readonly bound: number;
  #bytes = -1;

  constructor(
    readonly index: number,
    readonly message: OutboundMessage,
  ) {
    this.bound = payloadBytesBound(message);
  }

  get bytes(): number {
    if (this.#bytes < 0) this.#bytes = payloadBytes(this.message);
    return this.#bytes;
  }
}

/**
 * Packs messages into batches of at most `SNS_MAX_BATCH_ENTRIES` entries and `SNS_MAX_PAYLOAD_BYTES` bytes
 * (the aggregate of bodies and attributes: SNS API reference, PublishBatch). First fit, in input order: each
 * message joins the first batch with room, so mixed sizes need fewer requests and every batch keeps input order.
 * An item may carry `bound`, an upper bound of its `bytes`: when the bounds fit, the exact sizes do too, so `bytes`
 * is read only for a batch near the limit; the batches are the same as with exact sizes alone.
 */
export function packBatches<T extends { bytes: number; bound?: number }>(items: readonly T[], maxEntries = SNS_MAX_BATCH_ENTRIES, maxBytes = SNS_MAX_PAYLOAD_BYTES): T[][] {
  // `bytes`: the exact total, summed from the items when first needed, then kept up to date.
  const batches: Array<{ items: T[]; bound: number; bytes: number | undefined }> = [];
  const fits = (b: { items: T[]; bound: number; bytes: number | undefined }, item: T): boolean => {
    if (b.items.length >= maxEntries) return false;
    if (b.bound + (item.bound ?? item.bytes) <= maxBytes) return true;
    b.bytes ??= b.items.reduce((sum, i) => sum + i.bytes, 0);
    return b.bytes + item.bytes <= maxBytes;
  };
  for (const item of items) {
    let target = batches.find((b) => fits(b, item));
    if (target === undefined) {
      target = { items: [], bound: 0, bytes: undefined };
      batches.push(target);
    }
    target.items.push(item);
    target.bound += item.bound ?? item.bytes;
    if (target.bytes !== undefined) target.bytes += item.bytes;
  }
  return batches.map((b) => b.items);
}

/** A counting semaphore: at most `limit` tasks run at once, the rest wait in arrival order. */
function createLimiter(limit: number): <T>(task: () => Promise<T>) => Promise<T> {
  let running = 0;
  const waiting: Array<() => void> = [];
  return async (task) => {
    if (running >= limit) await new Promise<void>((resolve) => waiting.push(resolve));
    else running++;
    try {
      return await task();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else running--;
    }
  };
}


const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Creates the SNS Publisher. `publish` resolves to one outcome per input message, in input order:
 * `ok` with SNS's MessageId; `poison` for what will never succeed (too large, topic missing or forbidden,
 * refused by SNS as the sender's fault); `retryable` for what still failed when the retry budget ran out.
 */
export function createSnsPublisher(options: SnsPublisherOptions = {}): Publisher {
  const policy: RetryPolicy = { ...DEFAULT_RETRY_POLICY, ...options.retry };
  const concurrency = Math.max(1, options.concurrency ?? DEFAULT_CONCURRENCY);
  const clientFor = options.clientFor ?? ((region: string) => snsClient(region, { maxAttempts: 1 }));
  const sleep = options.sleep ?? realSleep;
  const random = options.random ?? Math.random;
  const now = options.now ?? Date.now;

  return {
    async publish(messages: OutboundMessage[]): Promise<PublishOutcome[]> {
      const outcomes = new Array<PublishOutcome | undefined>(messages.length);
      const byTopic = new Map<string, Pending[]>();
      messages.forEach((message, index) => {
        const item = new Pending(index, message);
        const tooLarge = item.bound > SNS_MAX_PAYLOAD_BYTES ? oversizeOutcome(message, item.bytes) : undefined;
        if (tooLarge !== undefined) {
          outcomes[index] = tooLarge;
          return;
        }
        // A topic already in byTopic passed the check: it is made once per topic, not once per message.
        let list = byTopic.get(message.topicArn);
        if (list === undefined) {
          if (parseSnsTopicArn(message.topicArn) === null) {
            outcomes[index] = { key: message.key, status: 'poison', code: PublishCode.invalidTopicArn, reason: `${JSON.stringify(message.topicArn)} is not an SNS topic ARN` };
            return;
          }
          byTopic.set(message.topicArn, (list = []));
        }
        list.push(item);
      });

      const run = {
        outcomes,
        limit: createLimiter(concurrency),
        deadline: now() + policy.maxElapsedMs,
        policy,
        clientFor,
        sleep,
        random,
        now,
      };
      await Promise.all(
        [...byTopic].map(([topicArn, items]) =>
          publishTopic(run, topicArn, items).catch((err: unknown) => {
            // Only a bug or a broken client factory lands here; the messages are fine, so they may be redelivered.
            for (const item of items) {
              if (outcomes[item.index] === undefined) retryable(run, item, PublishCode.publisherError, `publishing to ${topicArn} failed: ${describeError(err)}`);
            }
          }),
        ),
      );
      // Array.from, not map: map skips the holes a missed outcome would leave.
      return Array.from(
        outcomes,
        (o, i) => o ?? { key: messages[i]!.key, status: 'retryable', code: PublishCode.missingResult, reason: 'the publisher produced no outcome for this message' },
      );
    },
  };
}

interface Run {
  outcomes: Array<PublishOutcome | undefined>;
  limit: <T>(task: () => Promise<T>) => Promise<T>;
  deadline: number;
  policy: RetryPolicy;
  clientFor: (region: string) => SnsSender;
  sleep: (ms: number) => Promise<void>;
  random: () => number;
  now: () => number;
}

/** A message to send again, with the error that sent it back. */
interface Retry {
  item: Pending;
  code: string;
  reason: string;
}

/** Publishes one topic's messages, round after round, until every message has an outcome. */
async function publishTopic(run: Run, topicArn: string, items: Pending[]): Promise<void> {
  const client = run.clientFor(parseSnsTopicArn(topicArn)!.region);
  // Set by a topic-level permanent error: batches not yet sent take the same outcome without being sent.
  let topicFailure: { code: string; reason: string } | undefined;
  let pending = items;
  for (let attempt = 1; ; attempt++) {
    const again: Retry[] = [];
    await Promise.all(
      packBatches(pending).map((batch) =>
        run.limit(async () => {
          if (topicFailure !== undefined) {
            for (const item of batch) poison(run, item, topicFailure.code, topicFailure.reason);
            return;
          }
          const result = await sendBatch(client, topicArn, batch);
          if (result.kind === 'entries') {
            settleEntries(run, topicArn, batch, result.entries, again);
            return;
          }
          const failure = settleFailedRequest(run, topicArn, batch, result.error, again);
          if (failure !== undefined) topicFailure = failure;
        }),
      ),
    );
    if (again.length === 0) return;

    const delay = backoffDelay(attempt, run.policy, run.random);
    const outOfAttempts = attempt >= run.policy.maxAttempts;
    if (outOfAttempts || run.now() + delay > run.deadline) {
      const why = outOfAttempts ? `after ${attempt} attempts` : `after ${attempt} attempts, retry time budget of ${run.policy.maxElapsedMs} ms spent`;
      for (const { item, code, reason } of again) retryable(run, item, code, `SNS PublishBatch to ${topicArn} still failing ${why}: ${reason}`);
      return;
    }
    await run.sleep(delay);
    pending = again.map((a) => a.item);
  }
}

/** Outcomes of a request that failed as a whole; returns the failure when it condemns the whole topic. */
function settleFailedRequest(run: Run, topicArn: string, batch: Pending[], error: ErrorClass, again: Retry[]): { code: string; reason: string } | undefined {
  switch (error.kind) {
    case 'transient':
      for (const item of batch) again.push({ item, code: error.code, reason: error.reason });
      return undefined;
    case 'deferred':
      for (const item of batch) retryable(run, item, error.code, `SNS PublishBatch to ${topicArn} failed: ${error.reason}`);
      return undefined;
    case 'permanent': {
      const what = error.scope === 'topic' ? `topic ${topicArn}` : `a PublishBatch request to ${topicArn}`;
      const failure = { code: error.code, reason: `SNS refused ${what}: ${error.reason}` };
      for (const item of batch) poison(run, item, failure.code, failure.reason);
      return error.scope === 'topic' ? failure : undefined;
    }
    default: {
      const unreachable: never = error;
      return unreachable;
    }
  }
}

/** Outcomes of the entries of an answered request: ok, to retry, or refused. */
function settleEntries(run: Run, topicArn: string, batch: Pending[], entries: Map<number, EntryResult>, again: Retry[]): void {
  for (const item of batch) {
    const entry = entries.get(item.index);
    if (entry === undefined) {
      again.push({ item, code: PublishCode.missingResult, reason: `PublishBatch answered nothing for entry ${item.index}` });
    } else if (entry.kind === 'ok') {
      run.outcomes[item.index] = { key: item.message.key, status: 'ok', messageId: entry.messageId };
    } else if (entry.error.kind === 'transient') {
      again.push({ item, code: entry.error.code, reason: entry.error.reason });
    } else {
      poison(run, item, entry.error.code, `SNS refused the message for ${topicArn}: ${entry.error.reason}`);
    }
  }
}

function poison(run: Run, item: Pending, code: string, reason: string): void {
  run.outcomes[item.index] = { key: item.message.key, status: 'poison', code, reason };
}

function retryable(run: Run, item: Pending, code: string, reason: string): void {
  run.outcomes[item.index] = { key: item.message.key, status: 'retryable', code, reason };
}

type EntryResult = { kind: 'ok'; messageId: string } | { kind: 'failed'; error: ErrorClass };
type BatchResult = { kind: 'error'; error: ErrorClass } | { kind: 'entries'; entries: Map<number, EntryResult> };

/** Sends one PublishBatch request; never throws. */
async function sendBatch(client: SnsSender, topicArn: string, batch: Pending[]): Promise<BatchResult> {
  const entries: PublishBatchRequestEntry[] = batch.map(({ index, message }) => {
    const entry: PublishBatchRequestEntry = { Id: String(index), Message: message.body };
    // MessageAttributes only when there are any; a loop, not Object.keys: no array per message just to count.
    for (const _name in message.attributes) {
      entry.MessageAttributes = message.attributes;
      break;
    }
    return entry;
  });
  let response: PublishBatchResponse;
  try {
    response = await client.send(new PublishBatchCommand({ TopicArn: topicArn, PublishBatchRequestEntries: entries }));
  } catch (err) {
    return { kind: 'error', error: classifySendError(err) };
  }
  const results = new Map<number, EntryResult>();
  for (const ok of response.Successful ?? []) {
    if (ok.Id !== undefined && ok.MessageId !== undefined) results.set(Number(ok.Id), { kind: 'ok', messageId: ok.MessageId });
  }
  for (const failed of response.Failed ?? []) results.set(Number(failed.Id), { kind: 'failed', error: classifyFailedEntry(failed) });
  return { kind: 'entries', entries: results };
}
