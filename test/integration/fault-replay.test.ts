/**
 * The idempotency key (issue 6.4): every published message carries a `bridgeId` attribute derived from the SES
 * record's identity and the destination, never from the transport. Replaying the same input, in another order, in
 * other batches, or through another trigger, publishes the same keys, so consumers can drop at-least-once duplicates.
 */
import type { EventBridgeEvent, SNSEvent } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type BridgeHarness, startBridge } from '#test/support/bridge-harness';
import { eventBridgeEvent, lambdaSnsEvent, sqsBodyFromSns } from '#test/support/envelopes';
import {
  buildWorkload,
  DESTINATION_TOPICS,
  PARKING_TOPIC_ARN,
  pairKey,
  sesMessageIdOf,
  workloadRoutes,
} from '#test/support/fault-workload';
import { AsyncInvoker } from '#test/support/lambda-async';
import { SqsSimulator } from '#test/support/sqs-simulator';
import { handler as eventBridgeHandler } from '../../functions/route-eventbridge';
import { handler as snsHandler } from '../../functions/route-sns';
import { handler as sqsHandler } from '../../functions/route-sqs';

let bridge: BridgeHarness;
beforeAll(async () => {
  bridge = await startBridge({
    routes: workloadRoutes(),
    topics: DESTINATION_TOPICS,
    parkingTopicArn: PARKING_TOPIC_ARN,
    seed: 31,
    concurrency: 1,
  });
});
afterAll(() => bridge.close());
beforeEach(() => bridge.fake.state.clearRecords());

/** `topicArn bridgeId` of every message published since the last clear, parking topic included. */
function keys(): string[] {
  return bridge.fake.state.published.map((m) => `${m.topicArn} ${m.attributes.bridgeId?.StringValue}`).sort();
}

async function throughSqs(bodies: string[], batchSize: number, queueArn?: string) {
  const queue = new SqsSimulator({
    batchSize,
    functionArn: bridge.context.invokedFunctionArn,
    ...(queueArn ? { queueArn } : {}),
  });
  queue.sendAll(bodies);
  await queue.drain(sqsHandler);
}

describe('replaying the same input', () => {
  it('publishes the same bridgeIds, delivered and parked alike, in another order and other batches', async () => {
    const records = buildWorkload(600, { label: 'rp' });
    const bodies = records.map((r, i) => (i % 2 === 0 ? sqsBodyFromSns(r.text) : r.text));
    bodies.splice(100, 0, '{"eventType":"Bounce","mail":', sqsBodyFromSns('Hello from SNS!'));
    await throughSqs(bodies, 100);
    const first = keys();

    bridge.fake.state.clearRecords();
    // The replay: other SQS messages (other ids), reversed, ten to a batch, so every record sits at another path.
    await throughSqs([...bodies].reverse(), 10, 'arn:aws:sqs:us-east-1:888888888888:replayed-from-dlq');
    const second = keys();

    expect(second).toEqual(first);
    const expectedPairs = records.reduce((n, r) => n + r.expected.length, 0);
    expect(first).toHaveLength(expectedPairs + 2);
    // One key per (record, destination): no two deliveries share one.
    expect(new Set(first).size).toBe(first.length);
    for (const key of first) expect(key).toMatch(/ [0-9a-f]{32}$/);
  });

  it('gives a record the same bridgeId at each destination whether it comes by SQS, SNS or EventBridge', async () => {
    const records = buildWorkload(150, { label: 'tr', eventFormatOnly: true });
    const byTrigger: Record<string, Map<string, string>> = {};
    const collect = (trigger: string) => {
      const pairs = bridge.fake.state.published.map(
        (m) => [pairKey(sesMessageIdOf(m), m.topicArn), m.attributes.bridgeId!.StringValue!] as const,
      );
      byTrigger[trigger] = new Map(pairs.sort(([a], [b]) => a.localeCompare(b)));
      bridge.fake.state.clearRecords();
    };

    await throughSqs(
      records.map((r) => r.text),
      100,
    );
    collect('sqs');
    await new AsyncInvoker<SNSEvent>().invokeAll(
      snsHandler as never,
      records.map((r) => lambdaSnsEvent([r.text]) as unknown as SNSEvent),
    );
    collect('sns');
    await new AsyncInvoker<EventBridgeEvent<string, unknown>>().invokeAll(
      eventBridgeHandler as never,
      records.map((r) => eventBridgeEvent(r.json) as never),
    );
    collect('eventbridge');

    expect(byTrigger.sqs!.size).toBe(records.reduce((n, r) => n + r.expected.length, 0));
    expect([...byTrigger.sns!]).toEqual([...byTrigger.sqs!]);
    expect([...byTrigger.eventbridge!]).toEqual([...byTrigger.sqs!]);
  });
});
