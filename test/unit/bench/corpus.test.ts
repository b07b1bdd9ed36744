import { describe, expect, it } from 'vitest';
import { readFeedback } from '#lib/intake';
import type { FeedbackEvent } from '#lib/ses/types';
import { generateRecords, MAX_RECORD_BYTES, MIN_RECORD_BYTES, MIX, sqsOfSnsEvent } from '../../../bench/corpus';
import { parseWithPowertools, safeParseWithPowertools } from '../../../bench/powertools';
import { floor, normalize } from '../../../bench/throughput';

const SEED = 7;
const records = generateRecords(2_000, SEED);
const event = sqsOfSnsEvent(records, SEED);

describe('the benchmark corpus', () => {
  it('is the same for the same seed and differs for another seed', () => {
    expect(generateRecords(50, SEED).map((r) => r.text)).toEqual(records.slice(0, 50).map((r) => r.text));
    expect(sqsOfSnsEvent(records.slice(0, 50), SEED)).toEqual(sqsOfSnsEvent(records.slice(0, 50), SEED));
    expect(generateRecords(50, SEED + 1).map((r) => r.text)).not.toEqual(records.slice(0, 50).map((r) => r.text));
  });

  it('holds records of 2-6 KB in the production mix, legacy notifications only for bounce, complaint and delivery', () => {
    for (const record of records) {
      expect(record.text.length).toBeGreaterThanOrEqual(MIN_RECORD_BYTES);
      expect(record.text.length).toBeLessThanOrEqual(MAX_RECORD_BYTES + 256);
    }
    for (const { type, share, legacy } of MIX) {
      const ofType = records.filter((r) => r.type === type);
      expect(Math.abs(ofType.length / records.length - share), type).toBeLessThan(0.03);
      if (!legacy)
        expect(
          ofType.every((r) => r.format === 'event'),
          type,
        ).toBe(true);
    }
    for (const type of ['Bounce', 'Complaint', 'Delivery']) {
      expect(new Set(records.filter((r) => r.type === type).map((r) => r.format)), type).toEqual(
        new Set(['notification', 'event']),
      );
    }
  });

  it('wraps each record as SNS delivers it to SQS, and every record normalizes', () => {
    const outcomes = readFeedback(event);
    expect(outcomes).toHaveLength(records.length);
    outcomes.forEach((outcome, i) => {
      if (outcome.kind !== 'event') throw new Error(`record ${i}: ${JSON.stringify(outcome)}`);
      expect(outcome.event.sesEventType).toBe(records[i]!.type);
      expect(outcome.event.format).toBe(records[i]!.format);
      expect(outcome.record.text).toBe(records[i]!.text);
      expect(outcome.record.path).toBe(`Records[${i}].body.Message`);
    });
    expect(event.Records[0]!.body).toMatch(/^\{\n {2}"Type" : "Notification",\n {2}"MessageId" : "/);
    expect(floor(event)).toBe(records.length);
    expect(normalize(event)).toBe(records.length);
  });
});

describe('the Powertools competitor', () => {
  it('accepts the whole corpus and produces the same normalized fields as the bridge', () => {
    const parsed = parseWithPowertools(event);
    const ours = readFeedback(event).map((o) => {
      if (o.kind !== 'event') throw new Error('expected an event');
      const { transport: _transport, ...fields } = o.event;
      return fields as Omit<FeedbackEvent, 'transport'>;
    });
    expect(parsed).toEqual(ours);
  });

  it('stops at the SQS body where the bridge names the field', () => {
    const bad = structuredClone({ Records: event.Records.slice(0, 3) });
    const envelope = JSON.parse(bad.Records[1]!.body);
    const ses = JSON.parse(envelope.Message);
    ses.mail.destination = ['first@example.com', 42];
    envelope.Message = JSON.stringify(ses);
    bad.Records[1]!.body = JSON.stringify(envelope);

    const problems = readFeedback(bad).filter((o) => o.kind === 'problem');
    expect(problems).toMatchObject([
      {
        problem: {
          path: 'Records[1].body.Message.mail.destination[1]',
          message: 'mail.destination[1] must be a string, got a number',
        },
      },
    ]);
    const result = safeParseWithPowertools(bad);
    expect(result.success).toBe(false);
    if (!result.success)
      expect((result.error.cause as { issues: Array<{ path: unknown[] }> }).issues.map((i) => i.path)).toEqual([
        ['Records', 1, 'body'],
      ]);
  });
});
