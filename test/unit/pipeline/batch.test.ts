import { describe, expect, it } from 'vitest';
import { readFeedback } from '#lib/intake';
import { processBatch } from '#lib/pipeline';
import type { OutboundMessage, Publisher, PublishOutcome } from '#lib/publish/types';
import { parseRoutesConfig } from '#lib/routing/config';
import { compileRoutes } from '#lib/routing/index';
import { loadEvent } from '#test/support/fixtures';

const ACME = 'arn:aws:sns:us-east-1:111122223333:acme-ses-feedback';
const routes = compileRoutes(
  parseRoutesConfig({
    routes: [
      { name: 'acme', when: { sendingAccountId: '111122223333' }, to: { topicArn: ACME, format: 'notification' } },
    ],
    unmatched: { action: 'drop' },
  }),
);

/** A publisher that answers every message with what `answer` gives. */
function answering(answer: (m: OutboundMessage, n: number) => PublishOutcome): Publisher {
  return {
    open: () => {
      const added: OutboundMessage[] = [];
      return { add: (m) => added.push(m), finish: async () => added.map(answer) };
    },
  };
}

describe('the batch engine', () => {
  it('counts a suppressed copy by its flag, apart from the delivered messages', async () => {
    const publisher = answering((m, n) =>
      n === 0
        ? { key: m.key, status: 'ok', messageId: null, suppressed: true }
        : { key: m.key, status: 'ok', messageId: `id-${n}` },
    );
    const report = await processBatch(readFeedback(loadEvent('sqs/multi-delegate-batch.json')), {
      routes,
      publisher,
      parkingTopicArn: null,
    });
    expect(report.counts.suppressed).toBe(1);
    expect(report.counts.delivered).toBe(report.counts.records - report.counts.dropped - 1);
    const sum = (field: 'delivered' | 'suppressed') => report.counts.routed.reduce((n, r) => n + r[field], 0);
    expect([sum('delivered'), sum('suppressed')]).toEqual([report.counts.delivered, 1]);
    expect(report.failed.size).toBe(0);
  });

  it('parks a refused message against the record it came from, whatever its key looks like', async () => {
    const publisher = answering((m, n) =>
      n === 1
        ? { key: m.key, status: 'poison', code: 'NotFound', reason: 'Topic does not exist' }
        : { key: m.key, status: 'ok', messageId: `id-${n}` },
    );
    const outcomes = readFeedback(loadEvent('sqs/multi-delegate-batch.json'));
    const report = await processBatch(outcomes, { routes, publisher, parkingTopicArn: null });
    expect(report.unparked).toHaveLength(1);
    expect(report.unparked[0]).toMatchObject({ code: 'NotFound', topicArn: ACME, route: 'acme' });
    const [failedKey] = [...report.failed.keys()];
    expect(report.notable.map((plan) => plan.steps.some((s) => s.kind === 'publish' && s.key === failedKey))).toEqual([
      true,
    ]);
  });
});
