/**
 * Every handler routes every sample event, in every format, through the real SDK to the SNS-compatible test server
 * on 127.0.0.1 (AWS_ENDPOINT_URL_SNS), the way a local run reaches it.
 */
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { configureClients, resetClientSettings, resetClients } from '#lib/aws-clients';
import { readFeedback } from '#lib/intake';
import { createRuntime, setRuntime } from '#lib/runtime';
import type { Outcome } from '#lib/ses/types';
import { type FakeSns, startFakeSns } from '#test/support/fake-sns-server';
import { loadEvent, REPO_ROOT } from '#test/support/fixtures';
import { handler as eventBridgeHandler } from '../../functions/route-eventbridge';
import { handler as snsHandler } from '../../functions/route-sns';
import { handler as sqsHandler } from '../../functions/route-sqs';

const FORMATS = ['original', 'notification', 'event', 'normalized'] as const;
const ACCOUNT = '999999999999';
const topicOf = (format: string) => `arn:aws:sns:us-east-1:${ACCOUNT}:feedback-${format}`;
const PARKING = `arn:aws:sns:us-east-1:${ACCOUNT}:bridge-parking`;
const context = { invokedFunctionArn: `arn:aws:lambda:us-east-1:${ACCOUNT}:function:bridge` } as Context;
const LEGACY_TYPES = new Set(['bounce', 'complaint', 'delivery']);

let fake: FakeSns;
const savedEndpoint = process.env.AWS_ENDPOINT_URL_SNS;

beforeAll(async () => {
  fake = await startFakeSns({ seed: 3 });
  for (const format of FORMATS)
    fake.state.createTopic(`feedback-${format}`, { accountId: ACCOUNT, region: 'us-east-1' });
  fake.state.createTopic('bridge-parking', { accountId: ACCOUNT, region: 'us-east-1' });
  process.env.AWS_ENDPOINT_URL_SNS = fake.endpoint;
  configureClients({ requestTimeoutMs: 2_000, connectionTimeoutMs: 1_000 });
  resetClients();
  const dir = mkdtempSync(path.join(tmpdir(), 'bridge-routes-'));
  const routesFile = path.join(dir, 'routes.json');
  // One route per format, matching everything: each record goes to all four topics.
  writeFileSync(
    routesFile,
    JSON.stringify({
      routes: FORMATS.map((format) => ({ name: `all-${format}`, to: { topicArn: topicOf(format), format } })),
    }),
  );
  setRuntime(
    createRuntime(
      { ROUTES_FILE: routesFile, PARKING_TOPIC: PARKING, AWS_ENDPOINT_URL_SNS: fake.endpoint },
      context.invokedFunctionArn,
    ),
  );
});

afterAll(async () => {
  setRuntime(undefined);
  resetClientSettings();
  resetClients();
  if (savedEndpoint === undefined) delete process.env.AWS_ENDPOINT_URL_SNS;
  else process.env.AWS_ENDPOINT_URL_SNS = savedEndpoint;
  await fake.close();
});

beforeEach(() => fake.state.clearRecords());

/** Checks what reached each topic against the events' outcomes. */
function expectDelivered(outcomes: Outcome[]) {
  const events = outcomes.flatMap((o) => (o.kind === 'event' ? [o] : []));
  expect(events.length).toBeGreaterThan(0);
  const original = fake.state.messagesFor(topicOf('original'));
  expect(original.map((m) => m.body)).toEqual(events.map((e) => e.record.text ?? JSON.stringify(e.record.json)));

  const legacy = fake.state.messagesFor(topicOf('notification'));
  const legacyEvents = events.filter((e) => LEGACY_TYPES.has(e.event.type));
  expect(legacy).toHaveLength(legacyEvents.length);
  legacy.forEach((m, i) => {
    const body = JSON.parse(m.body);
    expect(body.notificationType).toBe(legacyEvents[i]!.event.sesEventType);
    expect(body.mail.messageId).toBe(legacyEvents[i]!.event.messageId);
    expect(body.mail.tags).toBeUndefined();
  });

  const published = fake.state.messagesFor(topicOf('event'));
  expect(published.map((m) => JSON.parse(m.body).eventType)).toEqual(events.map((e) => e.event.sesEventType));

  const normalized = fake.state.messagesFor(topicOf('normalized'));
  expect(normalized.map((m) => JSON.parse(m.body))).toEqual(events.map((e) => JSON.parse(JSON.stringify(e.event))));
  for (const m of normalized) expect(m.attributes.bridgeId?.StringValue).toMatch(/^[0-9a-f]{32}$/);
}

const files = (dir: string) =>
  readdirSync(path.join(REPO_ROOT, 'events', dir))
    .filter((f) => f.endsWith('.json'))
    .map((f) => `${dir}/${f}`);

describe('route-sqs against the SNS test server', () => {
  for (const file of files('sqs')) {
    it(`routes ${file} in every format`, async () => {
      const event = loadEvent(file);
      const result = await sqsHandler(event, context);
      expect(result).toEqual({ batchItemFailures: [] });
      expectDelivered(readFeedback(event));
    });
  }
});

describe('route-sns against the SNS test server', () => {
  for (const file of files('sns')) {
    it(`routes ${file} in every format`, async () => {
      const event = loadEvent(file);
      await snsHandler(event, context);
      expectDelivered(readFeedback(event));
    });
  }
});

describe('route-eventbridge against the SNS test server', () => {
  for (const file of files('eventbridge')) {
    it(`routes ${file} in every format`, async () => {
      const event = loadEvent(file);
      await eventBridgeHandler(event, context);
      expectDelivered(readFeedback(event));
    });
  }
});

describe('bad records beside good ones', () => {
  it('parks each bad record once on the parking topic, with its reason and original text', async () => {
    const event = loadEvent('sqs/with-bad-records.json');
    expect(await sqsHandler(event, context)).toEqual({ batchItemFailures: [] });
    const parked = fake.state.messagesFor(PARKING).map((m) => JSON.parse(m.body));
    expect(parked.map((p) => p.code)).toEqual(['invalid_json', 'not_ses', 'invalid_record', 'not_ses']);
    expect(parked.map((p) => p.text)).toEqual([
      event.Records[1].body,
      'Hello from SNS!',
      JSON.parse(event.Records[3].body).Message,
      event.Records[4].body,
    ]);
    expect(fake.state.messagesFor(topicOf('original'))).toHaveLength(2);
  });
});
