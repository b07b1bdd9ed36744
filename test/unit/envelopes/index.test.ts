import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readFeedback } from '#lib/intake';
import { eventText, loadEvent, REPO_ROOT } from '#test/support/fixtures';

const kinds = (doc: unknown) => readFeedback(doc).map((o) => o.kind);

describe('unwrapping each transport', () => {
  it('reads a Lambda SNS event and keeps the SES text byte for byte', () => {
    const event = loadEvent('sns/legacy-bounce-with-dsn.json');
    const [outcome] = readFeedback(event);
    expect(outcome?.kind).toBe('event');
    if (outcome?.kind !== 'event') return;
    expect(outcome.record.text).toBe(event.Records[0].Sns.Message);
    expect(outcome.record.path).toBe('Records[0].Sns.Message');
    expect(outcome.event.transport).toEqual({
      kind: 'sns',
      messageId: event.Records[0].Sns.MessageId,
      topicArn: event.Records[0].Sns.TopicArn,
      subscriptionArn: event.Records[0].EventSubscriptionArn,
    });
  });

  it('reads SQS bodies holding SNS envelopes and raw SES records alike', () => {
    const enveloped = loadEvent('sqs/sns-envelope-all-types.json');
    const raw = loadEvent('sqs/raw-delivery-all-types.json');
    const a = readFeedback(enveloped);
    const b = readFeedback(raw);
    expect(a.map((o) => o.kind)).toEqual(Array(15).fill('event'));
    expect(b.map((o) => o.kind)).toEqual(Array(15).fill('event'));
    const first = a[0]!;
    if (first.kind !== 'event') return;
    expect(first.event.transport).toMatchObject({
      kind: 'sqs',
      messageId: enveloped.Records[0].messageId,
      snsMessageId: JSON.parse(enveloped.Records[0].body).MessageId,
    });
    const rawFirst = b[0]!;
    if (rawFirst.kind !== 'event') return;
    expect(rawFirst.record.text).toBe(raw.Records[0].body);
    expect(rawFirst.event.transport).toMatchObject({ kind: 'sqs', snsMessageId: null, topicArn: null });
  });

  it('reads every SES EventBridge detail-type, with no original text', () => {
    for (const file of readdirSync(path.join(REPO_ROOT, 'events/eventbridge'))) {
      const [outcome] = readFeedback(loadEvent(`eventbridge/${file}`));
      expect(outcome?.kind, file).toBe('event');
      if (outcome?.kind === 'event') expect(outcome.record.text).toBeNull();
    }
  });

  it('skips other aws.ses EventBridge events with a notice', () => {
    const event = loadEvent('eventbridge/bounce.json');
    event['detail-type'] = 'Sending Status Disabled';
    expect(readFeedback(event)).toEqual([
      {
        kind: 'skipped',
        notice: {
          message: 'EventBridge aws.ses event "Sending Status Disabled" is not email feedback',
          path: 'detail-type',
          item: 0,
          transport: expect.objectContaining({ kind: 'eventbridge' }),
        },
      },
    ]);
  });

  it('decodes Firehose transformation records and drops the newline SES appends', () => {
    const event = loadEvent('firehose/all-event-types.json');
    const outcomes = readFeedback(event);
    expect(outcomes.map((o) => o.kind)).toEqual(Array(10).fill('event'));
    const first = outcomes[0]!;
    if (first.kind === 'event')
      expect(first.record.text).toBe(Buffer.from(event.records[0].data, 'base64').toString().slice(0, -1));
  });

  it('reads an SNS HTTP body', () => {
    const body = loadEvent('sns-http/event-open.json');
    expect(readFeedback(body)).toMatchObject([
      {
        kind: 'event',
        event: { type: 'open', transport: { kind: 'sns-http', messageId: body.MessageId, topicArn: body.TopicArn } },
      },
    ]);
  });

  it('tolerates leading whitespace in an SNS Message', () => {
    const body = loadEvent('sns-http/legacy-delivery.json');
    body.Message = `\n  ${body.Message}`;
    expect(kinds(body)).toEqual(['event']);
  });

  it('skips the SES AmazonSnsSubscriptionSucceeded notice and the event-destination validation text', () => {
    const body = loadEvent('sns-http/legacy-delivery.json');
    body.Message = JSON.stringify({
      notificationType: 'AmazonSnsSubscriptionSucceeded',
      message: 'You have successfully subscribed your Amazon SNS topic',
    });
    expect(kinds(body)).toEqual(['skipped']);
    body.Message = 'Successfully validated SNS topic for Amazon SES event publishing.';
    expect(kinds(body)).toEqual(['skipped']);
  });

  it('keeps good records beside bad ones and says what is wrong with each bad one', () => {
    const outcomes = readFeedback(loadEvent('sqs/with-bad-records.json'));
    expect(outcomes.map((o) => (o.kind === 'problem' ? `${o.problem.code} ${o.problem.path}` : o.kind))).toEqual([
      'event',
      'invalid_json Records[1].body',
      'not_ses Records[2].body.Message',
      'invalid_record Records[3].body.Message.mail.messageId',
      'not_ses Records[4].body',
      'event',
    ]);
    const badJson = outcomes[1]!;
    if (badJson.kind === 'problem')
      expect(badJson.problem.text).toBe(loadEvent('sqs/with-bad-records.json').Records[1].body);
  });

  it('rejects a Lambda event from an unsupported source', () => {
    expect(readFeedback({ Records: [{ eventSource: 'aws:s3', s3: {} }] })).toEqual([
      {
        kind: 'problem',
        problem: {
          code: 'unsupported_input',
          message:
            'Lambda event record from "aws:s3" is not supported: expected an SNS record (Sns) or an SQS record (body)',
          path: 'Records[0]',
          item: 0,
          transport: null,
          text: null,
        },
      },
    ]);
  });
});

describe("AWS's envelope examples, whose messages are plain-text test strings", () => {
  const expected: Record<string, string[]> = {
    'eventbridge-envelope__ec2-example.json': ['not_ses source'],
    'lambda-event__firehose-transformation.json': ['not_ses records[0].data', 'not_ses records[1].data'],
    'lambda-event__sns.json': ['not_ses Records[0].Sns.Message'],
    'lambda-event__sqs-standard.json': ['not_ses Records[0].body', 'not_ses Records[1].body'],
    'sns-http-body__Notification.json': ['not_ses Message'],
    'sns-http-body__SubscriptionConfirmation.json': ['skipped'],
    'sns-http-body__UnsubscribeConfirmation.json': ['skipped'],
    'sqs-message-body-from-sns.json': ['not_ses Message'],
    'sqs-message-body-raw-delivery-disabled.json': ['not_ses Message'],
  };
  for (const [file, want] of Object.entries(expected)) {
    it(`gives ${want.join(', ')} for ${file}`, () => {
      const doc = JSON.parse(readFileSync(path.join(REPO_ROOT, 'test/fixtures/envelopes', file), 'utf8'));
      expect(
        readFeedback(doc).map((o) => (o.kind === 'problem' ? `${o.problem.code} ${o.problem.path}` : o.kind)),
      ).toEqual(want);
    });
  }
  it('has an expectation for every envelope example', () => {
    expect(readdirSync(path.join(REPO_ROOT, 'test/fixtures/envelopes')).sort()).toEqual(Object.keys(expected).sort());
  });
});

describe('the sample events', () => {
  it('match what test/support/sample-events.ts builds (run npm run events after changing it)', async () => {
    const { buildSampleEvents, sampleEventText } = await import('#test/support/sample-events');
    for (const [relative, content] of buildSampleEvents())
      expect(eventText(relative), relative).toBe(sampleEventText(relative, content));
  });
});
