/**
 * The semantic feedback key is the same for every copy of one SES event, legacy notification or event-publishing
 * record, and different for different events.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readFeedback } from '#lib/intake';
import { feedbackKeyOf } from '#lib/ses/feedback-key';
import type { FeedbackEvent, SesRecord } from '#lib/ses/types';
import { conversionsOf } from '#test/support/conversions';
import { EVENTS_DIR, loadRawSamples } from '#test/support/sample-events';

function normalized(text: string): { event: FeedbackEvent; record: SesRecord } {
  const [outcome] = readFeedback(JSON.parse(text), text);
  if (outcome?.kind !== 'event') throw new Error(`not an event: ${JSON.stringify(outcome)}`);
  return outcome;
}

function eventFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? eventFiles(full) : name.endsWith('.json') ? [full] : [];
  });
}

describe('feedbackKey', () => {
  const samples = [...loadRawSamples()].map(([name, json]) => ({ name, ...normalized(JSON.stringify(json)) }));

  it.each(samples.map((s) => [s.name, s] as const))(
    'is the same for %s in every format it can be converted to',
    (_, { event, record }) => {
      const conversions = conversionsOf(event, record);
      expect(conversions.length).toBeGreaterThan(0);
      for (const conversion of conversions) {
        for (const text of [conversion.spliced, conversion.reserialized]) {
          if (text === null) continue;
          const copy = normalized(text).event;
          expect(copy.format).toBe(conversion.format);
          expect(copy.feedbackKey).toBe(event.feedbackKey);
        }
      }
    },
  );

  it('differs for every AWS example (each is a different event)', () => {
    const keys = samples.map((s) => s.event.feedbackKey);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('is the same for one record in every envelope of the sample events, and never joins two events', () => {
    const byKey = new Map<string, Set<string>>();
    let events = 0;
    for (const file of eventFiles(EVENTS_DIR)) {
      const text = readFileSync(file, 'utf8');
      for (const outcome of readFeedback(JSON.parse(text), text)) {
        if (outcome.kind !== 'event') continue;
        events++;
        const { event } = outcome;
        const identity = JSON.stringify([event.messageId, event.type, event.timestamp, event.detail]);
        const seen = byKey.get(event.feedbackKey) ?? new Set<string>();
        seen.add(identity);
        byKey.set(event.feedbackKey, seen);
      }
    }
    expect(events).toBeGreaterThan(100);
    for (const [key, identities] of byKey) expect([key, identities.size]).toEqual([key, 1]);
    // The same SES record travels in several envelopes (SNS, SQS raw and enveloped, Firehose...).
    expect(byKey.size).toBeLessThan(events);
  });

  it('keys a bounce and a complaint on their feedbackId, not on when the copy was made', () => {
    const detail = { feedbackId: 'fb-1', timestamp: '2026-01-01T00:00:00.000Z' };
    expect(feedbackKeyOf('bounce', 'Bounce', 'm-1', '2026-01-01T00:00:00.000Z', detail, ['a@example.com'])).toBe(
      'bounce|m-1|fb-1',
    );
    expect(feedbackKeyOf('complaint', 'Complaint', 'm-1', '2026-01-02T00:00:00.000Z', detail, [])).toBe(
      'complaint|m-1|fb-1',
    );
    expect(feedbackKeyOf('bounce', 'Bounce', 'm-1', '2026-01-01T00:00:00.000Z', { feedbackId: 'fb-2' }, [])).not.toBe(
      'bounce|m-1|fb-1',
    );
  });

  it('keys a delivery on its timestamp and recipients in any order', () => {
    const at = '2026-01-01T00:00:01.000Z';
    const one = feedbackKeyOf('delivery', 'Delivery', 'm-1', at, {}, ['b@example.com', 'a@example.com']);
    expect(feedbackKeyOf('delivery', 'Delivery', 'm-1', at, {}, ['a@example.com', 'b@example.com'])).toBe(one);
    expect(feedbackKeyOf('delivery', 'Delivery', 'm-1', at, {}, ['a@example.com'])).not.toBe(one);
    expect(
      feedbackKeyOf('delivery', 'Delivery', 'm-1', '2026-01-01T00:00:02.000Z', {}, ['a@example.com', 'b@example.com']),
    ).not.toBe(one);
  });

  it('tells two clicks of one message apart by link, and two new SES types apart by their name', () => {
    const at = '2026-01-01T00:00:00.000Z';
    expect(feedbackKeyOf('click', 'Click', 'm-1', at, { link: 'https://a.example' }, [])).not.toBe(
      feedbackKeyOf('click', 'Click', 'm-1', at, { link: 'https://b.example' }, []),
    );
    expect(feedbackKeyOf('unknown', 'Future', 'm-1', at, null, [])).not.toBe(
      feedbackKeyOf('unknown', 'Other', 'm-1', at, null, []),
    );
    expect(feedbackKeyOf('open', 'Open', 'm-1', at, {}, [])).toBe('open|m-1|2026-01-01T00:00:00.000Z');
  });
});
