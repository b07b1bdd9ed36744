/**
 * Per-message poison isolation (issue 14), as a property: any mix of good records and records carrying an
 * ill-formed string or number (the bad-input corpus, and lone surrogates, which no AWS request can carry), through
 * every handler, ends with each good record delivered exactly once, each bad one parked exactly once with its code
 * and path, and nothing retried: no SQS item failure, no thrown handler, no failed request on the SNS test server.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Context } from 'aws-lambda';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Manifest, withPrefix } from '#test/support/bad-inputs';
import { type BridgeHarness, startBridge } from '#test/support/bridge-harness';
import { firehoseEvent, lambdaSnsEvent, lambdaSqsEvent, sqsBodyFromSns } from '#test/support/envelopes';
import { REPO_ROOT } from '#test/support/fixtures';
import { loadRawSamples } from '#test/support/sample-events';
import { handler as firehoseHandler } from '../../functions/route-firehose';
import { handler as snsHandler } from '../../functions/route-sns';
import { handler as sqsHandler } from '../../functions/route-sqs';

const BAD_DIR = path.join(REPO_ROOT, 'test/fixtures/bad');
const manifest = JSON.parse(readFileSync(path.join(BAD_DIR, 'manifest.json'), 'utf8')) as Manifest;
// The corpus's small cases: the megabyte-sized ones are covered one by one in poison-bad-input.test.ts.
const CORPUS = manifest.records
  .map((c) => ({ ...c, text: readFileSync(path.join(BAD_DIR, c.file), 'utf8') }))
  .filter((c) => c.text.length < 20_000);

const ACCOUNT = '888888888888';
const ORIGINAL = `arn:aws:sns:us-east-1:${ACCOUNT}:property-original`;
const PARKING = `arn:aws:sns:us-east-1:${ACCOUNT}:property-parking`;
const SAMPLES = [...loadRawSamples().entries()];

type Item =
  | { kind: 'good'; text: string }
  /** `path` is relative to the record; `surrogate`: only transports that can carry one (SNS-wrapped) get it. */
  | { kind: 'bad'; text: string; code: string; path: string; surrogate: boolean };

let serial = 0;
const good = fc.constantFrom(...SAMPLES).map(([, json]): Item => {
  const copy = structuredClone(json);
  copy.mail.messageId = `property-good-${serial++}`;
  return { kind: 'good', text: JSON.stringify(copy) };
});

const corpusBad = fc
  .constantFrom(...CORPUS)
  .map((c): Item => ({ kind: 'bad', text: c.text, code: c.code, path: c.path, surrogate: false }));

const LONE = ['\ud800', '\udbff', '\udc00', '\udfff', '\ude00\ud83d', '\ud83d'];
const PLACES: Array<{ path: string; put: (r: Record<string, any>, v: string) => void }> = [
  { path: 'mail.headers[0].value', put: (r, v) => (r.mail.headers[0].value = `Sender ${v} Name`) },
  { path: 'mail.commonHeaders.subject', put: (r, v) => (r.mail.commonHeaders.subject = v) },
  {
    path: 'bounce.bouncedRecipients[0].diagnosticCode',
    put: (r, v) => (r.bounce.bouncedRecipients[0].diagnosticCode = `smtp; 550 ${v}`),
  },
  { path: 'mail.tags.campaign[0]', put: (r, v) => (r.mail.tags.campaign = [`${v}end`]) },
];
const PLACEHOLDER = 'LONE-SURROGATE-HERE';
const loneBad = fc.tuple(fc.constantFrom(...LONE), fc.constantFrom(...PLACES)).map(([unit, place]): Item => {
  const json = structuredClone(loadRawSamples().get('event-bounce')!);
  json.mail.messageId = `property-lone-${serial++}`;
  place.put(json, PLACEHOLDER);
  // JSON.stringify would escape the unit; the record text must hold it as SNS hands it over (its Message unescaped).
  const text = JSON.stringify(json).replace(PLACEHOLDER, unit);
  return { kind: 'bad', text, code: 'invalid_record', path: place.path, surrogate: true };
});

interface Transport {
  name: string;
  surrogates: boolean;
  prefix: (i: number) => string;
  invoke: (texts: string[], context: Context) => Promise<unknown>;
}

const TRANSPORTS: Transport[] = [
  {
    name: 'SQS via SNS',
    surrogates: true,
    prefix: (i) => `Records[${i}].body.Message`,
    invoke: (texts, context) => sqsHandler(lambdaSqsEvent(texts.map((t) => sqsBodyFromSns(t))) as never, context),
  },
  {
    name: 'SNS',
    surrogates: true,
    prefix: (i) => `Records[${i}].Sns.Message`,
    invoke: (texts, context) => snsHandler(lambdaSnsEvent(texts) as never, context),
  },
  {
    name: 'SQS raw delivery',
    surrogates: false,
    prefix: (i) => `Records[${i}].body`,
    invoke: (texts, context) => sqsHandler(lambdaSqsEvent(texts) as never, context),
  },
  {
    name: 'Firehose',
    surrogates: false,
    prefix: (i) => `records[${i}].data`,
    invoke: (texts, context) => firehoseHandler(firehoseEvent(texts) as never, context),
  },
];

let bridge: BridgeHarness;
beforeAll(async () => {
  bridge = await startBridge({
    routes: { routes: [{ name: 'all', to: { topicArn: ORIGINAL, format: 'original' } }] },
    topics: [ORIGINAL],
    parkingTopicArn: PARKING,
  });
});
afterAll(() => bridge.close());

describe('good and ill-formed records mixed, through every handler', () => {
  for (const transport of TRANSPORTS) {
    it(`delivers each good record once and parks each bad one once, retrying nothing: ${transport.name}`, async () => {
      const item = transport.surrogates ? fc.oneof(good, corpusBad, loneBad) : fc.oneof(good, corpusBad);
      await fc.assert(
        fc.asyncProperty(fc.array(item, { minLength: 1, maxLength: 12 }), async (items) => {
          const state = bridge.fake.state;
          state.clearRecords();
          const result = await transport.invoke(
            items.map((i) => i.text),
            bridge.context,
          );
          if (transport.name.startsWith('SQS')) expect(result).toEqual({ batchItemFailures: [] });

          const delivered = state.messagesFor(ORIGINAL).map((m) => m.body);
          expect(delivered.sort()).toEqual(
            items
              .filter((i) => i.kind === 'good')
              .map((i) => i.text)
              .sort(),
          );
          const parked = state.messagesFor(PARKING).map((m) => JSON.parse(m.body) as { code: string; path: string });
          expect(parked.map((p) => [p.code, p.path])).toEqual(
            items.flatMap((i, n) => (i.kind === 'bad' ? [[i.code, withPrefix(transport.prefix(n), i.path)]] : [])),
          );
          expect(state.requests.filter((r) => r.status !== 200)).toEqual([]);
          // Each message sent once: as many accepted entries as requests carried.
          expect(state.published).toHaveLength(delivered.length + parked.length);
        }),
        { numRuns: 25, seed: 14 },
      );
    });
  }
});
