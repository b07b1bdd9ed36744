import { describe, expect, it } from 'vitest';
import { readFeedback } from '#lib/intake';
import { loadEvent } from '#test/support/fixtures';

function normalizeBare(name: string) {
  const outcomes = readFeedback(loadEvent(`raw/${name}.json`));
  expect(outcomes).toHaveLength(1);
  const [outcome] = outcomes;
  if (outcome?.kind !== 'event') throw new Error(`expected an event, got ${JSON.stringify(outcome)}`);
  return outcome.event;
}

// Expected values read off AWS's own examples (events/raw/ holds them unchanged).
const EXPECTED = {
  'legacy-bounce-with-dsn': {
    type: 'bounce',
    sesEventType: 'Bounce',
    format: 'notification',
    timestamp: '2016-01-27T14:59:38.237Z',
    recipients: ['jane@example.com'],
    delegated: true,
    identity: 'example.com',
    callerIdentity: 'IAM_user_or_role_name',
    configurationSet: null,
  },
  'legacy-bounce-without-dsn': {
    type: 'bounce',
    sesEventType: 'Bounce',
    format: 'notification',
    timestamp: '2016-01-27T14:59:38.237Z',
    recipients: ['jane@example.com', 'richard@example.com'],
    delegated: true,
    identity: 'example.com',
    callerIdentity: 'IAM_user_or_role_name',
    configurationSet: null,
  },
  'legacy-complaint-with-feedback-report': {
    type: 'complaint',
    sesEventType: 'Complaint',
    format: 'notification',
    timestamp: '2016-01-27T14:59:38.237Z',
    recipients: ['richard@example.com'],
    delegated: true,
    identity: 'example.com',
    callerIdentity: 'IAM_user_or_role_name',
    configurationSet: null,
  },
  'legacy-complaint-without-feedback-report': {
    type: 'complaint',
    sesEventType: 'Complaint',
    format: 'notification',
    timestamp: '2016-01-27T14:59:38.237Z',
    recipients: ['richard@example.com'],
    delegated: true,
    identity: 'example.com',
    callerIdentity: 'IAM_user_or_role_name',
    configurationSet: null,
  },
  'legacy-delivery': {
    type: 'delivery',
    sesEventType: 'Delivery',
    format: 'notification',
    timestamp: '2016-01-27T14:59:38.237Z',
    recipients: ['jane@example.com'],
    delegated: true,
    identity: 'example.com',
    callerIdentity: 'IAM_user_or_role_name',
    configurationSet: null,
  },
  'event-bounce': {
    type: 'bounce',
    sesEventType: 'Bounce',
    format: 'event',
    timestamp: '2017-08-05T00:41:02.669Z',
    recipients: ['recipient@example.com'],
    delegated: false,
    identity: 'sender@example.com',
    callerIdentity: 'ses_user',
    configurationSet: 'ConfigSet',
  },
  'event-complaint': {
    type: 'complaint',
    sesEventType: 'Complaint',
    format: 'event',
    timestamp: '2017-08-05T00:41:02.669Z',
    recipients: ['recipient@example.com'],
    delegated: false,
    identity: 'sender@example.com',
    callerIdentity: 'ses_user',
    configurationSet: 'ConfigSet',
  },
  'event-delivery': {
    type: 'delivery',
    sesEventType: 'Delivery',
    format: 'event',
    timestamp: '2016-10-19T23:21:04.133Z',
    recipients: ['recipient@example.com'],
    delegated: false,
    identity: 'sender@example.com',
    callerIdentity: 'ses_user',
    configurationSet: 'ConfigSet',
  },
  'event-send': {
    type: 'send',
    sesEventType: 'Send',
    format: 'event',
    timestamp: '2016-10-14T05:02:16.645Z',
    recipients: ['recipient@example.com'],
    delegated: false,
    identity: 'sender@example.com',
    callerIdentity: 'ses_user',
    configurationSet: 'ConfigSet',
  },
  'event-reject': {
    type: 'reject',
    sesEventType: 'Reject',
    format: 'event',
    timestamp: '2016-10-14T17:38:15.211Z',
    recipients: ['sender@example.com'],
    delegated: false,
    identity: 'sender@example.com',
    callerIdentity: 'ses_user',
    configurationSet: 'ConfigSet',
  },
  'event-open': {
    type: 'open',
    sesEventType: 'Open',
    format: 'event',
    timestamp: '2017-08-09T22:00:19.652Z',
    recipients: ['recipient@example.com'],
    delegated: null,
    identity: null,
    callerIdentity: 'IAM_user_or_role_name',
    configurationSet: 'ConfigSet',
  },
  'event-click': {
    type: 'click',
    sesEventType: 'Click',
    format: 'event',
    timestamp: '2017-08-09T23:51:25.570Z',
    recipients: ['recipient@example.com'],
    delegated: null,
    identity: null,
    callerIdentity: 'ses_user',
    configurationSet: 'ConfigSet',
  },
  'event-rendering-failure': {
    type: 'rendering_failure',
    sesEventType: 'Rendering Failure',
    format: 'event',
    timestamp: '2018-01-22T18:43:06.197Z',
    recipients: ['recipient@example.com'],
    delegated: false,
    identity: 'sender@example.com',
    callerIdentity: null,
    configurationSet: 'ConfigSet',
  },
  'event-delivery-delay': {
    type: 'delivery_delay',
    sesEventType: 'DeliveryDelay',
    format: 'event',
    timestamp: '2020-06-16T00:25:40.095Z',
    recipients: ['recipient@example.com'],
    delegated: false,
    identity: 'sender@example.com',
    callerIdentity: null,
    configurationSet: 'ConfigSet',
  },
  'event-subscription': {
    type: 'subscription',
    sesEventType: 'Subscription',
    format: 'event',
    timestamp: '2022-01-12T01:00:17.910Z',
    recipients: ['recipient@example.com'],
    delegated: false,
    identity: 'sender@example.com',
    callerIdentity: 'ses_user',
    configurationSet: 'ConfigSet',
  },
} as const;

const DETAIL_KEY: Record<string, string> = {
  bounce: 'bounce',
  complaint: 'complaint',
  delivery: 'delivery',
  send: 'send',
  reject: 'reject',
  open: 'open',
  click: 'click',
  rendering_failure: 'failure',
  delivery_delay: 'deliveryDelay',
  subscription: 'subscription',
};

describe('normalizing every complete SES record among the AWS examples', () => {
  for (const [name, expected] of Object.entries(EXPECTED)) {
    it(`normalizes ${name} with the documented fields`, () => {
      const raw = loadEvent(`raw/${name}.json`);
      const event = normalizeBare(name);
      expect(event).toMatchObject({ schemaVersion: 1, ...expected });
      expect(event.messageId).toBe(raw.mail.messageId);
      expect(event.mailTimestamp).toBe(raw.mail.timestamp);
      expect(event.source).toBe(raw.mail.source);
      expect(event.sourceArn).toBe(raw.mail.sourceArn ?? null);
      expect(event.sendingAccountId).toBe(raw.mail.sendingAccountId);
      expect(event.tags).toEqual(raw.mail.tags ?? {});
      expect(event.detail).toEqual(raw[DETAIL_KEY[event.type]!]);
      expect(event.transport).toEqual({ kind: 'raw' });
    });
  }
});

describe('normalizing edge cases', () => {
  const bounce = () => loadEvent('raw/event-bounce.json');

  it('turns an event type SES adds later into unknown, keeping mail.destination as recipients', () => {
    const record = bounce();
    record.eventType = 'Teleported';
    const [outcome] = readFeedback(record);
    expect(outcome).toMatchObject({
      kind: 'event',
      event: {
        type: 'unknown',
        sesEventType: 'Teleported',
        detail: null,
        timestamp: record.mail.timestamp,
        recipients: ['recipient@example.com'],
      },
    });
  });

  it('accepts click.linkTags null, complaintSubType null and a complaint without complaintFeedbackType', () => {
    const click = loadEvent('raw/event-click.json');
    click.click.linkTags = null;
    const complaint = loadEvent('raw/legacy-complaint-without-feedback-report.json');
    complaint.complaint.complaintSubType = null;
    delete complaint.complaint.complaintFeedbackType;
    expect(readFeedback(click)[0]?.kind).toBe('event');
    expect(readFeedback(complaint)[0]?.kind).toBe('event');
  });

  it('prefers mail.callerIdentity over the ses:caller-identity tag', () => {
    const record = bounce();
    record.mail.callerIdentity = 'arn:aws:iam::123456789012:user/sender';
    expect(readFeedback(record)[0]).toMatchObject({
      event: { callerIdentity: 'arn:aws:iam::123456789012:user/sender' },
    });
  });

  it('keeps a 1 MB string as it is', () => {
    const record = bounce();
    record.bounce.bouncedRecipients[0].diagnosticCode = 'x'.repeat(1_000_000);
    const [outcome] = readFeedback(record);
    expect(outcome?.kind).toBe('event');
  });

  it('leaves delegated null when sourceArn is not an identity ARN', () => {
    const record = bounce();
    record.mail.sourceArn = 'not-an-arn';
    expect(readFeedback(record)[0]).toMatchObject({
      event: { delegated: null, identity: null, sourceArn: 'not-an-arn' },
    });
  });

  const rejections: Array<[string, (r: any) => void, string, string]> = [
    ['a record missing mail', (r) => delete r.mail, 'mail', 'mail is missing'],
    ['a record missing mail.messageId', (r) => delete r.mail.messageId, 'mail.messageId', 'mail.messageId is missing'],
    [
      'a numeric mail.messageId',
      (r) => (r.mail.messageId = 42),
      'mail.messageId',
      'mail.messageId must be a string, got a number',
    ],
    [
      'a non-string destination entry',
      (r) => (r.mail.destination = ['a@example.com', 7]),
      'mail.destination[1]',
      'mail.destination[1] must be a string, got a number',
    ],
    [
      'a bounced recipient without emailAddress',
      (r) => delete r.bounce.bouncedRecipients[0].emailAddress,
      'bounce.bouncedRecipients[0].emailAddress',
      'bounce.bouncedRecipients[0].emailAddress is missing',
    ],
    [
      'a bounce without its bounce object',
      (r) => delete r.bounce,
      'bounce',
      'bounce is missing for eventType "Bounce"',
    ],
    [
      'a tag value that is not an array',
      (r) => (r.mail.tags['ses:configuration-set'] = 'ConfigSet'),
      'mail.tags["ses:configuration-set"]',
      'mail.tags["ses:configuration-set"] must be an array of strings, got a string',
    ],
    ['a numeric eventType', (r) => (r.eventType = 3), 'eventType', 'eventType must be a string, got a number'],
  ];
  for (const [what, mutate, path, message] of rejections) {
    it(`rejects ${what} with invalid_record at ${path}`, () => {
      const record = bounce();
      mutate(record);
      expect(readFeedback(record)).toEqual([
        {
          kind: 'problem',
          problem: {
            code: 'invalid_record',
            message,
            path,
            item: 0,
            transport: { kind: 'raw' },
            text: JSON.stringify(record),
          },
        },
      ]);
    });
  }
});
