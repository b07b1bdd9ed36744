import { describe, expect, it } from 'vitest';
import { generateRecords, sqsOfSnsEvent } from '../../../bench/corpus';
import { createPipeline, createPipelineDedupe } from '../../../bench/throughput';

// The pipeline-dedupe contestant is only honest if it does the table work for every message and still publishes
// what pipeline publishes, run after run.
describe('the pipeline-dedupe benchmark contestant', () => {
  const event = sqsOfSnsEvent(generateRecords(600, 5), 5);

  it('publishes what pipeline publishes, with a claim and a mark per message, on every run', async () => {
    const delivered = await createPipeline('notification').run(event);
    const dedupe = createPipelineDedupe();
    expect(await dedupe.run(event)).toBe(delivered);
    expect(dedupe.table.requests).toBe(2 * delivered + dedupe.table.conditionFailures);
    expect(await dedupe.run(event)).toBe(delivered);
    expect(dedupe.table.requests).toBe(4 * delivered + dedupe.table.conditionFailures);
  });
});
