/**
 * The largest SQS batch Lambda can hand the function (issue 6.6): as many records as fit in the 6 MB invocation
 * payload quota, batch size raised to the 10,000 maximum. Processed correctly in one invocation: every record
 * delivered to every destination, nothing retried. (Its peak RSS is measured by the benchmark, bench/, not here.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BridgeHarness, startBridge } from '#test/support/bridge-harness';
import { sqsBodyFromSns } from '#test/support/envelopes';
import {
  buildWorkload,
  DESTINATION_TOPICS,
  PARKING_TOPIC_ARN,
  tally,
  workloadRoutes,
} from '#test/support/fault-workload';
import { LAMBDA_PAYLOAD_LIMIT_BYTES, SqsSimulator } from '#test/support/sqs-simulator';
import { handler as sqsHandler } from '../../functions/route-sqs';

let bridge: BridgeHarness;
beforeAll(async () => {
  bridge = await startBridge({
    routes: workloadRoutes(),
    topics: DESTINATION_TOPICS,
    parkingTopicArn: PARKING_TOPIC_ARN,
    seed: 41,
  });
});
afterAll(() => bridge.close());

describe('a 6 MB SQS batch', () => {
  it('delivers every record of a batch filling the Lambda payload quota in one invocation', async () => {
    const records = buildWorkload(3_000, { label: 'mb' });
    const bodies = records.map((r) => sqsBodyFromSns(r.text));
    const queue = new SqsSimulator({ batchSize: 10_000, functionArn: bridge.context.invokedFunctionArn });
    queue.sendAll(bodies);
    let firstBatch = 0;
    const stats = await queue.drain(sqsHandler, (s) => {
      firstBatch ||= s.received;
    });

    // The first invocation took as many records as fit under 6 MB: the next one would not have.
    const largest = Math.max(...bodies.map((b) => Buffer.byteLength(b)));
    expect(stats.largestEventBytes).toBeLessThanOrEqual(LAMBDA_PAYLOAD_LIMIT_BYTES);
    expect(stats.largestEventBytes).toBeGreaterThan(LAMBDA_PAYLOAD_LIMIT_BYTES - 2 * largest);
    expect(firstBatch).toBeGreaterThan(1_500);
    expect(stats).toMatchObject({ invocations: 2, redeliveries: 0, deadLettered: 0, deleted: records.length });

    const delivered = tally(bridge.fake.state.published, records);
    expect(delivered.unexpected).toEqual([]);
    expect(delivered.copies.size).toBe(records.reduce((n, r) => n + r.expected.length, 0));
    expect([...delivered.copies.values()].every((n) => n === 1)).toBe(true);
  }, 60_000);
});
