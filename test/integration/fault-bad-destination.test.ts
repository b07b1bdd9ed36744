/**
 * One bad destination does not stall the rest (issue 6.2). A topic that always fails fails only the records that
 * route to it: refused for good (deleted, no permission, KMS key denied), those deliveries are parked once and the
 * trigger item is not retried; in an outage (500 on every request), those records are retried by their trigger and
 * end in its dead-letter queue. Records to healthy topics flow, exactly once, on their first receive.
 */
import type { SNSEvent } from 'aws-lambda';
import { afterEach, describe, expect, it } from 'vitest';
import { type BridgeHarness, startBridge } from '#test/support/bridge-harness';
import { lambdaSnsEvent, sqsBodyFromSns } from '#test/support/envelopes';
import {
  buildWorkload,
  DESTINATION_TOPICS,
  PARKING_TOPIC_ARN,
  pairKey,
  TOPICS,
  tally,
  type WorkloadRecord,
  workloadRoutes,
} from '#test/support/fault-workload';
import { AsyncInvoker } from '#test/support/lambda-async';
import { SqsSimulator } from '#test/support/sqs-simulator';
import { handler as snsHandler } from '../../functions/route-sns';
import { handler as sqsHandler } from '../../functions/route-sqs';

let bridge: BridgeHarness | undefined;
afterEach(async () => {
  await bridge?.close();
  bridge = undefined;
});

async function start() {
  bridge = await startBridge({
    routes: workloadRoutes(),
    topics: DESTINATION_TOPICS,
    parkingTopicArn: PARKING_TOPIC_ARN,
    seed: 21,
    concurrency: 1,
  });
  return bridge.fake;
}

/** Runs the records through route-sqs (SNS envelopes in the bodies); returns the simulator and a body -> record map. */
async function drainSqs(records: WorkloadRecord[]) {
  const queue = new SqsSimulator({
    batchSize: 100,
    maxReceiveCount: 5,
    functionArn: bridge!.context.invokedFunctionArn,
  });
  const recordOf = new Map<string, WorkloadRecord>();
  for (const record of records) {
    const body = sqsBodyFromSns(record.text);
    recordOf.set(body, record);
    queue.send(body);
  }
  const stats = await queue.drain(sqsHandler);
  return { queue, stats, recordOf };
}

describe('a destination that refuses for good', () => {
  it('parks once only the deliveries to a deleted, a forbidden and a KMS-denied topic, and delivers every other one exactly once on the first receive', async () => {
    const fake = await start();
    // Deleted: the server answers NotFound of its own accord. Forbidden and KMS-denied: the topic answers that code.
    fake.state.topics.delete(TOPICS.acmeAnalytics.topicArn);
    fake.faults
      .failTopic(TOPICS.billingSuppression.topicArn, 'AuthorizationError')
      .failTopic(TOPICS.marketing.topicArn, 'KMSAccessDenied');
    const refused = new Map([
      [TOPICS.acmeAnalytics.topicArn, { code: 'NotFound', route: 'acme-analytics' }],
      [TOPICS.billingSuppression.topicArn, { code: 'AuthorizationError', route: 'billing-suppression' }],
      [TOPICS.marketing.topicArn, { code: 'KMSAccessDenied', route: 'spring-campaign' }],
    ]);
    const records = buildWorkload(3_000, { label: 'bd' });
    const { stats } = await drainSqs(records);

    expect(stats).toMatchObject({ redeliveries: 0, deadLettered: 0, failedInvocations: 0 });
    const delivered = tally(fake.state.published, records);
    const parked = fake.state
      .messagesFor(PARKING_TOPIC_ARN)
      .map(
        (m) => JSON.parse(m.body) as { code: string; route: string; topicArn: string; messageId: string; text: string },
      );
    const parkedBy = new Map(parked.map((p) => [pairKey(p.messageId, p.topicArn), p]));
    expect(parkedBy.size).toBe(parked.length);
    let refusedPairs = 0;
    for (const record of records) {
      for (const { topicArn } of record.expected) {
        const key = pairKey(record.messageId, topicArn);
        const refusal = refused.get(topicArn);
        if (refusal === undefined) {
          expect(delivered.copies.get(key), key).toBe(1);
          continue;
        }
        refusedPairs++;
        expect(delivered.copies.get(key)).toBeUndefined();
        expect(parkedBy.get(key)).toMatchObject({ ...refusal, text: record.text });
      }
    }
    expect(refusedPairs).toBeGreaterThan(500);
    expect(parked).toHaveLength(refusedPairs);
    // A topic-level refusal stops the rest of the invocation's requests to that topic: at most one refused
    // request per refused topic and invocation, so a bad topic costs one round trip, not one per batch of ten.
    const refusals = (status: number) =>
      fake.state.requests.filter((r) => r.action === 'PublishBatch' && r.status === status).length;
    expect(refusals(404)).toBeLessThanOrEqual(stats.invocations);
    expect(refusals(403)).toBeLessThanOrEqual(stats.invocations);
  });
});

describe('a destination in an outage', () => {
  it('dead-letters only the records routed to a topic answering 500 to everything, with the reason, while the rest flow exactly once', async () => {
    const fake = await start();
    fake.faults.failTopic(TOPICS.acmeFeedback.topicArn, 'InternalError');
    const records = buildWorkload(1_000, { label: 'ou' });
    const { queue, stats, recordOf } = await drainSqs(records);

    const hit = records.filter((r) => r.expected.includes(TOPICS.acmeFeedback));
    expect(hit.length).toBeGreaterThan(50);
    expect(queue.deadLetters.map((l) => recordOf.get(l.body)!.messageId).sort()).toEqual(
      hit.map((r) => r.messageId).sort(),
    );
    for (const letter of queue.deadLetters)
      expect(letter.failures).toEqual([1, 2, 3, 4, 5].map((n) => `receive ${n}: listed in batchItemFailures`));
    // Each dead-lettered record was received 5 times; every other record once.
    expect(stats.received).toBe(records.length + 4 * hit.length);
    const delivered = tally(fake.state.published, records);
    for (const record of records) {
      for (const { topicArn } of record.expected) {
        const copies = delivered.copies.get(pairKey(record.messageId, topicArn));
        if (topicArn === TOPICS.acmeFeedback.topicArn) expect(copies).toBeUndefined();
        // A healthy destination of a record that keeps failing elsewhere gets a copy per receive: at-least-once,
        // under one bridgeId.
        else expect(copies).toBe(hit.includes(record) ? 5 : 1);
      }
    }
    expect(fake.state.messagesFor(PARKING_TOPIC_ARN)).toEqual([]);
  });

  it('sends only the async events routed to the failing topic to the on-failure destination, naming the topic', async () => {
    const fake = await start();
    fake.faults.failTopic(TOPICS.acmeFeedback.topicArn, 'InternalError');
    const records = buildWorkload(300, { label: 'oa' });
    const lambda = new AsyncInvoker<SNSEvent>({ functionArn: bridge!.context.invokedFunctionArn });
    await lambda.invokeAll(
      snsHandler as never,
      records.map((r) => lambdaSnsEvent([r.text]) as unknown as SNSEvent),
    );

    const hit = records.filter((r) => r.expected.includes(TOPICS.acmeFeedback));
    expect(lambda.onFailure.map((f) => f.requestPayload.Records[0]!.Sns.Message)).toEqual(hit.map((r) => r.text));
    for (const failure of lambda.onFailure) {
      expect(failure.responsePayload.errorMessage).toMatch(
        new RegExp(`Last failures: InternalError on ${TOPICS.acmeFeedback.topicArn}$`),
      );
    }
    expect(lambda.stats).toMatchObject({ events: 300, succeeded: 300 - hit.length, retries: 2 * hit.length });
  });
});
