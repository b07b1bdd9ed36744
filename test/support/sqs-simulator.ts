/**
 * An in-memory SQS queue and the Lambda SQS event source that drains it, for driving `route-sqs` the way AWS does:
 * - Lambda receives up to `batchSize` visible messages, fewer when the event would pass the 6 MB invocation payload
 *   quota (Lambda developer guide, "Using Lambda with Amazon SQS": batch size, payload quota);
 * - with ReportBatchItemFailures only the messages listed in `batchItemFailures` become visible again; a thrown error,
 *   or a response Lambda cannot read (empty or null itemIdentifier, an id not in the batch), fails the whole batch
 *   ("Success and failure conditions");
 * - every receive counts towards `ApproximateReceiveCount`; a message about to be received more than
 *   `maxReceiveCount` times moves to the dead-letter queue instead (SQS redrive policy). Real SQS adds no reason to a
 *   dead letter; this model keeps each receive's outcome so a test can say why.
 *
 * Time is not modelled: a failed message becomes visible again at the back of the queue (its visibility timeout has
 * passed by the time the messages before it are processed). Standard queues do not keep order; this one does, so a
 * run with a seeded fault pattern is repeatable.
 */
import { createHash } from 'node:crypto';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';

/** Lambda's invocation payload quota for synchronous invocation, which SQS batches are subject to. */
export const LAMBDA_PAYLOAD_LIMIT_BYTES = 6 * 1024 * 1024;

export type SqsHandler = (
  event: SQSEvent,
  context: Context,
) => Promise<SQSBatchResponse | undefined | null | undefined>;

export interface SqsSimulatorOptions {
  /** Most messages per invocation (serverless.yml: 100). */
  batchSize?: number;
  /** Receives before a message moves to the dead-letter queue (serverless.yml: 5). */
  maxReceiveCount?: number;
  /** Most bytes of event JSON per invocation. */
  maxEventBytes?: number;
  /** Invocations running at once (the event source scales its pollers with the backlog). */
  concurrency?: number;
  queueArn?: string;
  functionArn?: string;
}

/** One message in the queue, with what happened on each receive. */
export interface QueuedMessage {
  messageId: string;
  body: string;
  sentTimestamp: number;
  receiveCount: number;
  firstReceiveTimestamp: number | null;
  /** One line per receive that did not delete it: "receive 2: listed in batchItemFailures". */
  failures: string[];
}

export interface DeadLetter {
  messageId: string;
  body: string;
  receiveCount: number;
  /** Why it is here: the receive count and the outcome of every receive. */
  reason: string;
  failures: string[];
}

export interface SqsRunStats {
  sent: number;
  invocations: number;
  /** Invocations that threw or answered something Lambda reads as a complete failure. */
  failedInvocations: number;
  /** Messages handed to the function, counting every receive. */
  received: number;
  /** Receives beyond the first. */
  redeliveries: number;
  deleted: number;
  deadLettered: number;
  /** Largest event handed to the function, in messages and in bytes of JSON. */
  largestBatch: number;
  largestEventBytes: number;
}

const stableId = (seed: string) => {
  const h = createHash('sha256').update(seed).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
};

export class SqsSimulator {
  readonly batchSize: number;
  readonly maxReceiveCount: number;
  readonly maxEventBytes: number;
  readonly concurrency: number;
  readonly queueArn: string;
  readonly functionArn: string;
  /** Visible messages, in the order they will be received. */
  private readonly visible: QueuedMessage[] = [];
  readonly deadLetters: DeadLetter[] = [];
  readonly stats: SqsRunStats = {
    sent: 0,
    invocations: 0,
    failedInvocations: 0,
    received: 0,
    redeliveries: 0,
    deleted: 0,
    deadLettered: 0,
    largestBatch: 0,
    largestEventBytes: 0,
  };
  private clock = 1_767_225_600_000;

  constructor(options: SqsSimulatorOptions = {}) {
    this.batchSize = options.batchSize ?? 100;
    this.maxReceiveCount = options.maxReceiveCount ?? 5;
    this.maxEventBytes = options.maxEventBytes ?? LAMBDA_PAYLOAD_LIMIT_BYTES;
    this.concurrency = options.concurrency ?? 1;
    this.queueArn = options.queueArn ?? 'arn:aws:sqs:us-east-1:888888888888:ses-notification-bridge-test-intake';
    this.functionArn =
      options.functionArn ?? 'arn:aws:lambda:us-east-1:888888888888:function:ses-notification-bridge-test-route-sqs';
  }

  /** Enqueues one message; returns its SQS message id (deterministic: the send order and body). */
  send(body: string): string {
    const messageId = stableId(`${this.stats.sent}:${body}`);
    this.visible.push({
      messageId,
      body,
      sentTimestamp: this.clock++,
      receiveCount: 0,
      firstReceiveTimestamp: null,
      failures: [],
    });
    this.stats.sent++;
    return messageId;
  }

  sendAll(bodies: Iterable<string>): string[] {
    return [...bodies].map((body) => this.send(body));
  }

  /** Messages still waiting (visible, not yet deleted or dead-lettered). */
  get depth(): number {
    return this.visible.length;
  }

  /**
   * Invokes `handler` until the queue is empty: every message ends deleted or in the dead-letter queue.
   * `afterInvocation` runs after each invocation (a test can change faults between receives).
   */
  async drain(handler: SqsHandler, afterInvocation?: (stats: SqsRunStats) => void): Promise<SqsRunStats> {
    const running = new Set<Promise<void>>();
    for (;;) {
      while (running.size < this.concurrency) {
        const batch = this.receive();
        if (batch.length === 0) break;
        const task: Promise<void> = this.invoke(handler, batch).then(() => {
          running.delete(task);
          afterInvocation?.(this.stats);
        });
        running.add(task);
      }
      if (running.size === 0) return this.stats;
      await Promise.race(running);
    }
  }

  /** Takes the next batch off the queue, dead-lettering what has been received `maxReceiveCount` times already. */
  private receive(): QueuedMessage[] {
    const batch: QueuedMessage[] = [];
    // The event's JSON without records, and one record's overhead beyond its body, counted as Lambda counts them.
    let bytes = '{"Records":[]}'.length;
    while (batch.length < this.batchSize && this.visible.length > 0) {
      const next = this.visible[0]!;
      if (next.receiveCount >= this.maxReceiveCount) {
        this.visible.shift();
        this.deadLetter(next);
        continue;
      }
      const recordBytes = Buffer.byteLength(JSON.stringify(this.record(next, next.receiveCount + 1))) + 1;
      // A single message always fits (SQS caps a message at 256 KiB); otherwise stop at the quota.
      if (batch.length > 0 && bytes + recordBytes > this.maxEventBytes) break;
      this.visible.shift();
      next.receiveCount++;
      next.firstReceiveTimestamp ??= this.clock;
      bytes += recordBytes;
      batch.push(next);
    }
    if (batch.length > 0) {
      this.stats.largestBatch = Math.max(this.stats.largestBatch, batch.length);
      this.stats.largestEventBytes = Math.max(this.stats.largestEventBytes, bytes);
    }
    return batch;
  }

  private deadLetter(message: QueuedMessage): void {
    const reason = `received ${message.receiveCount} times (maxReceiveCount ${this.maxReceiveCount}) without being deleted: ${message.failures.join('; ')}`;
    this.deadLetters.push({
      messageId: message.messageId,
      body: message.body,
      receiveCount: message.receiveCount,
      reason,
      failures: [...message.failures],
    });
    this.stats.deadLettered++;
  }

  /** The SQS record Lambda builds for one receive (Lambda developer guide, example SQS event). */
  private record(message: QueuedMessage, receiveCount: number): SQSRecord {
    return {
      messageId: message.messageId,
      receiptHandle: `AQEB${createHash('sha1').update(`${message.messageId}:${receiveCount}`).digest('base64')}`,
      body: message.body,
      attributes: {
        ApproximateReceiveCount: String(receiveCount),
        SentTimestamp: String(message.sentTimestamp),
        SenderId: 'AIDAIENQZJOLO23YVJ4VO',
        ApproximateFirstReceiveTimestamp: String(message.firstReceiveTimestamp ?? this.clock),
      },
      messageAttributes: {},
      md5OfBody: createHash('md5').update(message.body).digest('hex'),
      eventSource: 'aws:sqs',
      eventSourceARN: this.queueArn,
      awsRegion: this.queueArn.split(':')[3] ?? 'us-east-1',
    };
  }

  private async invoke(handler: SqsHandler, batch: QueuedMessage[]): Promise<void> {
    this.stats.invocations++;
    this.stats.received += batch.length;
    for (const message of batch) if (message.receiveCount > 1) this.stats.redeliveries++;
    const event: SQSEvent = { Records: batch.map((m) => this.record(m, m.receiveCount)) };
    const context = {
      invokedFunctionArn: this.functionArn,
      awsRequestId: stableId(`invoke:${this.stats.invocations}`),
    } as Context;
    let failed: Map<string, string>;
    try {
      failed = this.failedItems(await handler(event, context), batch);
    } catch (err) {
      const why = `handler failed: ${err instanceof Error ? err.message : String(err)}`;
      failed = new Map(batch.map((m) => [m.messageId, why]));
      this.stats.failedInvocations++;
    }
    for (const message of batch) {
      const why = failed.get(message.messageId);
      if (why === undefined) {
        this.stats.deleted++;
        continue;
      }
      message.failures.push(`receive ${message.receiveCount}: ${why}`);
      this.visible.push(message);
    }
    this.clock += 1_000;
  }

  /** Which messages go back, and why, from the function's response under ReportBatchItemFailures. */
  private failedItems(response: unknown, batch: QueuedMessage[]): Map<string, string> {
    const all = (why: string) => {
      this.stats.failedInvocations++;
      return new Map(batch.map((m) => [m.messageId, why]));
    };
    if (response === undefined || response === null) return new Map();
    if (typeof response !== 'object')
      return all(`response ${JSON.stringify(response)} is not a batch response: whole batch failed`);
    const list = (response as { batchItemFailures?: unknown }).batchItemFailures;
    if (list === undefined || list === null) return new Map();
    if (!Array.isArray(list)) return all('batchItemFailures is not a list: whole batch failed');
    const ids = new Set(batch.map((m) => m.messageId));
    const failed = new Map<string, string>();
    for (const entry of list) {
      const id =
        typeof entry === 'object' && entry !== null
          ? (entry as { itemIdentifier?: unknown }).itemIdentifier
          : undefined;
      if (typeof id !== 'string' || id === '' || !ids.has(id))
        return all(
          `batchItemFailures holds ${JSON.stringify(entry)}, not a message id of this batch: whole batch failed`,
        );
      failed.set(id, 'listed in batchItemFailures');
    }
    return failed;
  }
}
