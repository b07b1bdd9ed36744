/**
 * Nothing lost under faults (issue 6.1): thousands of SES records through the real handlers, the real SNS publisher
 * and the SDK, against the SNS test server injecting throttling and per-entry failures from a seed. Each trigger is
 * driven with its own retry semantics: the SQS event source (partial batch responses, redelivery, redrive to the
 * dead-letter queue) for route-sqs, Lambda's asynchronous invocation (3 attempts, then the on-failure destination)
 * for route-sns and route-eventbridge.
 *
 * Every record must end delivered to every destination it routes to, or in the dead-letter queue with a reason.
 * Duplicates are allowed (at-least-once) and counted; each run prints a one-line summary for docs/reliability.md.
 */
import type { EventBridgeEvent, SNSEvent } from 'aws-lambda';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { logger } from '#lib/logger';
import { type BridgeHarness, startBridge } from '#test/support/bridge-harness';
import { eventBridgeEvent, lambdaSnsEvent, sqsBodyFromSns } from '#test/support/envelopes';
import {
  buildWorkload,
  DESTINATION_TOPICS,
  PARKING_TOPIC_ARN,
  pairKey,
  tally,
  type WorkloadRecord,
  workloadRoutes,
} from '#test/support/fault-workload';
import { AsyncInvoker } from '#test/support/lambda-async';
import { SqsSimulator } from '#test/support/sqs-simulator';
import { handler as eventBridgeHandler } from '../../functions/route-eventbridge';
import { handler as snsHandler } from '../../functions/route-sns';
import { handler as sqsHandler } from '../../functions/route-sqs';

let bridge: BridgeHarness | undefined;
afterEach(async () => {
  vi.restoreAllMocks();
  await bridge?.close();
  bridge = undefined;
});

/** Bad inputs mixed into the run: each must be parked once with its code, faults or not. */
function badBodies(count: number): Array<{ body: string; text: string; code: string }> {
  const out: Array<{ body: string; text: string; code: string }> = [];
  for (let i = 0; i < count; i++) {
    switch (i % 3) {
      case 0: {
        const text = `{"notificationType":"Bounce","mail":{"messageId":"truncated-${i}",`;
        out.push({ body: text, text, code: 'invalid_json' });
        break;
      }
      case 1: {
        const text = `Hello from SNS! test message ${i}`;
        out.push({ body: sqsBodyFromSns(text), text, code: 'not_ses' });
        break;
      }
      default: {
        const text = JSON.stringify({
          eventType: 'Bounce',
          bounce: { bouncedRecipients: [] },
          mail: { timestamp: '2026-01-01T00:00:00.000Z', source: `no-id-${i}@example.com` },
        });
        out.push({ body: sqsBodyFromSns(text), text, code: 'invalid_record' });
      }
    }
  }
  return out;
}

/** Publish failures the bridge logged, per SES message id: an operator's "why" for a dead letter. */
function captureRetryReasons(): Map<string, string[]> {
  const reasons = new Map<string, string[]>();
  vi.spyOn(logger, 'warn').mockImplementation(((
    message: string,
    fields?: { correlation_id?: string; code?: string; topicArn?: string },
  ) => {
    if (message === 'publish failed; will be retried' && fields?.correlation_id) {
      const list = reasons.get(fields.correlation_id) ?? [];
      list.push(`${fields.code} on ${fields.topicArn}`);
      reasons.set(fields.correlation_id, list);
    }
  }) as never);
  return reasons;
}

interface Figures {
  trigger: string;
  records: number;
  pairs: number;
  delivered: number;
  deliveries: number;
  duplicates: number;
  dlq: number;
  parked: number;
  redeliveries: number;
  snsRequests: number;
  injected: Record<string, number>;
}

/** Checks the invariant and returns the run's figures. `failedIds` are the SES message ids of dead-lettered records. */
function account(trigger: string, records: WorkloadRecord[], failedIds: Set<string>, redeliveries: number): Figures {
  const fake = bridge!.fake;
  const result = tally(fake.state.published, records);
  expect(result.unexpected).toEqual([]);
  let pairs = 0;
  let delivered = 0;
  const lost: string[] = [];
  for (const record of records) {
    for (const destination of record.expected) {
      pairs++;
      const key = pairKey(record.messageId, destination.topicArn);
      const copies = result.copies.get(key) ?? 0;
      if (copies > 0) delivered++;
      else if (!failedIds.has(record.messageId)) lost.push(key);
      // At-least-once: every copy of one delivery carries the same idempotency key.
      if (copies > 0) expect(result.bridgeIds.get(key)?.size).toBe(1);
    }
  }
  expect(lost).toEqual([]);
  const deliveries = result.messages;
  const requests = fake.state.requests.filter((r) => r.action === 'PublishBatch');
  const injected: Record<string, number> = {};
  for (const r of requests) if (r.fault) injected[r.fault] = (injected[r.fault] ?? 0) + 1;
  injected['failed-entries'] = requests.reduce((n, r) => n + (r.failedEntries ?? 0), 0);
  return {
    trigger,
    records: records.length,
    pairs,
    delivered,
    deliveries,
    duplicates: deliveries - delivered,
    dlq: failedIds.size,
    parked: fake.state.messagesFor(PARKING_TOPIC_ARN).length,
    redeliveries,
    snsRequests: requests.length,
    injected,
  };
}

function summary(f: Figures, extra: string): string {
  const injected = Object.entries(f.injected)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
  return `[fault-injection] ${f.trigger}: records=${f.records} destinations=${f.pairs} delivered=${f.delivered} deliveries=${f.deliveries} duplicates=${f.duplicates} dlq=${f.dlq} parked=${f.parked} redeliveries=${f.redeliveries} snsRequests=${f.snsRequests} injected(${injected}) ${extra}`;
}

/** Parked messages by original text; each bad input must be there exactly once with its code. */
function expectParkedOnce(bad: Array<{ text: string; code: string }>, deadLettered: Set<string>) {
  const parked = bridge!.fake.state
    .messagesFor(PARKING_TOPIC_ARN)
    .map((m) => JSON.parse(m.body) as { code: string; text: string });
  const byText = new Map<string, string[]>();
  for (const p of parked) byText.set(p.text, [...(byText.get(p.text) ?? []), p.code]);
  for (const { text, code } of bad) {
    if (deadLettered.has(text)) continue;
    expect(byText.get(text), text).toEqual([code]);
  }
  expect(parked).toHaveLength(bad.length - [...deadLettered].filter((t) => bad.some((b) => b.text === t)).length);
}

/** The two publisher settings each trigger is run with. */
const POLICIES = [
  // Production: 6 attempts per publish call, so the publisher absorbs nearly every injected fault itself.
  { name: 'the production retry policy', label: 'publishAttempts=6', retry: {} },
  // One attempt: every failure falls through to the trigger's own retries (SQS redelivery, Lambda async retries).
  { name: 'one publish attempt per invocation', label: 'publishAttempts=1', retry: { maxAttempts: 1 } },
] as const;

const FAULTS = { entryFailureRate: 0.1, throttleRate: 0.05 };

describe('route-sqs under injected faults', () => {
  for (const policy of POLICIES) {
    it(`delivers 20,000 records to every destination or dead-letters them with a reason, with 10% entry failures, 5% throttling and ${policy.name}`, async () => {
      // One invocation and one request at a time: the server draws its faults in a fixed order, so the figures repeat.
      bridge = await startBridge({
        routes: workloadRoutes(),
        topics: DESTINATION_TOPICS,
        parkingTopicArn: PARKING_TOPIC_ARN,
        seed: 6,
        retry: policy.retry,
        concurrency: 1,
      });
      bridge.fake.faults.set(FAULTS);
      const reasons = captureRetryReasons();
      const records = buildWorkload(20_000);
      const bad = badBodies(200);
      const queue = new SqsSimulator({
        batchSize: 100,
        maxReceiveCount: 5,
        functionArn: bridge.context.invokedFunctionArn,
      });
      // Half the records arrive as SNS envelopes (raw delivery off), half as raw SES text; the bad ones in between.
      const recordOf = new Map<string, WorkloadRecord>();
      records.forEach((record, i) => {
        const body = i % 2 === 0 ? sqsBodyFromSns(record.text) : record.text;
        recordOf.set(body, record);
        queue.send(body);
        if (i % 100 === 50) queue.send(bad[(i - 50) / 100]!.body);
      });
      const started = Date.now();
      const stats = await queue.drain(sqsHandler);
      const seconds = (Date.now() - started) / 1000;

      const deadRecords = new Set<string>();
      const deadBadTexts = new Set<string>();
      for (const letter of queue.deadLetters) {
        expect(letter.reason).toMatch(
          /^received 5 times \(maxReceiveCount 5\) without being deleted: receive 1: listed in batchItemFailures; .*receive 5: listed in batchItemFailures$/,
        );
        const record = recordOf.get(letter.body);
        if (record === undefined) {
          deadBadTexts.add(bad.find((b) => b.body === letter.body)!.text);
          continue;
        }
        deadRecords.add(record.messageId);
        // The operator's reason: the bridge logged SNS's code and the failing destination on every receive.
        expect(reasons.get(record.messageId)?.length).toBeGreaterThanOrEqual(5);
      }
      expect(stats.deleted + stats.deadLettered).toBe(records.length + bad.length);
      expect(queue.depth).toBe(0);
      expect(stats.failedInvocations).toBe(0);
      const figures = account('route-sqs', records, deadRecords, stats.redeliveries);
      expectParkedOnce(bad, deadBadTexts);
      console.log(
        summary(
          figures,
          `bad=${bad.length} invocations=${stats.invocations} ${policy.label} seconds=${seconds.toFixed(1)}`,
        ),
      );
    }, 120_000);
  }
});

/** Runs async events through the Lambda async model; returns the SES message ids of the events sent on failure. */
async function runAsync<E>(
  handler: (event: E, context: never) => Promise<unknown>,
  events: E[],
  messageIdOf: (event: E) => string,
) {
  const lambda = new AsyncInvoker<E>({ functionArn: bridge!.context.invokedFunctionArn });
  const started = Date.now();
  const stats = await lambda.invokeAll(handler as never, events);
  const failed = new Set<string>();
  for (const record of lambda.onFailure) {
    expect(record.requestContext).toMatchObject({ condition: 'RetriesExhausted', approximateInvokeCount: 3 });
    expect(record.responsePayload.errorType).toBe('RetryLaterError');
    // The reason an operator reads in the async-failures queue names SNS's code and the destination.
    expect(record.responsePayload.errorMessage).toMatch(
      /^1 of 1 records could not be delivered yet; Lambda will retry the event\. Last failures: \w+ on arn:aws:sns:/,
    );
    failed.add(messageIdOf(record.requestPayload));
  }
  expect(stats.succeeded + stats.failed).toBe(events.length);
  return { stats, failed, seconds: (Date.now() - started) / 1000 };
}

describe('route-sns under injected faults', () => {
  for (const policy of POLICIES) {
    it(`delivers 2,000 records to every destination or sends their event to the on-failure destination, with ${policy.name}`, async () => {
      bridge = await startBridge({
        routes: workloadRoutes(),
        topics: DESTINATION_TOPICS,
        parkingTopicArn: PARKING_TOPIC_ARN,
        seed: 7,
        retry: policy.retry,
        concurrency: 1,
      });
      bridge.fake.faults.set(FAULTS);
      const records = buildWorkload(2_000, { label: 'sn' });
      const byText = new Map(records.map((r) => [r.text, r]));
      const events = records.map((r) => lambdaSnsEvent([r.text]) as unknown as SNSEvent);
      const { stats, failed, seconds } = await runAsync(
        snsHandler,
        events,
        (e) => byText.get(e.Records[0]!.Sns.Message)!.messageId,
      );
      const figures = account('route-sns', records, failed, stats.retries);
      console.log(summary(figures, `invocations=${stats.invocations} ${policy.label} seconds=${seconds.toFixed(1)}`));
    }, 60_000);
  }
});

describe('route-eventbridge under injected faults', () => {
  for (const policy of POLICIES) {
    it(`delivers 2,000 records to every destination or sends their event to the on-failure destination, with ${policy.name}`, async () => {
      bridge = await startBridge({
        routes: workloadRoutes(),
        topics: DESTINATION_TOPICS,
        parkingTopicArn: PARKING_TOPIC_ARN,
        seed: 8,
        retry: policy.retry,
        concurrency: 1,
      });
      bridge.fake.faults.set(FAULTS);
      const records = buildWorkload(2_000, { label: 'eb', eventFormatOnly: true });
      const events = records.map(
        (r) => eventBridgeEvent(r.json) as unknown as EventBridgeEvent<string, { mail: { messageId: string } }>,
      );
      const { stats, failed, seconds } = await runAsync(eventBridgeHandler, events, (e) => e.detail.mail.messageId);
      const figures = account('route-eventbridge', records, failed, stats.retries);
      console.log(summary(figures, `invocations=${stats.invocations} ${policy.label} seconds=${seconds.toFixed(1)}`));
    }, 60_000);
  }
});

describe('every kind of fault at once', () => {
  it('loses nothing through route-sqs when 500s, answers slower than the client timeout and dropped connections join the throttling and entry failures', async () => {
    bridge = await startBridge({
      routes: workloadRoutes(),
      topics: DESTINATION_TOPICS,
      parkingTopicArn: PARKING_TOPIC_ARN,
      seed: 9,
      concurrency: 8,
      requestTimeoutMs: 250,
    });
    bridge.fake.faults.set({ ...FAULTS, internalErrorRate: 0.02, dropRate: 0.01, slowRate: 0.005, slowMs: 500 });
    const records = buildWorkload(5_000, { label: 'al' });
    const recordOf = new Map(records.map((r) => [r.text, r]));
    const queue = new SqsSimulator({
      batchSize: 100,
      maxReceiveCount: 5,
      concurrency: 2,
      functionArn: bridge.context.invokedFunctionArn,
    });
    queue.sendAll(records.map((r) => r.text));
    const started = Date.now();
    const stats = await queue.drain(sqsHandler);
    const dead = new Set(queue.deadLetters.map((l) => recordOf.get(l.body)!.messageId));
    expect(stats.deleted + stats.deadLettered).toBe(records.length);
    const figures = account('route-sqs (all faults)', records, dead, stats.redeliveries);
    expect(figures.injected.slow).toBeGreaterThan(0);
    expect(figures.injected.drop).toBeGreaterThan(0);
    expect(figures.injected['internal-error']).toBeGreaterThan(0);
    // Production settings here (8 requests in flight, 2 invocations at once): the request order, and so the figures,
    // vary a little from run to run; the invariant does not.
    console.log(
      summary(
        figures,
        `invocations=${stats.invocations} publishAttempts=6 concurrency=8x2 seconds=${((Date.now() - started) / 1000).toFixed(1)}`,
      ),
    );
  }, 120_000);
});
