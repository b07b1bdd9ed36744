import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { splitDocuments } from '#lib/envelopes/index';
import { readFeedback } from '#lib/intake';
import {
  bridgeId,
  render,
  reserializedEventBody,
  reserializedNotificationBody,
  splicedEventBody,
  splicedNotificationBody,
} from '#lib/render/index';
import type { FeedbackEvent, Outcome, SesRecord } from '#lib/ses/types';
import { asParsed, conversionsOf } from '#test/support/conversions';
import { lambdaSqsEvent, sqsBodyFromSns } from '#test/support/envelopes';
import { eventText, loadEvent, REPO_ROOT } from '#test/support/fixtures';

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

function body(
  name: string,
  format: 'original' | 'notification' | 'event' | 'normalized',
  mutate?: (record: any) => void,
) {
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

  it('keeps what mail already has over what the tags would give, both ways', () => {
    const legacy = JSON.parse(body('event-bounce', 'notification', (r) => (r.mail.sourceIp = '203.0.113.9')).body);
    expect(legacy.mail.sourceIp).toBe('203.0.113.9');
    expect(Object.keys(legacy.mail).slice(-2)).toEqual(['sourceIp', 'callerIdentity']);
    const converted = JSON.parse(
      body('legacy-delivery', 'event', (r) => (r.mail.tags = { 'ses:source-ip': ['198.51.100.7'] })).body,
    );
    expect(converted.mail.tags).toEqual({
      'ses:source-ip': ['198.51.100.7'],
      'ses:caller-identity': [loadEvent('raw/legacy-delivery.json').mail.callerIdentity],
    });
  });

  it('renders the normalized event without the raw record', () => {
    const { event } = viaSqs('event-rendering-failure');
    expect(JSON.parse(body('event-rendering-failure', 'normalized').body)).toEqual(JSON.parse(JSON.stringify(event)));
  });

  it('skips types legacy notifications never carried, for the notification format only', () => {
    for (const name of [
      'event-send',
      'event-reject',
      'event-open',
      'event-click',
      'event-rendering-failure',
      'event-delivery-delay',
      'event-subscription',
    ]) {
      const { event, record } = viaSqs(name);
      expect(render(event, record, TOPIC, 'notification'), name).toEqual({
        kind: 'skip',
        reason: 'format_unsupported',
      });
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

/** Every file under a directory of the repository, recursively, as paths relative to the repository. */
function filesUnder(relative: string): string[] {
  return readdirSync(path.join(REPO_ROOT, relative), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(REPO_ROOT, path.join(entry.parentPath, entry.name)))
    .sort();
}

/** The SES records with text a file yields, read as the CLI reads files (a document, or NDJSON lines). */
function recordsIn(file: string): Array<{ event: FeedbackEvent; record: SesRecord }> {
  const out: Array<{ event: FeedbackEvent; record: SesRecord }> = [];
  for (const doc of splitDocuments(readFileSync(path.join(REPO_ROOT, file), 'utf8'))) {
    if (!('value' in doc)) continue;
    for (const outcome of readFeedback(doc.value, doc.text)) {
      if (outcome.kind === 'event' && outcome.record.text !== null) out.push(outcome);
    }
  }
  return out;
}

/** A record read from its text, as a bare document is. */
function fromText(text: string) {
  const [outcome] = readFeedback(JSON.parse(text), text);
  if (outcome?.kind !== 'event') throw new Error(JSON.stringify(outcome));
  return outcome;
}

describe('conversions spliced from the original text', () => {
  // The sample events (every transport), the AWS examples in events/raw (pretty-printed) and the odd-but-valid
  // and bad-input corpus (leading whitespace, escapes, unknown fields...): whatever of it is an SES record.
  const files = [
    ...filesUnder('events'),
    ...filesUnder('test/fixtures/bad'),
    ...filesUnder('test/fixtures/envelopes'),
  ].filter((f) => !f.endsWith('manifest.json'));

  it('read as the re-serialized conversions do, key order included, for every SES record of the samples and fixtures', () => {
    let compared = 0;
    for (const file of files) {
      for (const { event, record } of recordsIn(file)) {
        for (const { format, spliced, reserialized } of conversionsOf(event, record)) {
          expect(spliced, `${file} ${event.messageId} -> ${format}`).not.toBeNull();
          expect(asParsed(spliced as string), `${file} ${event.messageId} -> ${format}`).toBe(asParsed(reserialized));
          compared++;
        }
      }
    }
    expect(compared).toBeGreaterThanOrEqual(300);
  });

  it('cover every AWS example in events/raw, in both directions where the type has both', () => {
    const raw = files.filter((f) => f.startsWith(`events${path.sep}raw${path.sep}`));
    expect(raw).toHaveLength(15);
    for (const file of raw) {
      const [{ event, record }] = recordsIn(file) as [{ event: FeedbackEvent; record: SesRecord }];
      expect(
        conversionsOf(event, record).map((c) => c.format),
        file,
      ).toEqual(['bounce', 'complaint', 'delivery'].includes(event.type) ? ['event', 'notification'] : ['event']);
    }
  });

  it('are what render publishes, keeping the original whitespace', () => {
    const bounce = fromText(eventText('raw/event-bounce.json'));
    const legacy = fromText(eventText('raw/legacy-complaint-with-feedback-report.json'));
    const notification = render(bounce.event, bounce.record, TOPIC, 'notification');
    const event = render(legacy.event, legacy.record, TOPIC, 'event');
    expect(notification).toMatchObject({
      kind: 'message',
      body: splicedNotificationBody(bounce.event, bounce.record.text as string, bounce.record.json.mail as any),
    });
    expect(event).toMatchObject({
      kind: 'message',
      body: splicedEventBody(legacy.event, legacy.record.text as string, legacy.record.json.mail as any),
    });
    // events/raw is pretty-printed: the bounce object goes out as written there, which JSON.stringify would not give.
    expect((notification as { body: string }).body).toContain(
      '"bounce":{\n    "bounceType": "Permanent",\n    "bounceSubType": "General"',
    );
  });

  it('fall back to re-serializing when a key the splice needs occurs twice (JSON.parse keeps the last)', () => {
    const text = eventText('raw/event-bounce.json');
    const repeats = [
      text.replace('{', '{"mail": "the first of two",'),
      text.replace('{', '{"bounce": [],'),
      text.replace('"mail": {', '"mail": {"tags": {"ses:source-ip": ["198.51.100.1"]},'),
    ];
    for (const repeated of repeats) {
      const { event, record } = fromText(repeated);
      const mail = record.json.mail as any;
      expect(splicedNotificationBody(event, repeated, mail)).toBeNull();
      expect(splicedEventBody(event, repeated, mail)).toBeNull();
      expect(render(event, record, TOPIC, 'notification')).toMatchObject({
        kind: 'message',
        body: reserializedNotificationBody(event, mail, false),
      });
    }
    const legacyText = eventText('raw/legacy-delivery.json');
    const callerTwice = legacyText.replace('"mail": {', '"mail": {"callerIdentity": "the first of two",');
    const legacy = fromText(callerTwice);
    expect(render(legacy.event, legacy.record, TOPIC, 'event')).toMatchObject({
      kind: 'message',
      body: reserializedEventBody(legacy.event, legacy.record.json.mail as any, false),
    });
  });

  it('re-serialize records without text (EventBridge) and the headers-dropped retry', () => {
    const [outcome] = readFeedback(loadEvent('eventbridge/bounce.json'));
    if (outcome?.kind !== 'event') throw new Error('expected an event');
    expect(render(outcome.event, outcome.record, TOPIC, 'notification')).toMatchObject({
      body: reserializedNotificationBody(outcome.event, outcome.record.json.mail as any, false),
    });
    const { event, record } = viaSqs('event-bounce', (r) =>
      r.mail.headers.push({ name: 'X-Padding', value: 'x'.repeat(300_000) }),
    );
    expect(render(event, record, TOPIC, 'notification')).toMatchObject({
      body: reserializedNotificationBody(event, record.json.mail as any, true),
    });
  });
});

describe('bodies that are not well-formed UTF-16', () => {
  /** A record whose SNS Message, unescaped once, holds `unit` itself in a bounced recipient's diagnostic. */
  function withLone(unit: string) {
    const record = loadEvent('raw/legacy-bounce-with-dsn.json');
    record.bounce.bouncedRecipients[0].diagnosticCode = 'PLACEHOLDER';
    const text = JSON.stringify(record).replace('PLACEHOLDER', `Hi ${unit}`);
    const [outcome] = readFeedback(lambdaSqsEvent([sqsBodyFromSns(text)])) as [Outcome];
    if (outcome.kind !== 'event') throw new Error(JSON.stringify(outcome));
    return outcome;
  }

  it('refuses a record passed through with a lone surrogate, naming the field and the code unit', () => {
    const { event, record } = withLone('\udc00');
    expect(render(event, record, TOPIC, 'original')).toEqual({
      kind: 'invalid',
      path: 'Records[0].body.Message.bounce.bouncedRecipients[0].diagnosticCode',
      reason: 'the record holds a lone surrogate (U+DC00): text that is not well-formed UTF-16 cannot be sent to SNS',
    });
    expect(render(event, record, TOPIC, 'event').kind).toBe('invalid');
  });

  it('renders the normalized format of the same record, whose JSON escapes the lone surrogate', () => {
    const { event, record } = withLone('\ud800');
    const rendered = render(event, record, TOPIC, 'normalized');
    expect(rendered.kind).toBe('message');
    expect((rendered as { body: string }).body).toContain('Hi \\ud800');
  });

  it('delivers a well-formed surrogate pair untouched', () => {
    const { event, record } = withLone('\ud83d\ude00');
    const rendered = render(event, record, TOPIC, 'original');
    expect(rendered.kind).toBe('message');
    expect((rendered as { body: string }).body).toContain('Hi \ud83d\ude00');
  });
});
