/**
 * The bad-input corpus (test/fixtures/bad/, issue 6.5) through every handler against the SNS test server, and through
 * the real `ses-bridge` binary. Each bad record is wrapped the way each trigger delivers it (SQS body raw and in an
 * SNS envelope, Lambda SNS Message, EventBridge detail, Firehose data) between good records: no handler throws or
 * hangs, the bad record is parked once with its exact code, path and original text, and the good ones are delivered.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type HandlerName, type Manifest, withPrefix } from '#test/support/bad-inputs';
import { type BridgeHarness, startBridge } from '#test/support/bridge-harness';
import { firehoseEvent, lambdaSnsEvent, lambdaSqsEvent, sqsBodyFromSns } from '#test/support/envelopes';
import { jsonLines, REPO_ROOT } from '#test/support/fixtures';
import { loadRawSamples } from '#test/support/sample-events';
import { handler as eventBridgeHandler } from '../../functions/route-eventbridge';
import { handler as firehoseHandler } from '../../functions/route-firehose';
import { handler as snsHandler } from '../../functions/route-sns';
import { handler as sqsHandler } from '../../functions/route-sqs';

const BAD_DIR = path.join(REPO_ROOT, 'test/fixtures/bad');
const manifest = JSON.parse(readFileSync(path.join(BAD_DIR, 'manifest.json'), 'utf8')) as Manifest;
const read = (file: string) => readFileSync(path.join(BAD_DIR, file), 'utf8');

const ACCOUNT = '888888888888';
const ORIGINAL = `arn:aws:sns:us-east-1:${ACCOUNT}:corpus-original`;
const NORMALIZED = `arn:aws:sns:us-east-1:${ACCOUNT}:corpus-normalized`;
const PARKING = `arn:aws:sns:us-east-1:${ACCOUNT}:corpus-parking`;
const GOOD = JSON.stringify(loadRawSamples().get('legacy-bounce-with-dsn'));

const HANDLERS: Record<HandlerName, (event: never, context: Context) => Promise<unknown>> = {
  'route-sqs': sqsHandler as never,
  'route-sns': snsHandler as never,
  'route-eventbridge': eventBridgeHandler as never,
  'route-firehose': firehoseHandler as never,
};

let bridge: BridgeHarness;
beforeAll(async () => {
  bridge = await startBridge({
    routes: {
      routes: [
        { name: 'all-original', to: { topicArn: ORIGINAL, format: 'original' } },
        { name: 'all-normalized', to: { topicArn: NORMALIZED, format: 'normalized' } },
      ],
    },
    topics: [ORIGINAL, NORMALIZED],
    parkingTopicArn: PARKING,
    seed: 51,
  });
});
afterAll(() => bridge.close());
beforeEach(() => bridge.fake.state.clearRecords());

/** An EventBridge event around any value; built by hand, since the value may be too deep for JSON.stringify. */
function eventBridge(detail: unknown) {
  return {
    version: '0',
    id: 'corpus',
    'detail-type': 'Email Bounced',
    source: 'aws.ses',
    account: ACCOUNT,
    time: '2026-01-01T00:00:00Z',
    region: 'us-east-1',
    resources: [],
    detail,
  };
}

interface Wrapping {
  name: string;
  handler: HandlerName;
  /** Where the bad record sits in the event. */
  prefix: string;
  /** Events to invoke with, in order: the bad record between good ones. */
  events: unknown[];
  /** The parked text: the record's own text, or what EventBridge gave (parsed: written back when it can be). */
  text: string | null;
}

function parseOrUndefined(text: string): { value: unknown } | undefined {
  try {
    return { value: JSON.parse(text) };
  } catch {
    return undefined;
  }
}

function stringifyOrNull(value: unknown): string | null {
  try {
    return JSON.stringify(value) ?? null;
  } catch {
    return null;
  }
}

/** The ways the triggers carry one SES record text, each between two good records. */
function wrappings(text: string): Wrapping[] {
  const out: Wrapping[] = [
    {
      name: 'SQS raw delivery',
      handler: 'route-sqs',
      prefix: 'Records[1].body',
      events: [lambdaSqsEvent([GOOD, text, GOOD])],
      text,
    },
    {
      name: 'SQS via SNS',
      handler: 'route-sqs',
      prefix: 'Records[1].body.Message',
      events: [lambdaSqsEvent([GOOD, text, GOOD].map((t) => sqsBodyFromSns(t)))],
      text,
    },
    {
      name: 'SNS',
      handler: 'route-sns',
      prefix: 'Records[1].Sns.Message',
      events: [lambdaSnsEvent([GOOD, text, GOOD])],
      text,
    },
    {
      name: 'Firehose',
      handler: 'route-firehose',
      prefix: 'records[1].data',
      events: [firehoseEvent([GOOD, text, GOOD])],
      text,
    },
  ];
  // EventBridge delivers parsed JSON only: text that is not JSON never arrives that way.
  const parsed = parseOrUndefined(text);
  if (parsed !== undefined) {
    const good = JSON.parse(GOOD) as unknown;
    out.push({
      name: 'EventBridge',
      handler: 'route-eventbridge',
      prefix: 'detail',
      events: [eventBridge(good), eventBridge(parsed.value), eventBridge(good)],
      text: stringifyOrNull(parsed.value),
    });
  }
  return out;
}

/** Invokes the handler with each event; SQS must not ask for a retry, the others must not throw. */
async function invoke(handler: HandlerName, events: unknown[]) {
  for (const event of events) {
    const result = await HANDLERS[handler](event as never, bridge.context);
    if (handler === 'route-sqs') expect(result).toEqual({ batchItemFailures: [] });
  }
}

/** Parked records grouped by parkId (a record too large for one message is parked in parts). */
function parkedRecords() {
  const groups = new Map<string, Array<{ code: string; path: string; text: string | null; part?: number }>>();
  for (const m of bridge.fake.state.messagesFor(PARKING)) {
    const body = JSON.parse(m.body);
    groups.set(body.parkId, [...(groups.get(body.parkId) ?? []), body]);
  }
  return [...groups.values()].map((parts) => ({
    code: parts[0]!.code,
    path: parts[0]!.path,
    // Parts may arrive in any order (their requests run concurrently): joined in part order, as a reader must.
    text:
      parts[0]!.text === null
        ? null
        : [...parts]
            .sort((a, b) => (a.part ?? 0) - (b.part ?? 0))
            .map((p) => p.text)
            .join(''),
  }));
}

const originals = () => bridge.fake.state.messagesFor(ORIGINAL).map((m) => m.body);

describe('every handler on each bad record of the corpus', () => {
  for (const c of manifest.records) {
    it(`parks ${c.file} once as ${c.code} at its path through every trigger, and delivers the good records beside it`, async () => {
      const text = read(c.file);
      for (const w of wrappings(text)) {
        bridge.fake.state.clearRecords();
        await invoke(w.handler, w.events);
        expect(parkedRecords(), w.name).toEqual([{ code: c.code, path: withPrefix(w.prefix, c.path), text: w.text }]);
        expect(originals(), w.name).toEqual([GOOD, GOOD]);
      }
    });
  }
});

describe('each handler on each bad trigger event of the corpus', () => {
  for (const c of manifest.envelopes) {
    it(`parks the bad item of ${c.file} once as ${c.code} at "${c.path}" through ${c.handler}, and delivers the ${c.good} good records`, async () => {
      await invoke(c.handler, [JSON.parse(read(c.file))]);
      expect(parkedRecords().map((p) => [p.code, p.path])).toEqual([[c.code, c.path]]);
      expect(originals()).toHaveLength(c.good);
    });
  }
});

describe('every handler on each odd but valid record of the corpus', () => {
  for (const c of manifest.odd) {
    const what = c.skipped
      ? 'skips it, neither delivered nor parked'
      : `delivers it as a ${c.type} event, byte for byte in the original format`;
    it(`${what}, through every trigger: ${c.file}`, async () => {
      const text = read(c.file);
      for (const w of wrappings(text)) {
        bridge.fake.state.clearRecords();
        await invoke(w.handler, w.events);
        expect(parkedRecords(), w.name).toEqual([]);
        if (c.skipped) {
          expect(originals(), w.name).toEqual([GOOD, GOOD]);
          continue;
        }
        expect(originals(), w.name).toEqual([GOOD, w.text, GOOD]);
        expect(bridge.fake.state.messagesFor(NORMALIZED).map((m) => JSON.parse(m.body).type)[1], w.name).toBe(c.type);
      }
    });
  }
});

describe('the ses-bridge binary on the whole corpus', () => {
  it('reports every bad input with its code and path on stderr and prints every good and odd record, as a subprocess', async () => {
    const cases = [...manifest.records, ...manifest.envelopes, ...manifest.odd];
    const files = cases.map((c) => `test/fixtures/bad/${c.file}`);
    const run = await promisify(execFile)(process.execPath, ['bin/ses-bridge.cjs', 'normalize', ...files], {
      cwd: REPO_ROOT,
      maxBuffer: 64 * 1024 * 1024,
      timeout: 60_000,
    }).then(
      (r) => ({ ...r, code: 0 }),
      (err: { code: number; stdout: string; stderr: string }) => err,
    );
    expect(run.code).toBe(1);
    const reported = new Map<string, Array<[string, string]>>();
    for (const line of jsonLines(run.stderr))
      reported.set(line.file, [...(reported.get(line.file) ?? []), [line.code, line.path]]);
    for (const c of manifest.records)
      expect(reported.get(`test/fixtures/bad/${c.file}`), c.file).toEqual([
        [c.cli?.code ?? c.code, c.cli?.path ?? c.path],
      ]);
    for (const c of manifest.envelopes)
      expect(reported.get(`test/fixtures/bad/${c.file}`), c.file).toEqual([[c.code, c.path]]);
    for (const c of manifest.odd)
      expect(reported.get(`test/fixtures/bad/${c.file}`), c.file).toEqual(c.skipped ? [['skipped', '']] : undefined);
    const printed = manifest.envelopes.reduce((n, e) => n + e.good, 0) + manifest.odd.filter((o) => !o.skipped).length;
    expect(jsonLines(run.stdout)).toHaveLength(printed);
  }, 90_000);
});
