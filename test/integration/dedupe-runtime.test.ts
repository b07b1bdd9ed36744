/**
 * The handlers' runtime with the de-duplication settings (lib/runtime.ts): the publisher is wrapped only when
 * DEDUPE_TABLE is set and a route asks for it, and then talks to the table at AWS_ENDPOINT_URL_DYNAMODB (a real
 * DynamoDB implementation on 127.0.0.1) while publishing to the SNS test server.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { configureClients, resetClientSettings } from '#lib/aws-clients';
import { processDocument } from '#lib/pipeline';
import { createRuntime } from '#lib/runtime';
import { theSameBounceTwice } from '#test/support/dedupe-samples';
import { type Recorder, startRecorder } from '#test/support/deployed-invoke';
import { createDedupeTable, type LocalDynamo, startLocalDynamo } from '#test/support/dynamodb-local';
import { type FakeSns, startFakeSns } from '#test/support/fake-sns-server';

const TABLE = 'bridge-dedupe';
const LEGACY = 'arn:aws:sns:us-east-1:123456789012:legacy-feedback';
const PARKING = 'arn:aws:sns:us-east-1:123456789012:bridge-parking';

let dynamo: LocalDynamo;
let sns: FakeSns;
/** Every DynamoDB call goes through it, named by its action. */
let recorder: Recorder;
beforeAll(async () => {
  dynamo = await startLocalDynamo();
  sns = await startFakeSns();
  recorder = startRecorder();
  const dynamodb = await recorder.proxy('dynamodb', dynamo.endpoint);
  configureClients({ endpoints: { sns: sns.endpoint, dynamodb }, maxAttempts: 1 });
});
afterAll(async () => {
  resetClientSettings();
  await recorder.close();
  await sns.close();
  await dynamo.close();
});
beforeEach(() => {
  recorder.calls.length = 0;
  sns.state.clearRecords();
  for (const arn of [LEGACY, PARKING]) {
    const [, , , region, accountId, name] = arn.split(':') as [string, string, string, string, string, string];
    sns.state.createTopic(name, { region, accountId });
  }
});

const env = (extra: Record<string, string>) => ({
  PARKING_TOPIC: PARKING,
  BRIDGE_PUBLISH: 'sns',
  AWS_REGION: 'us-east-1',
  ...extra,
});

describe('the runtime with DEDUPE_TABLE', () => {
  it('suppresses the copy of a bounce for routes with "dedupe": true', async () => {
    const table = `${TABLE}-on`;
    await createDedupeTable(dynamo.client, table);
    const { deps } = createRuntime(env({ ROUTES_FILE: 'test/fixtures/routes/dedupe.json', DEDUPE_TABLE: table }));
    const { sqs, eventBridge } = theSameBounceTwice(LEGACY);
    expect((await processDocument(sqs, null, deps)).counts).toMatchObject({ delivered: 1, suppressed: 0 });
    expect((await processDocument(eventBridge, null, deps)).counts).toMatchObject({ delivered: 0, suppressed: 1 });
    expect(sns.state.messagesFor(LEGACY)).toHaveLength(1);
    expect(recorder.calls.map((c) => c.action)).toEqual(['dynamodb:PutItem', 'dynamodb:PutItem', 'dynamodb:PutItem']);
  });

  it('leaves the publisher alone when no route asks: both copies published, the table never called', async () => {
    const { deps } = createRuntime(env({ ROUTES_FILE: 'config/routes.example.json', DEDUPE_TABLE: TABLE }));
    const { sqs, eventBridge } = theSameBounceTwice(LEGACY);
    await processDocument(sqs, null, deps);
    await processDocument(eventBridge, null, deps);
    expect(sns.state.messagesFor(LEGACY)).toHaveLength(2);
    expect(recorder.calls).toEqual([]);
  });

  it('publishes anyway when the table is missing, under the default DEDUPE_ON_UNAVAILABLE', async () => {
    const { deps } = createRuntime(
      env({ ROUTES_FILE: 'test/fixtures/routes/dedupe.json', DEDUPE_TABLE: 'missing-table' }),
    );
    const { sqs, eventBridge } = theSameBounceTwice(LEGACY);
    await processDocument(sqs, null, deps);
    await processDocument(eventBridge, null, deps);
    expect(sns.state.messagesFor(LEGACY)).toHaveLength(2);
    // Each copy was claimed (and refused by the missing table) before it was published.
    expect(recorder.calls.map((c) => c.resources[0])).toEqual([
      'arn:aws:dynamodb:us-east-1:123456789012:table/missing-table',
      'arn:aws:dynamodb:us-east-1:123456789012:table/missing-table',
    ]);
  });

  it('leaves the record to retry under DEDUPE_ON_UNAVAILABLE=retry', async () => {
    const { deps } = createRuntime(
      env({
        ROUTES_FILE: 'test/fixtures/routes/dedupe.json',
        DEDUPE_TABLE: 'missing-table',
        DEDUPE_ON_UNAVAILABLE: 'retry',
      }),
    );
    const report = await processDocument(theSameBounceTwice(LEGACY).sqs, null, deps);
    expect([...report.items.values()]).toEqual(['retry']);
    expect(sns.state.messagesFor(LEGACY)).toHaveLength(0);
  });
});
