import { describe, expect, it } from 'vitest';
import { matches, parseFilters } from '#lib/redrive/filter';
import { classify, PartAssembler } from '#lib/redrive/units';

const parked = (fields: Record<string, unknown>) =>
  JSON.stringify({
    parkId: 'a'.repeat(32),
    parkedAt: '2026-01-01T00:00:00.000Z',
    code: 'unmatched',
    route: 'acme',
    text: '{}',
    ...fields,
  });

describe('reading redrive messages', () => {
  it('reads a parked record delivered raw, or inside an SNS envelope when raw delivery is off', () => {
    const raw = classify({ id: 'm1', body: parked({}), handle: 'h1', sentAt: 5 });
    const wrapped = classify({
      id: 'm2',
      body: JSON.stringify({ Type: 'Notification', MessageId: 'x', Message: parked({}) }),
      handle: 'h2',
      sentAt: 5,
    });
    for (const [c, handle] of [
      [raw, 'h1'],
      [wrapped, 'h2'],
    ] as const) {
      expect(c).toEqual({
        kind: 'unit',
        unit: {
          id: 'a'.repeat(32),
          text: '{}',
          code: 'unmatched',
          route: 'acme',
          at: Date.parse('2026-01-01T00:00:00.000Z'),
          handles: [handle],
        },
      });
    }
  });

  it('takes any other body as an intake DLQ message, run again as it is', () => {
    expect(classify({ id: 'm3', body: '{"eventType":"Bounce"}', handle: 'h3', sentAt: 7 })).toEqual({
      kind: 'unit',
      unit: { id: 'm3', text: '{"eventType":"Bounce"}', code: 'dlq', route: null, at: 7, handles: ['h3'] },
    });
  });

  it('leaves a parked record without text (an EventBridge record too deep to write back) alone, saying why', () => {
    expect(classify({ id: 'm4', body: parked({ text: null }), handle: 'h4', sentAt: null })).toMatchObject({
      kind: 'unusable',
      reason: 'the parked record has no text to run again (an EventBridge record too deep to write back)',
    });
  });

  it('joins parts in part order whatever order they arrive in, and keeps every receipt handle', () => {
    const assembler = new PartAssembler();
    const part = (n: number, text: string) =>
      classify({ id: `p${n}`, body: parked({ text, part: n, parts: 3 }), handle: `h${n}`, sentAt: null });
    expect(assembler.add(part(3, 'C') as never)).toBeUndefined();
    expect(assembler.add(part(1, 'A') as never)).toBeUndefined();
    expect(assembler.incomplete()).toEqual([
      { id: 'a'.repeat(32), code: 'unmatched', have: 2, parts: 3, handles: ['h3', 'h1'] },
    ]);
    expect(assembler.add(part(2, 'B') as never)).toMatchObject({ text: 'ABC', handles: ['h3', 'h1', 'h2'] });
    expect(assembler.incomplete()).toEqual([]);
  });
});

describe('redrive filters', () => {
  const unit = { id: 'x', text: '', code: 'NotFound', route: 'acme', at: 0, handles: [] };
  it('keeps alternatives of one key and requires every key', () => {
    const f = parseFilters(['code=unmatched', 'code=NotFound', 'route=acme', 'older-than=1h']);
    expect(matches(f, unit, 3_600_000)).toBe(true);
    expect(matches(f, unit, 3_599_999)).toBe(false);
    expect(matches(f, { ...unit, route: null }, 3_600_000)).toBe(false);
  });

  it('refuses an age without a unit with a message that shows one', () => {
    expect(() => parseFilters(['newer-than=12'])).toThrow(
      '--filter newer-than=12: an age is a whole number and s, m, h or d (e.g. 12h)',
    );
  });
});
