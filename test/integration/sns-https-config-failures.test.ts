/**
 * The intake's configuration failures fail the Lambda invocation (so the Errors metric and its alarm see them)
 * instead of answering a 500 that Lambda counts as a success; and the Lambda context reaches the runtime, so a bare
 * PARKING_TOPIC name is completed with the function's own Region and account. Real runtime from the environment,
 * publishing to the SNS test server.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Context } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { resetClients } from '#lib/aws-clients';
import { setRuntime } from '#lib/runtime';
import { loadSnsHttpsConfig } from '#lib/sns-https/config';
import { RecentMessageIds } from '#lib/sns-https/handle';
import { pipelineOnNotification } from '#lib/sns-https/notify';
import { type FakeSns, startFakeSns } from '#test/support/fake-sns-server';
import { notificationBody, signedEvent, TEST_TOPIC_ARN, testCertStore } from '#test/support/sns-signing';
import { createSnsHttpsHandler } from '../../functions/sns-https';

const FUNCTION_ACCOUNT = '777788889999';
const CONTEXT = {
  invokedFunctionArn: `arn:aws:lambda:us-east-1:${FUNCTION_ACCOUNT}:function:sns-https`,
} as Context;
const PARKING_NAME = 'bridge-parking';
const PARKING_ARN = `arn:aws:sns:us-east-1:${FUNCTION_ACCOUNT}:${PARKING_NAME}`;

let fake: FakeSns;
let dir: string;
let routesFile: string;

beforeAll(async () => {
  fake = await startFakeSns({ seed: 3 });
  fake.state.createTopic(PARKING_NAME, { region: 'us-east-1', accountId: FUNCTION_ACCOUNT });
  dir = mkdtempSync(path.join(tmpdir(), 'sns-https-config-'));
  routesFile = path.join(dir, 'routes.json');
  writeFileSync(routesFile, JSON.stringify({ routes: [], unmatched: { action: 'fail' } }));
});
afterAll(async () => {
  await fake.close();
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => {
  fake.state.clearRecords();
  setRuntime(undefined);
  resetClients();
  vi.stubEnv('ROUTES_FILE', routesFile);
  vi.stubEnv('BRIDGE_PUBLISH', 'sns');
  vi.stubEnv('AWS_ENDPOINT_URL_SNS', fake.endpoint);
  vi.stubEnv('PARKING_TOPIC', PARKING_NAME);
});
afterEach(() => {
  vi.unstubAllEnvs();
  setRuntime(undefined);
  resetClients();
});

function intake() {
  const quiet = () => undefined;
  return createSnsHttpsHandler(() => ({
    config: loadSnsHttpsConfig({ SNS_HTTPS_ALLOWED_TOPIC_ARNS: TEST_TOPIC_ARN }),
    certs: testCertStore(),
    confirm: async () => ({ subscriptionArn: null }),
    onNotification: pipelineOnNotification,
    logger: { info: quiet, warn: quiet, error: quiet },
    recent: new RecentMessageIds(),
  }));
}

/** A signed notification whose record no route matches: with unmatched "fail" it is parked. */
const unmatched = () => signedEvent(notificationBody({ message: '{"notificationType":"Bounce"}' })).event;

describe('the SNS HTTPS intake when the bridge cannot be configured', () => {
  it('completes a bare PARKING_TOPIC name with the Region and account of the function the context names', async () => {
    const res = await intake()(unmatched(), CONTEXT);
    expect(res.statusCode).toBe(200);
    expect(fake.state.messagesFor(PARKING_ARN).map((m) => JSON.parse(m.body).code)).toEqual(['invalid_record']);
  });

  it('accepts a full topic ARN in PARKING_TOPIC, with or without a context', async () => {
    vi.stubEnv('PARKING_TOPIC', PARKING_ARN);
    const res = await intake()(unmatched());
    expect(res.statusCode).toBe(200);
    expect(fake.state.messagesFor(PARKING_ARN)).toHaveLength(1);
  });

  it('fails the invocation when a bare PARKING_TOPIC cannot be completed, then works once the context is given', async () => {
    const handler = intake();
    await expect(handler(unmatched())).rejects.toThrow(
      "PARKING_TOPIC: is a topic name, and the function's ARN is unknown: give the topic ARN",
    );
    expect(fake.state.published).toEqual([]);
    expect((await handler(unmatched(), CONTEXT)).statusCode).toBe(200);
  });

  it('fails the invocation, answering nothing, when the routes file is invalid', async () => {
    writeFileSync(path.join(dir, 'bad-routes.json'), '{"routes": [{"name": "x"}]}');
    vi.stubEnv('ROUTES_FILE', path.join(dir, 'bad-routes.json'));
    await expect(intake()(unmatched(), CONTEXT)).rejects.toThrow(/^.*bad-routes\.json.*routes\[0\]/);
    expect(fake.state.published).toEqual([]);
  });

  it('still answers 4xx to a forged post without reading the configuration at all', async () => {
    vi.stubEnv('ROUTES_FILE', path.join(dir, 'missing.json'));
    const { event } = signedEvent(notificationBody({ message: '{}', topicArn: `${TEST_TOPIC_ARN}-other` }));
    const res = await intake()(event, CONTEXT);
    expect(res.statusCode).toBe(403);
  });
});
