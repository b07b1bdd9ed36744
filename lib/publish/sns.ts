/**
 * The SNS publisher: groups messages by topic, packs them into PublishBatch requests (at most 10 entries and
 * 256 KiB per request), retries what can succeed later with exponential backoff and full jitter, and reports one
 * outcome per message. It never throws for a failed message, and one bad destination never stalls the others.
 * See docs/publishing.md.
 */
import {
  PublishBatchCommand,
  type PublishBatchRequestEntry,
  type PublishBatchResponse,
  type SNSClient,
} from '@aws-sdk/client-sns';
import { parseSnsTopicArn } from '#lib/arn';
import { snsClient } from '#lib/aws-clients';
import { createLimiter } from '#lib/concurrency';
import { describeError } from '#lib/errors';
import { oversizeOutcome, PublishCode, payloadBytes, payloadBytesBound } from '#lib/publish/index';
import {
  type OutboundMessage,
  type Publisher,
  type PublishOutcome,
  type PublishSession,
  SNS_MAX_BATCH_ENTRIES,
  SNS_MAX_PAYLOAD_BYTES,
} from '#lib/publish/types';

/** How long and how often the publisher retries. Every bound holds per session (one batch). */
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
   * retry loop, so a request is never retried twice over and `maxElapsedMs` bounds the whole session.
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
 * `retryable` at once, for errors that retrying within milliseconds will not fix (credentials, unknown 4xx);
 * `local` failed here, before the request left (encoding, serialization): the same request would fail the same
 * way forever, so its messages are sent one by one and the one that still fails alone is `poison`.
 */
export type ErrorClass =
  | { kind: 'transient'; code: string; reason: string }
  | { kind: 'local'; code: string; reason: string }
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
    $metadata?: { httpStatusCode?: number };
    $fault?: unknown;
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

/** Full-jitter exponential backoff: uniform in [0, min(maxDelay, base * 2^(attempt-1))). (AWS Architecture Blog,
 * "Exponential Backoff And Jitter".) `attempt` is the number of the attempt that just failed, from 1. */
export function backoffDelay(
  attempt: number,
  policy: Pick<RetryPolicy, 'baseDelayMs' | 'maxDelayMs'>,
  random: () => number,
): number {
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

/** One PublishBatch request being packed: `bytes` is the exact total, summed from the items when first needed. */
interface Bin<T> {
  items: T[];
  bound: number;
  bytes: number | undefined;
  /** Creation order: the n-th batch started. */
  order: number;
}

/**
 * Packs messages into PublishBatch requests of at most `maxEntries` entries and `maxBytes` bytes (the aggregate of
 * bodies and attributes: SNS API reference, PublishBatch). First fit, in input order: each message joins the first
 * open batch with room, so mixed sizes need fewer requests and every batch keeps input order. A batch that reaches
 * `maxEntries` can take nothing more, so `add` hands it back at once: a session sends it while later messages are
 * still being rendered. An item may carry `bound`, an upper bound of its `bytes`: when the bounds fit, the exact
 * sizes do too, so `bytes` is read only for a batch near the limit; the batches are the same as with exact sizes.
 */
export class BatchPacker<T extends { bytes: number; bound?: number }> {
  #open: Array<Bin<T>> = [];
  #started = 0;

  constructor(
    readonly maxEntries = SNS_MAX_BATCH_ENTRIES,
    readonly maxBytes = SNS_MAX_PAYLOAD_BYTES,
  ) {}

  /** Adds an item; returns its batch when that batch is now full (and no longer open). */
  add(item: T): Bin<T> | undefined {
    const size = item.bound ?? item.bytes;
    let target: Bin<T> | undefined;
    for (const bin of this.#open) {
      if (this.#fits(bin, item, size)) {
        target = bin;
        break;
      }
    }
    if (target === undefined) {
      target = { items: [], bound: 0, bytes: undefined, order: this.#started++ };
      this.#open.push(target);
    }
    target.items.push(item);
    target.bound += size;
    if (target.bytes !== undefined) target.bytes += item.bytes;
    if (target.items.length < this.maxEntries) return undefined;
    this.#open.splice(this.#open.indexOf(target), 1);
    return target;
  }

  /** The batches still open, in the order they were started; the packer is empty afterwards. */
  drain(): Array<Bin<T>> {
    return this.#open.splice(0);
  }

  #fits(bin: Bin<T>, item: T, size: number): boolean {
    if (bin.bound + size <= this.maxBytes) return true;
    bin.bytes ??= bin.items.reduce((sum, i) => sum + i.bytes, 0);
    return bin.bytes + item.bytes <= this.maxBytes;
  }
}

/** {@link BatchPacker} over items already in hand: the batches in the order they were started. */
export function packBatches<T extends { bytes: number; bound?: number }>(
  items: readonly T[],
  maxEntries = SNS_MAX_BATCH_ENTRIES,
  maxBytes = SNS_MAX_PAYLOAD_BYTES,
): T[][] {
  const packer = new BatchPacker<T>(maxEntries, maxBytes);
  const bins: Array<Bin<T>> = [];
  for (const item of items) {
    const full = packer.add(item);
    if (full !== undefined) bins.push(full);
  }
  bins.push(...packer.drain());
  return bins.sort((a, b) => a.order - b.order).map((b) => b.items);
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Creates the SNS Publisher. A session's `finish` resolves to one outcome per added message, in the order added:
 * `ok` with SNS's MessageId; `poison` for what will never succeed (too large, topic missing or forbidden, refused by
 * SNS as the sender's fault); `retryable` for what still failed when the retry budget ran out. Each topic's full
 * requests are sent as soon as they fill; the rest, and the retries, when the session is finished.
 */
export function createSnsPublisher(options: SnsPublisherOptions = {}): Publisher {
  const policy: RetryPolicy = { ...DEFAULT_RETRY_POLICY, ...options.retry };
  const concurrency = Math.max(1, options.concurrency ?? DEFAULT_CONCURRENCY);
  const clientFor = options.clientFor ?? ((region: string) => snsClient(region, { maxAttempts: 1 }));
  const sleep = options.sleep ?? realSleep;
  const random = options.random ?? Math.random;
  const now = options.now ?? Date.now;
  return {
    open: () =>
      new SnsPublishSession({
        outcomes: [],
        limit: createLimiter(concurrency),
        deadline: now() + policy.maxElapsedMs,
        policy,
        clientFor,
        sleep,
        random,
        now,
      }),
  };
}

interface Run {
  /** Indexed by the order messages were added. */
  outcomes: Array<PublishOutcome | undefined>;
  limit: <T>(task: () => Promise<T>) => Promise<T>;
  /** Set when the session opens: the time spent reading and rendering the batch counts against the budget too. */
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

/** What a session knows of one destination topic. */
class TopicQueue {
  readonly packer = new BatchPacker<Pending>();
  /** First attempts under way. */
  readonly sending: Array<Promise<void>> = [];
  /** Messages whose attempt failed in a way worth another try. */
  again: Retry[] = [];
  /** Set by a topic-level permanent error: messages not yet sent take the same outcome without being sent. */
  failure: { code: string; reason: string } | undefined;
  #client: SnsSender | undefined;

  constructor(
    readonly arn: string,
    readonly region: string,
  ) {}

  client(run: Run): SnsSender {
    this.#client ??= run.clientFor(this.region);
    return this.#client;
  }
}

class SnsPublishSession implements PublishSession {
  readonly #run: Run;
  readonly #keys: string[] = [];
  readonly #topics = new Map<string, TopicQueue>();

  constructor(run: Run) {
    this.#run = run;
  }

  add(message: OutboundMessage): void {
    const run = this.#run;
    const index = this.#keys.push(message.key) - 1;
    const item = new Pending(index, message);
    if (item.bound > SNS_MAX_PAYLOAD_BYTES) {
      const tooLarge = oversizeOutcome(message, item.bytes);
      if (tooLarge !== undefined) {
        run.outcomes[index] = tooLarge;
        return;
      }
    }
    // A topic already in the map passed the ARN check: it is made once per topic, not once per message.
    let topic = this.#topics.get(message.topicArn);
    if (topic === undefined) {
      const arn = parseSnsTopicArn(message.topicArn);
      if (arn === null) {
        run.outcomes[index] = {
          key: message.key,
          status: 'poison',
          code: PublishCode.invalidTopicArn,
          reason: `${JSON.stringify(message.topicArn)} is not an SNS topic ARN`,
        };
        return;
      }
      topic = new TopicQueue(message.topicArn, arn.region);
      this.#topics.set(message.topicArn, topic);
    }
    if (topic.failure !== undefined) {
      poison(run, item, topic.failure.code, topic.failure.reason);
      return;
    }
    const full = topic.packer.add(item);
    if (full !== undefined) this.#send(topic, full.items);
  }

  async finish(): Promise<PublishOutcome[]> {
    const run = this.#run;
    await Promise.all(
      [...this.#topics.values()].map(async (topic) => {
        for (const bin of topic.packer.drain()) this.#send(topic, bin.items);
        await Promise.all(topic.sending);
        await retryRounds(run, topic).catch((err: unknown) => {
          // Only a bug or a broken client lands here; the messages are fine, so they may be redelivered.
          for (const { item } of topic.again) unsettled(run, item, topic.arn, err);
        });
      }),
    );
    // Array.from, not map: map skips the holes a missed outcome would leave.
    return Array.from(
      { length: this.#keys.length },
      (_, i) =>
        run.outcomes[i] ?? {
          key: this.#keys[i] as string,
          status: 'retryable',
          code: PublishCode.missingResult,
          reason: 'the publisher produced no outcome for this message',
        },
    );
  }

  /** The first attempt of one request; what fails in a way worth retrying waits in the topic's `again`. */
  #send(topic: TopicQueue, batch: Pending[]): void {
    const run = this.#run;
    topic.sending.push(
      run
        .limit(() => attempt(run, topic, batch, topic.again))
        .catch((err: unknown) => {
          for (const item of batch) unsettled(run, item, topic.arn, err);
        }),
    );
  }
}

/** A message left without an outcome by an unexpected error (a bug, a client factory that throws). */
function unsettled(run: Run, item: Pending, topicArn: string, err: unknown): void {
  if (run.outcomes[item.index] === undefined)
    retryable(run, item, PublishCode.publisherError, `publishing to ${topicArn} failed: ${describeError(err)}`);
}

/** Sends one request (unless the topic is already condemned) and settles its messages. */
async function attempt(run: Run, topic: TopicQueue, batch: Pending[], again: Retry[]): Promise<void> {
  if (topic.failure !== undefined) {
    for (const item of batch) poison(run, item, topic.failure.code, topic.failure.reason);
    return;
  }
  const result = await sendBatch(topic.client(run), topic.arn, batch);
  if (result.kind === 'entries') {
    settleEntries(run, topic.arn, batch, result.entries, again);
    return;
  }
  if (result.error.kind === 'local' && batch.length > 1) {
    // One message of the request cannot be encoded: find it by sending each alone; its neighbours go through.
    for (const item of batch) await attempt(run, topic, [item], again);
    return;
  }
  const failure = settleFailedRequest(run, topic.arn, batch, result.error, again);
  if (failure !== undefined) topic.failure = failure;
}

/**
 * Retries a topic's failed messages, round after round with backoff, repacked into as few requests as they fit,
 * until every message has an outcome or the attempts or the time budget run out.
 */
async function retryRounds(run: Run, topic: TopicQueue): Promise<void> {
  for (let attempts = 1; topic.again.length > 0; attempts++) {
    const delay = backoffDelay(attempts, run.policy, run.random);
    const outOfAttempts = attempts >= run.policy.maxAttempts;
    if (outOfAttempts || run.now() + delay > run.deadline) {
      const why = outOfAttempts
        ? `after ${attempts} attempts`
        : `after ${attempts} attempts, retry time budget of ${run.policy.maxElapsedMs} ms spent`;
      for (const { item, code, reason } of topic.again)
        retryable(run, item, code, `SNS PublishBatch to ${topic.arn} still failing ${why}: ${reason}`);
      topic.again = [];
      return;
    }
    await run.sleep(delay);
    const pending = topic.again.map((a) => a.item);
    const again: Retry[] = [];
    await Promise.all(packBatches(pending).map((batch) => run.limit(() => attempt(run, topic, batch, again))));
    topic.again = again;
  }
}

/** Outcomes of a request that failed as a whole; returns the failure when it condemns the whole topic. */
function settleFailedRequest(
  run: Run,
  topicArn: string,
  batch: Pending[],
  error: ErrorClass,
  again: Retry[],
): { code: string; reason: string } | undefined {
  switch (error.kind) {
    case 'transient':
      for (const item of batch) again.push({ item, code: error.code, reason: error.reason });
      return undefined;
    case 'deferred':
      for (const item of batch)
        retryable(run, item, error.code, `SNS PublishBatch to ${topicArn} failed: ${error.reason}`);
      return undefined;
    case 'local':
      for (const item of batch)
        poison(
          run,
          item,
          PublishCode.unsendable,
          `the message for ${topicArn} could not be encoded into a request, so it was never sent: ${error.reason}`,
        );
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
function settleEntries(
  run: Run,
  topicArn: string,
  batch: Pending[],
  entries: Map<number, EntryResult>,
  again: Retry[],
): void {
  for (const item of batch) {
    const entry = entries.get(item.index);
    if (entry === undefined) {
      again.push({
        item,
        code: PublishCode.missingResult,
        reason: `PublishBatch answered nothing for entry ${item.index}`,
      });
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
    if (ok.Id !== undefined && ok.MessageId !== undefined)
      results.set(Number(ok.Id), { kind: 'ok', messageId: ok.MessageId });
  }
  for (const failed of response.Failed ?? [])
    results.set(Number(failed.Id), { kind: 'failed', error: classifyFailedEntry(failed) });
  return { kind: 'entries', entries: results };
}
