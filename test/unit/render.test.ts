import { describe, expect, it } from 'vitest';
import { readFeedback } from '#lib/intake';
import { bridgeId, render } from '#lib/render/index';
import type { Outcome } from '#lib/ses/types';
import { loadEvent } from '#test/support/fixtures';
import { lambdaSqsEvent, sqsBodyFromSns } from '#test/support/envelopes';

const TOPIC = 'arn:aws:sns:us-east-1:111122223333:acme-ses-feedback';

/** An event as the SQS handler sees it: SES text inside an SNS envelope inside an SQS body. */
function viaSqs(name: string, mutate: (record: any) => void = () => {}) {
  const record = loadEvent(`raw/${name}.json`);
  mutate(record);
  const text = JSON.stringify(record);
  const [outcome] = readFeedback(lambdaSqsEvent([sqsBodyFromSns(text)])) as [Outcome];
  if (outcome.kind !== 'event') throw new Error(JSON.stringify(outcome));
  return { ...outcome, text };
}

function body(name: string, format: 'original' | 'notification' | 'event' | 'normalized', mutate?: (record: any) => void) {
  const { event, record } = viaSqs(name, mutate);
  const rendered = render(event, record, TOPIC, format);
  if (rendered.kind !== 'message') throw new Error(`expected a message, got ${rendered.kind}`);
  return rendered;
}

describe('rendering each format', () => {
  it('passes the original text through byte for byte', () => {
    const { text } = viaSqs('legacy-bounce-with-dsn');
    expect(body('legacy-bounce-with-dsn', 'original').body).toBe(text);
    expect(body('event-click', 'original').body).toBe(viaSqs('event-click').text);
  });

  it('passes a record already in the requested format through unchanged', () => {
    expect(body('legacy-delivery', 'notification').body).toBe(viaSqs('legacy-delivery').text);
    expect(body('event-open', 'event').body).toBe(viaSqs('event-open').text);
  });

  it('converts an event-publishing bounce to the legacy notification shape', () => {
    const raw = loadEvent('raw/event-bounce.json');
    const legacy = JSON.parse(body('event-bounce', 'notification').body);
    const { tags: _tags, ...mailWithoutTags } = raw.mail;
    expect(legacy).toEqual({
      notificationType: 'Bounce',
      bounce: raw.bounce,
      mail: { ...mailWithoutTags, sourceIp: '192.0.2.0', callerIdentity: 'ses_user' },
    });
  });

  it('converts a legacy complaint to the event-publishing shape', () => {
    const raw = loadEvent('raw/legacy-complaint-with-feedback-report.json');
    const converted = JSON.parse(body('legacy-complaint-with-feedback-report', 'event').body);
    const { sourceIp, callerIdentity, ...mail } = raw.mail;
    expect(converted).toEqual({
      eventType: 'Complaint',
      complaint: raw.complaint,
      mail: { ...mail, tags: { 'ses:source-ip': [sourceIp], 'ses:caller-identity': [callerIdentity] } },
    });
  });

  it('renders the normalized event without the raw record', () => {
    const { event } = viaSqs('event-rendering-failure');
    expect(JSON.parse(body('event-rendering-failure', 'normalized').body)).toEqual(JSON.parse(JSON.stringify(event)));
  });

  it('skips types legacy notifications never carried, for the notification format only', () => {
    for (const name of ['event-send', 'event-reject', 'event-open', 'event-click', 'event-rendering-failure', 'event-delivery-delay', 'event-subscription']) {
      const { event, record } = viaSqs(name);
      expect(render(event, record, TOPIC, 'notification'), name).toEqual({ kind: 'skip', reason: 'format_unsupported' });
      expect(render(event, record, TOPIC, 'event').kind, name).toBe('message');
    }
  });
});

describe('message attributes', () => {
  it('carries type, sesEventType, account, identity, configuration set, bounce type and the bridge id', () => {
    const { event } = viaSqs('event-bounce');
    expect(body('event-bounce', 'event').attributes).toEqual({
      type: { DataType: 'String', StringValue: 'bounce' },
      sesEventType: { DataType: 'String', StringValue: 'Bounce' },
      sendingAccountId: { DataType: 'String', StringValue: '123456789012' },
      identity: { DataType: 'String', StringValue: 'sender@example.com' },
      configurationSet: { DataType: 'String', StringValue: 'ConfigSet' },
      bounceType: { DataType: 'String', StringValue: 'Permanent' },
      bridgeId: { DataType: 'String', StringValue: bridgeId(event, TOPIC, 'event') },
    });
  });

  it('leaves out unknown values, staying within the 10 attributes raw SQS delivery accepts', () => {
    const attrs = body('event-open', 'normalized').attributes;
    expect(Object.keys(attrs)).toEqual(['type', 'sesEventType', 'sendingAccountId', 'configurationSet', 'bridgeId']);
  });

  it('gives the same bridge id to the same record and destination, and another to another destination', () => {
    const a = viaSqs('legacy-bounce-with-dsn').event;
    const b = viaSqs('legacy-bounce-with-dsn').event;
    expect(bridgeId(a, TOPIC, 'notification')).toBe(bridgeId(b, TOPIC, 'notification'));
    expect(bridgeId(a, TOPIC, 'notification')).not.toBe(bridgeId(a, TOPIC, 'event'));
    expect(bridgeId(a, TOPIC, 'notification')).not.toBe(bridgeId(a, `${TOPIC}-2`, 'notification'));
    expect(bridgeId(a, TOPIC, 'notification')).toMatch(/^[0-9a-f]{32}$/);
  });
});

describe('messages over the SNS size limit', () => {
  const bigHeaders = (r: any) => {
    r.mail.headers.push({ name: 'X-Padding', value: 'x'.repeat(300_000) });
  };

  it('drops mail.headers and sets headersTruncated for a converted format', () => {
    const legacy = JSON.parse(body('event-bounce', 'notification', bigHeaders).body);
    expect(legacy.mail.headers).toBeUndefined();
    expect(legacy.mail.headersTruncated).toBe(true);
    expect(legacy.mail.commonHeaders).toEqual(loadEvent('raw/event-bounce.json').mail.commonHeaders);
    // Passing through would be too large too: the same trimming applies to a record already in the format.
    expect(JSON.parse(body('event-bounce', 'event', bigHeaders).body).mail.headersTruncated).toBe(true);
  });

  it('reports the original format as too large, since it must stay byte for byte', () => {
    const { event, record } = viaSqs('event-bounce', bigHeaders);
    expect(render(event, record, TOPIC, 'original')).toEqual({ kind: 'too_large', bytes: expect.any(Number) });
  });
});
