import { describe, expect, it } from 'vitest';
import { DETECTION, triggerItems } from '#lib/envelopes/detect';
import type { IntakeItem } from '#lib/ses/types';

/** The items of a document, as auto-detection reads them. */
function read(doc: unknown): IntakeItem[] {
  const items = triggerItems(doc, null);
  const out: IntakeItem[] = [];
  for (let i = 0; i < items.count; i++) items.unwrap(i, out);
  return out;
}

const detected = (doc: Record<string, unknown>) => DETECTION.find((kind) => kind.matches(doc))?.what;

const snsEnvelope = { Type: 'Notification', Message: '{"notificationType":"Bounce"}', TopicArn: 'arn:t' };

describe('the detection table', () => {
  it('tries the documents with item arrays first and reads anything else as one SES record', () => {
    expect(DETECTION.map((kind) => kind.what)).toEqual([
      'a Lambda SQS or SNS event',
      'a Firehose data-transformation event',
      'an EventBridge event',
      'an SNS HTTP body',
      'an SES record (or an object that is none, refused as not_ses)',
    ]);
  });

  it('reads a document with Records as a Lambda event, whatever else it claims to be', () => {
    const doc = {
      Records: [{ eventSource: 'aws:kinesis' }],
      ...snsEnvelope,
      'detail-type': 'Email Bounced',
      source: 'x',
    };
    expect(detected(doc)).toBe('a Lambda SQS or SNS event');
    expect(read(doc)).toEqual([
      {
        kind: 'problem',
        problem: {
          code: 'unsupported_input',
          message:
            'Lambda event record from "aws:kinesis" is not supported: expected an SNS record (Sns) or an SQS record (body)',
          path: 'Records[0]',
          item: 0,
          transport: null,
          text: null,
        },
      },
    ]);
  });

  it('reads records[] as a Firehose event only beside deliveryStreamArn or invocationId', () => {
    expect(detected({ records: [], invocationId: 'i' })).toBe('a Firehose data-transformation event');
    expect(detected({ records: [], deliveryStreamArn: 'arn:s' })).toBe('a Firehose data-transformation event');
    const bare = { records: [{ data: 'e30=' }] };
    expect(detected(bare)).toBe('an SES record (or an object that is none, refused as not_ses)');
    expect(read(bare)).toMatchObject([{ kind: 'problem', problem: { code: 'not_ses', path: '' } }]);
  });

  it('reads an SNS envelope that also carries detail-type and source as an EventBridge event', () => {
    const doc = { ...snsEnvelope, 'detail-type': 'Email Bounced', source: 'aws.ses', detail: { mail: {} } };
    expect(detected(doc)).toBe('an EventBridge event');
    expect(read(doc)).toMatchObject([
      { kind: 'record', record: { path: 'detail', transport: { kind: 'eventbridge' } } },
    ]);
  });

  it('refuses a document that is not an object as not_ses, with its text', () => {
    const items = triggerItems([1, 2], '[1,2]');
    const out: IntakeItem[] = [];
    items.unwrap(0, out);
    expect(items.count).toBe(1);
    expect(out).toEqual([
      {
        kind: 'problem',
        problem: {
          code: 'not_ses',
          message: 'expected a JSON object, got an array',
          path: '',
          item: 0,
          transport: null,
          text: '[1,2]',
        },
      },
    ]);
  });
});
