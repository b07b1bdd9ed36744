/**
 * Bridge-side de-duplication through the pipeline, against a real DynamoDB implementation on 127.0.0.1: the same SES
 * bounce arriving once as a legacy notification (SQS) and once as an event-publishing record (EventBridge).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDedupingPublisher, type OnUnavailable } from '#lib/dedupe/publisher';
import { DEFAULT_DEDUPE_SETTINGS, DedupeStore } from '#lib/dedupe/store';
import { processDocument } from '#lib/pipeline';
import type { OutboundMessage, Publisher, PublishOutcome } from '#lib/publish/types';
import { parseRoutesConfig } from '#lib/routing/config';
import { compileRoutes } from '#lib/routing/index';
import { theSameBounceTwice } from '#test/support/dedupe-samples';
import { createDedupeTable, type LocalDynamo, startLocalDynamo } from '#test/support/dynamodb-local';
import { recordingPublisher } from '#test/support/recording-publisher';

const TABLE = 'bridge-dedupe';
const ACME = 'arn:aws:sns:us-east-1:111122223333:acme-ses-feedback';
const DAY = 24 * 3_600_000;

const routes = (dedupe: boolean) =>
  compileRoutes(
    parseRoutesConfig({ routes: [{ name: 'acme', to: { topicArn: ACME, format: 'notification' }, dedupe }] }),
  );

let dynamo: LocalDynamo;
beforeAll(async () => {
  dynamo = await startLocalDynamo();
  await createDedupeTable(dynamo.client, TABLE);
});
afterAll(() => dynamo.close());

function bridge(options: { dedupe?: boolean; table?: string; onUnavailable?: OnUnavailable; now: () => number }) {
  const { publisher: recording, sent } = recordingPublisher();
  const tableErrors: unknown[] = [];
  const store = new DedupeStore(dynamo.api, { ...DEFAULT_DEDUPE_SETTINGS, tableName: options.table ?? TABLE });
  const publisher = createDedupingPublisher(recording, {
    store,
    onUnavailable: options.onUnavailable ?? 'publish',
    now: options.now,
    onTableError: (error) => tableErrors.push(error),
  });
  const deps = { routes: routes(options.dedupe ?? true), publisher, parkingTopicArn: null };
  return { inner: { sent }, tableErrors, run: (event: unknown) => processDocument(event, null, deps) };
}

describe('de-duplication across payload formats', () => {
  it('delivers a bounce once when it arrives as a legacy notification and as an event record', async () => {
    // Each test uses its own hour: the table is shared, and a key is claimed for a day.
    let now = Date.parse('2026-12-01T00:00:00Z');
    const { inner, run } = bridge({ now: () => now });
    const { sqs, eventBridge } = theSameBounceTwice(ACME);
    const first = await run(sqs);
    now += 60_000;
    const second = await run(eventBridge);
    expect(inner.sent).toHaveLength(1);
    expect(first.counts).toMatchObject({ delivered: 1, suppressed: 0 });
    expect(second.counts).toMatchObject({ delivered: 0, suppressed: 1, retry: 0, parked: 0 });
    expect(second.counts.routed).toEqual([
      { route: 'acme', type: 'bounce', shadow: false, delivered: 0, suppressed: 1 },
    ]);
    expect([...second.items.values()]).toEqual(['ok']);
  });

  it('delivers it again once the window has passed', async () => {
    const { inner, run } = bridge({ now: () => Date.parse('2026-12-05T00:00:00Z') });
    const later = bridge({ now: () => Date.parse('2026-12-05T00:00:00Z') + DAY + 60_000 });
    const { sqs, eventBridge } = theSameBounceTwice(ACME);
    await run(sqs);
    const report = await later.run(eventBridge);
    expect(inner.sent).toHaveLength(1);
    expect(later.inner.sent).toHaveLength(1);
    expect(report.counts.suppressed).toBe(0);
  });

  it('publishes both copies when the route does not ask for de-duplication', async () => {
    const { inner, run } = bridge({ dedupe: false, now: () => Date.parse('2026-12-10T00:00:00Z') });
    const { sqs, eventBridge } = theSameBounceTwice(ACME);
    await run(sqs);
    await run(eventBridge);
    expect(inner.sent).toHaveLength(2);
    expect(inner.sent.every((m) => m.dedupeKey === undefined)).toBe(true);
  });

  it('publishes anyway, and says so, when the table does not answer (at least once before exactly once)', async () => {
    const { inner, run, tableErrors } = bridge({ table: 'missing', now: () => Date.parse('2026-12-15T00:00:00Z') });
    const { sqs, eventBridge } = theSameBounceTwice(ACME);
    const reports = [await run(sqs), await run(eventBridge)];
    expect(inner.sent).toHaveLength(2);
    expect(reports.map((r) => r.counts.delivered)).toEqual([1, 1]);
    expect(tableErrors.map((e) => (e as Error).name)).toEqual([
      'ResourceNotFoundException',
      'ResourceNotFoundException',
    ]);
  });

  it('leaves the record to its trigger to retry when told to, and publishes nothing', async () => {
    const { inner, run } = bridge({
      table: 'missing',
      onUnavailable: 'retry',
      now: () => Date.parse('2026-12-20T00:00:00Z'),
    });
    const report = await run(theSameBounceTwice(ACME).sqs);
    expect(inner.sent).toHaveLength(0);
    expect([...report.items.values()]).toEqual(['retry']);
    expect([...report.failed.values()].map((f) => f.status === 'retryable' && f.code)).toEqual(['dedupe_unavailable']);
  });

  it('does not suppress the retry of a copy whose publish failed', async () => {
    let fail = true;
    const flaky: Publisher = {
      open() {
        const added: OutboundMessage[] = [];
        return {
          add: (m) => added.push(m),
          finish: async () =>
            added.map(
              (m): PublishOutcome =>
                fail
                  ? { key: m.key, status: 'retryable', code: 'Throttling', reason: 'slow down' }
                  : { key: m.key, status: 'ok', messageId: 'x' },
            ),
        };
      },
    };
    const now = Date.parse('2026-12-25T00:00:00Z');
    const store = new DedupeStore(dynamo.api, { ...DEFAULT_DEDUPE_SETTINGS, tableName: TABLE });
    const publisher = createDedupingPublisher(flaky, { store, onUnavailable: 'publish', now: () => now });
    const deps = { routes: routes(true), publisher, parkingTopicArn: null };
    const { sqs, eventBridge } = theSameBounceTwice(ACME);
    expect([...(await processDocument(sqs, null, deps)).items.values()]).toEqual(['retry']);
    fail = false;
    const retried = await processDocument(sqs, null, deps);
    expect(retried.counts).toMatchObject({ delivered: 1, suppressed: 0 });
    const copy = await processDocument(eventBridge, null, deps);
    expect(copy.counts).toMatchObject({ delivered: 0, suppressed: 1 });
  });
});
