/**
 * Property: whatever happens to a valid record, reading it either normalizes or is rejected with a known code and a
 * field path; nothing throws, and one bad record never hides the good ones beside it.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readFeedback } from '#lib/intake';
import { lambdaSqsEvent, sqsBodyFromSns } from '#test/support/envelopes';
import { loadEvent } from '#test/support/fixtures';

const SAMPLES = [
  'legacy-bounce-with-dsn',
  'legacy-complaint-with-feedback-report',
  'legacy-delivery',
  'event-bounce',
  'event-click',
  'event-rendering-failure',
  'event-delivery-delay',
  'event-subscription',
  'event-send',
  'event-open',
].map((n) => loadEvent(`raw/${n}.json`));
const CODES = new Set(['invalid_json', 'not_ses', 'invalid_record', 'unsupported_input']);

/** All [parent, key] slots of a JSON value, so a mutation can hit any depth. */
function slots(value: any, out: Array<[any, string | number]> = []): Array<[any, string | number]> {
  if (value && typeof value === 'object') {
    for (const key of Array.isArray(value) ? value.keys() : Object.keys(value)) {
      out.push([value, key]);
      slots(value[key], out);
    }
  }
  return out;
}

const junk = fc.oneof(
  fc.constant(null),
  fc.constant(undefined),
  fc.integer(),
  fc.string(),
  fc.boolean(),
  fc.constant([]),
  fc.constant({}),
  fc.array(fc.integer(), { maxLength: 3 }),
  fc.constant('x'.repeat(100_000)),
);

const mutation = fc.record({
  sample: fc.nat(SAMPLES.length - 1),
  slot: fc.nat(),
  action: fc.constantFrom('delete', 'replace'),
  value: junk,
});

function mutate({
  sample,
  slot,
  action,
  value,
}: {
  sample: number;
  slot: number;
  action: string;
  value: unknown;
}): any {
  const record = structuredClone(SAMPLES[sample]);
  const all = slots(record);
  const [parent, key] = all[slot % all.length]!;
  if (action === 'delete') {
    if (Array.isArray(parent)) parent.splice(key as number, 1);
    else delete parent[key];
  } else parent[key] = value;
  return record;
}

describe('normalizing mutated records', () => {
  it('never throws: each mutated record normalizes or is rejected with a code and a path', () => {
    fc.assert(
      fc.property(mutation, (m) => {
        const outcomes = readFeedback(mutate(m));
        expect(outcomes).toHaveLength(1);
        const [outcome] = outcomes;
        if (outcome!.kind === 'problem') {
          expect(CODES.has(outcome!.problem.code)).toBe(true);
          expect(typeof outcome!.problem.path).toBe('string');
          expect(outcome!.problem.message.length).toBeGreaterThan(0);
        }
      }),
      { numRuns: 2000, seed: 20261127 },
    );
  });

  it('never lets a bad record hide the good ones beside it in an SQS batch', () => {
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 8 }), fc.boolean(), (mutations, truncate) => {
        const good = SAMPLES[0];
        const bodies = [sqsBodyFromSns(JSON.stringify(good))];
        for (const m of mutations) {
          const text = JSON.stringify(mutate(m)) ?? 'undefined';
          bodies.push(truncate ? text.slice(0, Math.floor(text.length / 2)) : sqsBodyFromSns(text));
          bodies.push(sqsBodyFromSns(JSON.stringify(good)));
        }
        const outcomes = readFeedback(lambdaSqsEvent(bodies));
        expect(outcomes).toHaveLength(bodies.length);
        outcomes.forEach((outcome, i) => {
          if (i % 2 === 0) expect(outcome.kind).toBe('event');
          else if (outcome.kind === 'problem') expect(outcome.problem.path.startsWith(`Records[${i}].body`)).toBe(true);
        });
      }),
      { numRuns: 300, seed: 7 },
    );
  });

  it('survives JSON nested 100,000 levels deep', () => {
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    const record = loadEvent('raw/event-bounce.json');
    const text = JSON.stringify(record)
      .replace('"send":{}', '')
      .replace('"bounceType":"Permanent"', `"bounceType":"Permanent","nested":${deep}`);
    const outcomes = readFeedback(lambdaSqsEvent([text]));
    expect(outcomes.map((o) => o.kind)).toEqual(['event']);
  });
});
