/**
 * The SNS publisher: groups messages by topic, packs them into PublishBatch requests (at most 10 entries and
 * 256 KiB per request), retries what can succeed later with exponential backoff and full jitter, and reports one
 * outcome per message. It never throws for a failed message, and one bad destination never stalls the others.
 * See docs/publishing.md.
 */
import { parseSnsTopicArn } from '#lib/arn';
import { snsClient } from '#lib/aws-clients';
import { createLimiter } from '#lib/concurrency';
import { oversizeOutcome, PublishCode } from '#lib/publish/index';
import { Pending, type SnsSender } from '#lib/publish/request';
import {
  attempt,
  DEFAULT_RETRY_POLICY,
  poison,
  type RetryPolicy,
  type Run,
  retryRounds,
  TopicQueue,
  unsettled,
} from '#lib/publish/retry';
import {
  type OutboundMessage,
  type Publisher,
  type PublishOutcome,
  type PublishSession,
  SNS_MAX_PAYLOAD_BYTES,
} from '#lib/publish/types';

export { classifyFailedEntry, classifySendError, type ErrorClass, isThrottlingCode } from '#lib/publish/classify';
export { BatchPacker, packBatches } from '#lib/publish/pack';
export type { SnsSender } from '#lib/publish/request';
export { backoffDelay, DEFAULT_RETRY_POLICY, type RetryPolicy } from '#lib/publish/retry';

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
