/**
 * SNS over HTTPS end to end on 127.0.0.1: the fake SNS server (with test/support/fake-sns-http-delivery.ts signing
 * its HTTP posts with the test key) delivers to the sns-https Lambda handler served by a tiny HTTP server. The
 * handler confirms over the SNS API of the fake server, verifies each post, and hands notifications to the real
 * routing pipeline, which publishes to a delegate topic on the same fake server.
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import {
  CreateTopicCommand,
  PublishCommand,
  SNSClient,
  SubscribeCommand,
  UnsubscribeCommand,
} from '@aws-sdk/client-sns';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createSnsPublisher } from '#lib/publish/sns';
import { parseRoutesConfig } from '#lib/routing/config';
import { compileRoutes } from '#lib/routing/index';
import { type Runtime, setRuntime } from '#lib/runtime';
import { loadSnsHttpsConfig } from '#lib/sns-https/config';
import { confirmWithSns } from '#lib/sns-https/confirm';
import { RecentMessageIds } from '#lib/sns-https/handle';
import { pipelineOnNotification } from '#lib/sns-https/notify';
import type { HttpResponse } from '#lib/sns-https/request';
import { attachHttpDelivery, type HttpDelivery } from '#test/support/fake-sns-http-delivery';
import { type FakeSns, startFakeSns } from '#test/support/fake-sns-server';
import { REPO_ROOT } from '#test/support/fixtures';
import { testCertStore, testCertUrl } from '#test/support/sns-signing';
import { createSnsHttpsHandler } from '../../functions/sns-https';

const REGION = 'us-east-1';
const DELEGATE_ACCOUNT = '111122223333';
const SES_BOUNCE = (() => {
  const record = JSON.parse(readFileSync(path.join(REPO_ROOT, 'events/raw/legacy-bounce-with-dsn.json'), 'utf8'));
  record.mail.sendingAccountId = DELEGATE_ACCOUNT;
  return JSON.stringify(record);
})();

let fake: FakeSns;
let delivery: HttpDelivery;
let endpoint: http.Server;
let endpointUrl: string;
let intakeTopic: string;
let delegateTopic: string;
let client: SNSClient;
const logs: Array<{ level: string; message: string; extra: Record<string, unknown> }> = [];

function sdkClient(region: string): SNSClient {
  return new SNSClient({
    ...fake.clientConfig(region),
    maxAttempts: 1,
    requestHandler: { requestTimeout: 5_000, throwOnRequestTimeout: true },
  });
}

/** Serves a Lambda function URL handler over plain HTTP, building the payload v2 event as Lambda does. */
function serveHandler(handler: (event: unknown) => Promise<HttpResponse>): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(req.headers)) if (typeof value === 'string') headers[name] = value;
      const event = {
        version: '2.0',
        rawPath: req.url,
        headers,
        requestContext: { http: { method: req.method, path: req.url } },
        body: Buffer.concat(chunks).toString('utf8'),
        isBase64Encoded: false,
      };
      handler(event).then(
        (out) => res.writeHead(out.statusCode, out.headers).end(out.body),
        (err: unknown) => res.writeHead(502).end(String(err)),
      );
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

beforeAll(async () => {
  fake = await startFakeSns({ seed: 5 });
  // Only the bridge's PublishBatch calls get injected faults, never the test's own Publish to the intake topic.
  fake.faults.actions = new Set(['PublishBatch']);
  delivery = attachHttpDelivery(fake, { retryDelayMs: 10, timeoutMs: 10_000 });
  client = sdkClient(REGION);
  intakeTopic = (await client.send(new CreateTopicCommand({ Name: 'ses-feedback-intake' }))).TopicArn!;
  delegateTopic = fake.state.createTopic('acme-ses-feedback', { region: REGION, accountId: DELEGATE_ACCOUNT }).arn;

  // The routing pipeline of the other triggers, publishing to the fake server in the original (byte-faithful) format.
  const routes = parseRoutesConfig({
    routes: [
      {
        name: 'acme',
        when: { sendingAccountId: [DELEGATE_ACCOUNT] },
        to: { topicArn: delegateTopic, format: 'original' },
      },
    ],
    unmatched: { action: 'drop' },
  });
  const runtime = {
    config: { logRecipients: false },
    deps: {
      routes: compileRoutes(routes),
      publisher: createSnsPublisher({ clientFor: sdkClient, retry: { maxAttempts: 1 } }),
      parkingTopicArn: null,
    },
  } as unknown as Runtime;
  setRuntime(runtime);

  const log = (level: string) => (message: string, extra: Record<string, unknown>) =>
    logs.push({ level, message, extra });
  const handler = createSnsHttpsHandler(() => ({
    config: loadSnsHttpsConfig({ SNS_HTTPS_ALLOWED_TOPIC_ARNS: intakeTopic }),
    // The SigningCertURL is the real SNS host; the endpoint is given the test certificate for it, never fetches.
    certs: testCertStore([testCertUrl(REGION)]),
    confirm: confirmWithSns(sdkClient),
    onNotification: pipelineOnNotification,
    logger: { info: log('info'), warn: log('warn'), error: log('error') },
    recent: new RecentMessageIds(),
  }));
  endpoint = await serveHandler(handler);
  endpointUrl = `http://127.0.0.1:${(endpoint.address() as AddressInfo).port}/sns`;
});

afterAll(async () => {
  setRuntime(undefined);
  delivery?.detach();
  client?.destroy();
  endpoint?.closeAllConnections();
  await new Promise((resolve) => endpoint?.close(resolve));
  await fake?.close();
});

beforeEach(() => {
  fake.faults.clear();
});

describe('an HTTP subscription of the sns-https handler to the fake SNS server', () => {
  let subscriptionArn: string;

  it('receives the SubscriptionConfirmation and confirms it with ConfirmSubscription, never visiting SubscribeURL', async () => {
    await client.send(new SubscribeCommand({ TopicArn: intakeTopic, Protocol: 'http', Endpoint: endpointUrl }));
    await delivery.idle();

    const [attempt] = delivery.attempts;
    expect(delivery.attempts).toHaveLength(1);
    expect(attempt).toMatchObject({ type: 'SubscriptionConfirmation', status: 200 });
    expect(JSON.parse(attempt!.response)).toEqual({
      code: 'confirmed',
      reason: `subscription to ${intakeTopic} confirmed with AuthenticateOnUnsubscribe=true`,
    });
    const [sub] = fake.state.topic(intakeTopic)!.subscriptions.values();
    expect(sub).toMatchObject({ confirmed: true, attributes: { ConfirmationWasAuthenticated: 'true' } });
    subscriptionArn = sub!.arn;
    // A GET of SubscribeURL would show up here with no Action read from a form body.
    expect(fake.state.requests.map((r) => r.action)).toEqual(['CreateTopic', 'Subscribe', 'ConfirmSubscription']);
  });

  it('receives a signed Notification and publishes the SES record to the delegate topic, byte for byte', async () => {
    const before = delivery.attempts.length;
    await client.send(
      new PublishCommand({
        TopicArn: intakeTopic,
        Message: SES_BOUNCE,
        Subject: 'Amazon SES Email Event Notification',
      }),
    );
    await delivery.idle();

    const attempts = delivery.attempts.slice(before);
    expect(attempts.map((a) => [a.type, a.status, JSON.parse(a.response).code])).toEqual([
      ['Notification', 200, 'delivered'],
    ]);
    expect(fake.state.messagesFor(delegateTopic).map((m) => m.body)).toEqual([SES_BOUNCE]);
  });

  it('answers 500 when publishing fails, and SNS delivers the retry', async () => {
    fake.faults.once('internal-error');
    const published = fake.state.messagesFor(delegateTopic).length;
    const before = delivery.attempts.length;
    await client.send(new PublishCommand({ TopicArn: intakeTopic, Message: SES_BOUNCE }));
    await delivery.idle();

    const attempts = delivery.attempts.slice(before);
    expect(attempts.map((a) => [a.attempt, a.status, JSON.parse(a.response).code])).toEqual([
      [1, 500, 'retry'],
      [2, 200, 'delivered'],
    ]);
    expect(fake.state.messagesFor(delegateTopic)).toHaveLength(published + 1);
  });

  it('refuses raw-delivery posts, which carry no signature, with a final 403', async () => {
    // The fake server has no SetSubscriptionAttributes: the attribute is set where SNS would store it.
    fake.state.topic(intakeTopic)!.subscriptions.get(subscriptionArn)!.attributes.RawMessageDelivery = 'true';
    const before = delivery.attempts.length;
    await client.send(new PublishCommand({ TopicArn: intakeTopic, Message: SES_BOUNCE }));
    await delivery.idle();
    fake.state.topic(intakeTopic)!.subscriptions.get(subscriptionArn)!.attributes.RawMessageDelivery = 'false';

    expect(delivery.attempts.slice(before).map((a) => [a.raw, a.status, JSON.parse(a.response).code])).toEqual([
      [true, 403, 'raw_delivery_disabled'],
    ]);
  });

  it('logs the UnsubscribeConfirmation and does not re-subscribe', async () => {
    const before = delivery.attempts.length;
    await client.send(new UnsubscribeCommand({ SubscriptionArn: subscriptionArn }));
    await delivery.idle();

    expect(delivery.attempts.slice(before).map((a) => [a.type, a.status, JSON.parse(a.response).code])).toEqual([
      ['UnsubscribeConfirmation', 200, 'ignored'],
    ]);
    expect(fake.state.topic(intakeTopic)!.subscriptions.size).toBe(0);
    expect(fake.state.requests.filter((r) => r.action === 'ConfirmSubscription')).toHaveLength(1);
  });

  it('never logged a recipient address', () => {
    expect(JSON.stringify(logs)).not.toContain('@example.com');
  });
});
