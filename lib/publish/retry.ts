/**
 * The publisher's retry loop: the first attempt of each request, then rounds of retries with backoff, repacked,
 * until every message has an outcome or the attempts or the time budget run out. Each message ends `ok`, `poison`
 * or `retryable`; lib/publish/sns drives it, one session at a time.
 */
import { describeError } from '#lib/errors';
import type { ErrorClass } from '#lib/publish/classify';
import { PublishCode } from '#lib/publish/index';
import { BatchPacker, packBatches } from '#lib/publish/pack';
import { type EntryResult, type Pending, type SnsSender, sendBatch } from '#lib/publish/request';
import type { PublishOutcome } from '#lib/publish/types';

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

/** One session's shared state: the outcomes so far, the request limiter, the deadline and what is injected. */
export interface Run {
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
export interface Retry {
  item: Pending;
  code: string;
  reason: string;
}

/** What a session knows of one destination topic. */
export class TopicQueue {
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

/** A message left without an outcome by an unexpected error (a bug, a client factory that throws). */
export function unsettled(run: Run, item: Pending, topicArn: string, err: unknown): void {
  if (run.outcomes[item.index] === undefined)
    retryable(run, item, PublishCode.publisherError, `publishing to ${topicArn} failed: ${describeError(err)}`);
}

/** Sends one request (unless the topic is already condemned) and settles its messages. */
export async function attempt(run: Run, topic: TopicQueue, batch: Pending[], again: Retry[]): Promise<void> {
  if (topic.failure !== undefined) {
    for (const item of batch) poison(run, item, topic.failure.code, topic.failure.reason);
    return;
  }
  const result = await sendBatch(topic.client(run), topic.arn, batch);
  if (result.kind === 'entries') {
    settleEntries(run, topic.arn, batch, result.entries, again);
    return;
  }
  const { error } = result;
  if (batch.length > 1 && (error.kind === 'local' || (error.kind === 'permanent' && error.scope === 'request'))) {
    // The request could not be encoded, or SNS refused it as written (a parameter, its length): the cause may be
    // one message. Each is sent alone, so only what is refused again is parked and its neighbours go through.
    for (const item of batch) await attempt(run, topic, [item], again);
    return;
  }
  const failure = settleFailedRequest(run, topic.arn, batch, error, again);
  if (failure !== undefined) topic.failure = failure;
}

/**
 * Retries a topic's failed messages, round after round with backoff, repacked into as few requests as they fit,
 * until every message has an outcome or the attempts or the time budget run out.
 */
export async function retryRounds(run: Run, topic: TopicQueue): Promise<void> {
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

export function poison(run: Run, item: Pending, code: string, reason: string): void {
  run.outcomes[item.index] = { key: item.message.key, status: 'poison', code, reason };
}

export function retryable(run: Run, item: Pending, code: string, reason: string): void {
  run.outcomes[item.index] = { key: item.message.key, status: 'retryable', code, reason };
}
