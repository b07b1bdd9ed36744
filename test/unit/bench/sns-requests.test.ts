import { describe, expect, it } from 'vitest';
import { generateRecords, sqsOfSnsEvent } from '../../../bench/corpus';
import { countSnsRequests } from '../../../bench/sns-requests';

// The request count is a count, not a timing: it holds on any machine, so it is checked here as well as by the bench.
describe('SNS requests for the benchmark corpus (SNS test server on 127.0.0.1)', () => {
  const event = sqsOfSnsEvent(generateRecords(1_000, 11), 11);

  it('publishes 1,000 records to 10 topics in at most 110 PublishBatch requests', async () => {
    const count = await countSnsRequests(event, 1_000, 'original');
    expect(count.published).toBe(1_000);
    expect(count.requests).toBe(count.publishBatchRequests);
    expect(count.requests).toBeLessThanOrEqual(110);
  });
});
