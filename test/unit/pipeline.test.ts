import type { PublishBatchCommand } from '@aws-sdk/client-sns';
import { describe, expect, it } from 'vitest';
import { readFeedback } from '#lib/intake';
import { processBatch, processDocument } from '#lib/pipeline';
import { createSnsPublisher, type SnsSender } from '#lib/publish/sns';
import type { OutboundMessage, Publisher, PublishOutcome } from '#lib/publish/types';
import { parseRoutesConfig } from '#lib/routing/config';
import { compileRoutes } from '#lib/routing/index';
import { loadEvent } from '#test/support/fixtures';
import { recordingPublisher } from '#test/support/recording-publisher';

const ACME = 'arn:aws:sns:us-east-1:111122223333:acme-ses-feedback';
const BILLING = 'arn:aws:sns:us-east-1:444455556666:billing-ses-events';
const PARKING = 'arn:aws:sns:us-east-1:888888888888:bridge-parking';

const routesFor = (unmatched: unknown = { action: 'drop' }) =>
  compileRoutes(
    parseRoutesConfig({
      routes: [
        { name: 'acme', when: { sendingAccountId: '111122223333' }, to: { topicArn: ACME, format: 'notification' } },
        { name: 'billing', when: { sendingAccountId: '444455556666' }, to: { topicArn: BILLING, format: 'event' } },
      ],
      unmatched,
    }),
  );

describe('processing a batch', () => {
  it('delivers each record to its delegate and parks the bad ones with their reason and original text', async () => {
    const event = loadEvent('sqs/with-bad-records.json');
    const { publisher, sent } = recordingPublisher();
    const report = await processBatch(readFeedback(event), {
      routes: routesFor(),
      publisher,
      parkingTopicArn: PARKING,
      now: () => new Date('2026-01-01T00:00:00Z'),
    });
    expect(sent.filter((m) => m.topicArn !== PARKING).map((m) => m.topicArn)).toEqual([ACME, BILLING]);
    const parked = sent.filter((m) => m.topicArn === PARKING).map((m) => JSON.parse(m.body));
    expect(parked.map((p) => [p.code, p.path])).toEqual([
      ['invalid_json', 'Records[1].body'],
      ['not_ses', 'Records[2].body.Message'],
      ['invalid_record', 'Records[3].body.Message.mail.messageId'],
      ['not_ses', 'Records[4].body'],
    ]);
    expect(parked[0].text).toBe(event.Records[1].body);
    expect(parked[0].parkedAt).toBe('2026-01-01T00:00:00.000Z');
    expect([...report.items.values()]).toEqual(['ok', 'ok', 'ok', 'ok', 'ok', 'ok']);
    expect(report.counts).toMatchObject({ records: 6, delivered: 2, parked: 4, retry: 0 });
  });

  it('marks only the items whose publish failed for retry', async () => {
    const { publisher } = recordingPublisher((m) => (m.topicArn === BILLING ? 'retryable' : 'ok'));
    const report = await processBatch(readFeedback(loadEvent('sqs/multi-delegate-batch.json')), {
      routes: routesFor(),
      publisher,
      parkingTopicArn: PARKING,
    });
    // Records 3-5 are the billing team's.
    expect([...report.items]).toEqual([
      [0, 'ok'],
      [1, 'ok'],
      [2, 'ok'],
      [3, 'retry'],
      [4, 'retry'],
      [5, 'retry'],
      [6, 'ok'],
      [7, 'ok'],
    ]);
  });

  it('parks a record a destination permanently refuses, and flows the rest', async () => {
    const { publisher, sent } = recordingPublisher((m) => (m.topicArn === ACME ? 'poison' : 'ok'));
    const report = await processBatch(readFeedback(loadEvent('sqs/multi-delegate-batch.json')), {
      routes: routesFor(),
      publisher,
      parkingTopicArn: PARKING,
    });
    expect(report.counts).toMatchObject({ delivered: 3, parked: 3, retry: 0 });
    expect(
      sent
        .filter((m) => m.topicArn === PARKING)
        .map((m) => JSON.parse(m.body))
        .map((p) => [p.code, p.route, p.topicArn]),
    ).toEqual(Array(3).fill(['NotFound', 'acme', ACME]));
  });

  it('retries the item when the parking topic itself fails, so the record ends in the dead-letter queue', async () => {
    const { publisher } = recordingPublisher((m) => (m.topicArn === PARKING ? 'retryable' : 'ok'));
    const report = await processBatch(readFeedback(loadEvent('sqs/with-bad-records.json')), {
      routes: routesFor(),
      publisher,
      parkingTopicArn: PARKING,
    });
    expect([...report.items.values()]).toEqual(['ok', 'retry', 'retry', 'retry', 'retry', 'ok']);
    expect(report.unparked).toHaveLength(4);
  });

  it('applies unmatched: drop counts, fail parks, deliver sends to the fallback topic', async () => {
    const input = readFeedback(loadEvent('sqs/multi-delegate-batch.json'));
    const drop = await processBatch(input, {
      routes: routesFor(),
      publisher: recordingPublisher().publisher,
      parkingTopicArn: PARKING,
    });
    expect(drop.counts).toMatchObject({ dropped: 2, parked: 0 });

    const fail = recordingPublisher();
    const failed = await processBatch(input, {
      routes: routesFor({ action: 'fail' }),
      publisher: fail.publisher,
      parkingTopicArn: PARKING,
    });
    expect(failed.counts).toMatchObject({ dropped: 0, parked: 2 });
    expect(fail.sent.filter((m) => m.topicArn === PARKING).map((m) => JSON.parse(m.body).code)).toEqual([
      'unmatched',
      'unmatched',
    ]);

    const fallback = 'arn:aws:sns:us-east-1:888888888888:unmatched-feedback';
    const deliver = recordingPublisher();
    const delivered = await processBatch(input, {
      routes: routesFor({ action: 'deliver', to: { topicArn: fallback, format: 'original' } }),
      publisher: deliver.publisher,
      parkingTopicArn: PARKING,
    });
    expect(delivered.counts).toMatchObject({ delivered: 8, dropped: 0 });
    expect(deliver.sent.filter((m) => m.topicArn === fallback)).toHaveLength(2);
  });

  it('counts format_unsupported skips without publishing or failing', async () => {
    const routes = compileRoutes(
      parseRoutesConfig({ routes: [{ name: 'legacy', to: { topicArn: ACME, format: 'notification' } }] }),
    );
    const { publisher, sent } = recordingPublisher();
    const report = await processBatch(readFeedback(loadEvent('sqs/raw-delivery-all-types.json')), {
      routes,
      publisher,
      parkingTopicArn: PARKING,
    });
    expect(report.counts).toMatchObject({ records: 15, delivered: 8, skippedFormat: 7, retry: 0, parked: 0 });
    expect(sent).toHaveLength(8);
  });

  it('leaves poison records for retry when no parking topic is configured', async () => {
    const report = await processBatch(readFeedback(loadEvent('sqs/with-bad-records.json')), {
      routes: routesFor(),
      publisher: recordingPublisher().publisher,
      parkingTopicArn: null,
    });
    expect([...report.items.values()]).toEqual(['ok', 'retry', 'retry', 'retry', 'retry', 'ok']);
  });
});

describe('processing a document as the handlers do', () => {
  it('parks a record its destination refuses with its original text, reading it again from its trigger item', async () => {
    const event = loadEvent('sqs/multi-delegate-batch.json');
    const { publisher, sent } = recordingPublisher((m) =>
      m.topicArn === ACME ? 'poison' : m.topicArn === BILLING && m.key.startsWith('4.') ? 'retryable' : 'ok',
    );
    const report = await processDocument(event, null, {
      routes: routesFor(),
      publisher,
      parkingTopicArn: PARKING,
      now: () => new Date('2026-01-01T00:00:00Z'),
    });
    const parked = sent.filter((m) => m.topicArn === PARKING).map((m) => JSON.parse(m.body));
    expect(parked.map((p) => [p.code, p.path, p.route])).toEqual([
      ['NotFound', 'Records[0].body.Message', 'acme'],
      ['NotFound', 'Records[1].body.Message', 'acme'],
      ['NotFound', 'Records[2].body.Message', 'acme'],
    ]);
    // The text is the SES record exactly as it came: the SNS Message inside the SQS body.
    expect(parked.map((p) => p.text)).toEqual(
      event.Records.slice(0, 3).map((r: { body: string }) => JSON.parse(r.body).Message),
    );
    expect(parked.map((p) => p.messageId)).toEqual(
      event.Records.slice(0, 3).map((r: { body: string }) => JSON.parse(JSON.parse(r.body).Message).mail.messageId),
    );
    // Only the records that were not simply delivered keep their plan in the report.
    expect(report.notable.map((p) => p.index)).toEqual([0, 1, 2, 4]);
    expect([...report.failed.keys()]).toEqual(['0.0', '1.0', '2.0', '4.0']);
    expect([...report.items]).toEqual([
      [0, 'ok'],
      [1, 'ok'],
      [2, 'ok'],
      [3, 'ok'],
      [4, 'retry'],
      [5, 'ok'],
      [6, 'ok'],
      [7, 'ok'],
    ]);
    expect(report.counts).toMatchObject({ records: 8, delivered: 2, parked: 3, retry: 1 });
  });

  it('reads the outcomes of a publisher that answers out of order by their keys', async () => {
    const answer = (m: OutboundMessage): PublishOutcome =>
      m.topicArn === BILLING
        ? { key: m.key, status: 'retryable', code: 'Throttling', reason: 'test' }
        : { key: m.key, status: 'ok', messageId: `id-${m.key}` };
    const inOrder: Publisher = {
      open: () => {
        const added: OutboundMessage[] = [];
        return { add: (m) => added.push(m), finish: async () => added.map(answer) };
      },
    };
    const reversed: Publisher = {
      open: () => {
        const added: OutboundMessage[] = [];
        return { add: (m) => added.push(m), finish: async () => added.map(answer).reverse() };
      },
    };
    const event = loadEvent('sqs/multi-delegate-batch.json');
    const deps = (publisher: Publisher) => ({ routes: routesFor(), publisher, parkingTopicArn: PARKING });
    const a = await processDocument(event, null, deps(inOrder));
    const b = await processDocument(event, null, deps(reversed));
    expect(b.items).toEqual(a.items);
    expect(b.failed).toEqual(a.failed);
    expect(b.counts).toEqual(a.counts);
    expect(a.counts.retry).toBe(3);
  });

  it('sends full requests while the batch is still being read, so it never holds all of its messages', async () => {
    const sample = loadEvent('sqs/multi-delegate-batch.json');
    const event = {
      Records: Array.from({ length: 3_000 }, (_, i) => ({
        ...sample.Records[i % sample.Records.length],
        messageId: `m-${i}`,
      })),
    };
    let added = 0;
    let sentEntries = 0;
    let heldAtMost = 0;
    let addedAtFirstSend = -1;
    const client = {
      async send(command: PublishBatchCommand) {
        if (addedAtFirstSend < 0) addedAtFirstSend = added;
        heldAtMost = Math.max(heldAtMost, added - sentEntries);
        const entries = command.input.PublishBatchRequestEntries ?? [];
        sentEntries += entries.length;
        return { Successful: entries.map((e) => ({ Id: e.Id, MessageId: `sns-${e.Id}` })), Failed: [], $metadata: {} };
      },
    };
    const sns = createSnsPublisher({ clientFor: () => client as unknown as SnsSender });
    // Counts what the reader hands the session, to compare with what has gone out when each request is sent.
    const publisher: Publisher = {
      open() {
        const session = sns.open();
        return { add: (m) => (added++, session.add(m)), finish: () => session.finish() };
      },
    };
    const report = await processDocument(event, null, { routes: routesFor(), publisher, parkingTopicArn: PARKING });
    expect(report.counts.delivered).toBe(added);
    expect(sentEntries).toBe(added);
    expect(added).toBeGreaterThan(1_000);
    expect(addedAtFirstSend).toBeLessThan(added);
    // A pause every 256 trigger items: at most that many items' messages wait, plus a partly filled request per topic.
    expect(heldAtMost).toBeLessThanOrEqual(256 * 2 + 2 * 10);
    expect([...report.items.values()].every((s) => s === 'ok')).toBe(true);
  });
});
