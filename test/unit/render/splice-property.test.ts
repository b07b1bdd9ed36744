/**
 * Property: a conversion spliced from a record's original text reads exactly as the re-serialized one (same values,
 * same key order at every level), however the text is laid out, escaped or ordered, and whatever else mail holds;
 * where a key the splice needs is repeated, render re-serializes instead.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readFeedback } from '#lib/intake';
import { render } from '#lib/render/index';
import type { FeedbackEvent, SesRecord } from '#lib/ses/types';
import { asParsed, conversionsOf } from '#test/support/conversions';
import { loadRawSamples } from '#test/support/sample-events';

const TOPIC = 'arn:aws:sns:us-east-1:111122223333:acme-ses-feedback';
const SAMPLES = [...loadRawSamples().values()];

/** An object written member by member: order and repeated keys exactly as listed. */
class Members {
  constructor(readonly entries: Array<[string, unknown]>) {}
}

/** How a text is laid out: whitespace between tokens (cycled), and `g`/`m` written as \u escapes in every string. */
interface Layout {
  space: string[];
  escape: boolean;
  /** JSON.stringify indentation applied afterwards instead (repeated keys then collapse; not used for them). */
  indent: number | null;
}

function writeJson(value: unknown, layout: Layout): string {
  let n = 0;
  const ws = () => layout.space[n++ % layout.space.length] as string;
  const str = (s: string) =>
    layout.escape
      ? JSON.stringify(s).replace(/[gm]/g, (c) => `\\u00${c.charCodeAt(0).toString(16)}`)
      : JSON.stringify(s);
  const object = (entries: Array<[string, unknown]>): string =>
    `{${ws()}${entries.map(([k, v]) => `${str(k)}${ws()}:${ws()}${write(v)}`).join(`${ws()},${ws()}`)}${ws()}}`;
  const write = (v: unknown): string => {
    if (v instanceof Members) return object(v.entries);
    if (Array.isArray(v)) return `[${ws()}${v.map(write).join(`${ws()},${ws()}`)}${ws()}]`;
    if (v !== null && typeof v === 'object') return object(Object.entries(v));
    return typeof v === 'string' ? str(v) : JSON.stringify(v);
  };
  const text = `${ws()}${write(value)}${ws()}`;
  return layout.indent === null ? text : JSON.stringify(JSON.parse(text), null, layout.indent);
}

const NASTY = [
  '"',
  '\\',
  '\\"',
  '\\\\"',
  '{"tags":[',
  '}]}',
  '"tags":',
  'tags',
  '"mail":{',
  '\u2028',
  '\u{1f600}',
  '\ud800',
  '\u0000',
  'é',
];
const nastyString = fc.oneof(
  fc.constantFrom(...NASTY),
  fc.string({ maxLength: 8 }),
  fc.string({ unit: 'binary', maxLength: 8 }),
);
const anyValue = fc.oneof(
  nastyString,
  fc.jsonValue({ maxDepth: 2 }),
  fc.dictionary(
    fc.constantFrom('tags', 'mail', 'sourceIp', 'callerIdentity', 'x'),
    fc.oneof(nastyString, fc.jsonValue({ maxDepth: 1 })),
    { maxKeys: 3 },
  ),
);
const extraKey = fc.oneof(
  fc.string({ maxLength: 6 }),
  fc.constantFrom('Tags', 'tags ', 'x"tags"', 'a\\', 'é', '"', '\\"', 'sourceIp2', '0', '17', 'mail', '__proto__'),
);
const extras = fc.array(fc.tuple(extraKey, anyValue), { maxLength: 4 });
const tagValues = fc.array(nastyString, { maxLength: 2 });
/** Validated tags (the normalizer's rule: an object of string arrays), with or without the two auto-tags. */
const tagsObject = fc
  .tuple(
    fc.option(tagValues, { nil: undefined }),
    fc.dictionary(extraKey, tagValues, { maxKeys: 3 }),
    fc.option(tagValues, { nil: undefined }),
  )
  .map(([ip, others, caller]) => ({
    ...(ip && { 'ses:source-ip': ip }),
    ...others,
    ...(caller && { 'ses:caller-identity': caller }),
  }));
const ABSENT = Symbol('absent');
/** Random sort keys: where each member goes. */
const order = fc.array(fc.nat(1_000), { minLength: 40, maxLength: 40 });

const recordShape = fc.record({
  sample: fc.nat(SAMPLES.length - 1),
  tags: fc.oneof(fc.constant<unknown>(ABSENT), fc.constant(null), tagsObject),
  sourceIp: fc.oneof(fc.constant<unknown>(ABSENT), nastyString, fc.integer()),
  callerIdentity: fc.oneof(fc.constant<unknown>(ABSENT), fc.constant(null), nastyString),
  mailExtras: extras,
  detailExtras: extras,
  topExtras: extras,
  mailOrder: order,
  topOrder: order,
  layout: fc.record({
    space: fc.array(fc.constantFrom('', ' ', '\n', '\t', '\r\n', '\n    '), { minLength: 1, maxLength: 6 }),
    escape: fc.boolean(),
    indent: fc.option(fc.constantFrom(1, 2, 4, '\t' as unknown as number), { nil: null }),
  }),
});
type RecordShape = typeof recordShape extends fc.Arbitrary<infer T> ? T : never;

function shuffled<T>(items: T[], keys: number[]): T[] {
  return items
    .map((item, i) => ({ item, at: keys[i] ?? i }))
    .sort((a, b) => a.at - b.at)
    .map(({ item }) => item);
}

/** Extras whose keys the record does not have already (those would be repeats; see the last property). */
function fresh(
  entries: Array<[string, unknown]>,
  add: Array<[string, unknown]>,
  reserved: string[],
): Array<[string, unknown]> {
  const taken = new Set([...entries.map(([k]) => k), ...reserved]);
  return add.filter(([k]) => !taken.has(k) && (taken.add(k), true));
}

/** The record a shape describes: the sample's content, members moved, added and left out. */
function build(shape: RecordShape): { top: Members; mail: Members; detail: Members; detailKey: string } {
  const sample = structuredClone(SAMPLES[shape.sample]) as Record<string, any>;
  const discriminator = sample.eventType !== undefined ? 'eventType' : 'notificationType';
  const detailKey = Object.keys(sample).find((k) => k !== discriminator && k !== 'mail') as string;
  const { tags: _t, sourceIp: _s, callerIdentity: _c, ...mailRest } = sample.mail;
  const mailEntries: Array<[string, unknown]> = Object.entries(mailRest);
  for (const [key, value] of [
    ['tags', shape.tags],
    ['sourceIp', shape.sourceIp],
    ['callerIdentity', shape.callerIdentity],
  ] as const) {
    if (value !== ABSENT) mailEntries.push([key, value]);
  }
  mailEntries.push(...fresh(mailEntries, shape.mailExtras, ['tags', 'sourceIp', 'callerIdentity']));
  const mail = new Members(shuffled(mailEntries, shape.mailOrder));
  const detailEntries: Array<[string, unknown]> = Object.entries(sample[detailKey]);
  const detail = new Members([...detailEntries, ...fresh(detailEntries, shape.detailExtras, [])]);
  const topEntries: Array<[string, unknown]> = [
    [discriminator, sample[discriminator]],
    ['mail', mail],
    [detailKey, detail],
  ];
  topEntries.push(...fresh(topEntries, shape.topExtras, ['eventType', 'notificationType']));
  return { top: new Members(shuffled(topEntries, shape.topOrder)), mail, detail, detailKey };
}

function read(text: string): { event: FeedbackEvent; record: SesRecord } {
  const [outcome] = readFeedback(JSON.parse(text), text);
  if (outcome?.kind !== 'event') throw new Error(`expected an event, got ${JSON.stringify(outcome)}`);
  return outcome;
}

function renderedBody(event: FeedbackEvent, record: SesRecord, format: 'notification' | 'event'): string {
  const rendered = render(event, record, TOPIC, format);
  if (rendered.kind !== 'message') throw new Error(`expected a message, got ${rendered.kind}`);
  return rendered.body;
}

describe('conversions spliced from random SES records', () => {
  it('read exactly as the re-serialized ones, and are what render publishes', () => {
    fc.assert(
      fc.property(recordShape, (shape) => {
        const text = writeJson(build(shape).top, shape.layout);
        const { event, record } = read(text);
        for (const { format, spliced, reserialized } of conversionsOf(event, record)) {
          expect(spliced).not.toBeNull();
          expect(asParsed(spliced as string)).toBe(asParsed(reserialized));
          if (event.format !== format) expect(renderedBody(event, record, format)).toBe(spliced);
        }
      }),
      { numRuns: 1500, seed: 20260101 },
    );
  });

  it('give way to re-serializing when a key the splice needs is repeated, and never change what a message says', () => {
    const repeat = fc.record({
      shape: recordShape.map((s) => ({ ...s, layout: { ...s.layout, indent: null } })),
      key: fc.constantFrom('mail', 'detail', 'tags', 'sourceIp', 'callerIdentity'),
      at: fc.nat(),
    });
    fc.assert(
      fc.property(repeat, ({ shape, key, at }) => {
        const { top, mail, detail, detailKey } = build(shape);
        // A second member of that name, valid wherever it lands (JSON.parse keeps the last value).
        const [target, name, value]: [Members, string, unknown] =
          key === 'mail'
            ? [top, 'mail', new Members([...mail.entries, ['repeated', true]])]
            : key === 'detail'
              ? [top, detailKey, new Members([...detail.entries, ['repeated', true]])]
              : key === 'tags'
                ? [mail, 'tags', { repeated: ['yes'] }]
                : [mail, key, 'repeated'];
        // Mail may lack the member (the shape left it out): then the one added is no repeat.
        const repeated = target.entries.some(([k]) => k === name);
        target.entries.splice(at % (target.entries.length + 1), 0, [name, value]);
        const { event, record } = read(writeJson(top, shape.layout));
        for (const { format, spliced, reserialized } of conversionsOf(event, record)) {
          // The notification splice edits only mail.tags: a repeated sourceIp or callerIdentity passes through as is.
          const needed = repeated && !(format === 'notification' && (key === 'sourceIp' || key === 'callerIdentity'));
          if (needed) expect(spliced).toBeNull();
          else expect(asParsed(spliced as string)).toBe(asParsed(reserialized));
          if (event.format !== format) expect(renderedBody(event, record, format)).toBe(spliced ?? reserialized);
        }
      }),
      { numRuns: 500, seed: 7 },
    );
  });
});
