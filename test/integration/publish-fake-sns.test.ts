/**
 * The real AWS SDK over HTTP against the fake SNS server (test/support/fake-sns-server.ts), reached the way a local
 * run reaches it: AWS_ENDPOINT_URL_SNS, read by the SDK itself, and no AWS credentials in the environment.
 */
import {
  ConfirmSubscriptionCommand,
  CreateTopicCommand,
  DeleteTopicCommand,
  GetTopicAttributesCommand,
  ListSubscriptionsByTopicCommand,
  ListTopicsCommand,
  NotFoundException,
  PublishBatchCommand,
  PublishCommand,
  SubscribeCommand,
  UnsubscribeCommand,
} from '@aws-sdk/client-sns';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { clientConfig, configureClients, configuredEndpoint, resetClientSettings, snsClient } from '#lib/aws-clients';
import { publishAll } from '#lib/publish/index';
import { createSnsPublisher } from '#lib/publish/sns';
import type { OutboundMessage, PublishOutcome } from '#lib/publish/types';
import { type FakeSns, startFakeSns } from '#test/support/fake-sns-server';

const ENV_KEYS = ['AWS_ENDPOINT_URL_SNS', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_PROFILE'] as const;
const savedEnv = Object.fromEntries(ENV_KEYS.map((k) => [k, process.env[k]]));

const ERROR_STATUS = { NotFound: 404, AuthorizationError: 403, KMSAccessDenied: 400 } as const;

let fake: FakeSns;
const topics: string[] = [];
let crossAccountTopic: string;

beforeAll(async () => {
  fake = await startFakeSns({ seed: 20_260_101 });
  for (const k of ENV_KEYS) delete process.env[k];
  process.env.AWS_ENDPOINT_URL_SNS = fake.endpoint;
  // A request that has not answered within a second is stuck: the slow-response fault waits 2.5 s.
  configureClients({ requestTimeoutMs: 1_000, connectionTimeoutMs: 1_000 });
  fake.faults.set({ slowMs: 2_500 });
  // Nine topics created over the wire in two regions, and one owned by another account.
  for (let i = 0; i < 9; i++) {
    const region = i % 3 === 0 ? 'eu-west-1' : 'us-east-1';
    const out = await snsClient(region).send(new CreateTopicCommand({ Name: `delegate-${i}` }));
    topics.push(out.TopicArn!);
  }
  crossAccountTopic = fake.state.createTopic('esp-feedback', { region: 'us-west-2', accountId: '444455556666' }).arn;
  topics.push(crossAccountTopic);
});

afterAll(async () => {
  resetClientSettings();
  for (const k of ENV_KEYS) {
    if (savedEnv[k] === undefined) delete process.env[k];
    else process.env[k] = savedEnv[k];
  }
  await fake?.close();
});

beforeEach(() => {
  fake.faults.clear();
  fake.state.clearRecords();
});

function publisher() {
  return createSnsPublisher({
    concurrency: 8,
    retry: { maxAttempts: 8, baseDelayMs: 5, maxDelayMs: 50, maxElapsedMs: 15_000 },
  });
}

/** `n` messages spread round-robin over `arns`, each body naming its key so deliveries can be counted. */
function messages(n: number, arns: string[]): OutboundMessage[] {
  return Array.from({ length: n }, (_, i) => ({
    key: `k${i}`,
    topicArn: arns[i % arns.length]!,
    body: JSON.stringify({ key: `k${i}`, eventType: 'Bounce', pad: 'é'.repeat(i % 50) }),
    attributes: {
      eventType: { DataType: 'String', StringValue: 'Bounce' },
      delegate: { DataType: 'String', StringValue: `d${i % 7}` },
    },
  }));
}

/** How many times the fake accepted each input message, by key. */
function deliveries(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const m of fake.state.published) {
    const key = (JSON.parse(m.body) as { key: string }).key;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

/** Exactly `n` distinct messages were accepted, none of them twice. */
function expectDeliveredOnce(n: number): void {
  const counts = deliveries();
  expect(counts.size).toBe(n);
  expect([...counts.values()].filter((c) => c !== 1)).toEqual([]);
}

function expectAllOk(outcomes: PublishOutcome[], input: OutboundMessage[]): void {
  expect(outcomes.map((o) => o.key)).toEqual(input.map((m) => m.key));
  expect(outcomes.filter((o) => o.status !== 'ok')).toEqual([]);
}

describe('the SDK reaches the fake server through AWS_ENDPOINT_URL_SNS', () => {
  it('leaves the endpoint to the SDK and signs with local credentials', () => {
    expect(configuredEndpoint('sns')).toBe(fake.endpoint);
    const config = clientConfig('sns', 'us-east-1');
    expect(config).not.toHaveProperty('endpoint');
    expect(config.credentials).toMatchObject({ accessKeyId: 'AKIDLOCALTEST' });
    expect(config.requestHandler).toEqual({
      requestTimeout: 1_000,
      connectionTimeout: 1_000,
      throwOnRequestTimeout: true,
    });
    expect(fake.state.requests.length).toBe(0);
  });

  it('answers the topic and subscription calls as SNS does', async () => {
    const client = snsClient('us-east-1');
    const { TopicArn } = await client.send(
      new CreateTopicCommand({ Name: 'wire-check', Attributes: { DisplayName: 'Wire' } }),
    );
    expect(TopicArn).toBe('arn:aws:sns:us-east-1:123456789012:wire-check');

    const sub = await client.send(
      new SubscribeCommand({
        TopicArn,
        Protocol: 'http',
        Endpoint: 'http://127.0.0.1:9/sns',
        Attributes: { RawMessageDelivery: 'false' },
      }),
    );
    expect(sub.SubscriptionArn).toBe('pending confirmation');
    const [pending] = fake.state.topic(TopicArn!)!.subscriptions.values();
    expect(pending).toMatchObject({
      protocol: 'http',
      endpoint: 'http://127.0.0.1:9/sns',
      confirmed: false,
      attributes: { RawMessageDelivery: 'false' },
    });
    const confirmed = await client.send(
      new ConfirmSubscriptionCommand({ TopicArn, Token: pending!.token, AuthenticateOnUnsubscribe: 'true' }),
    );
    expect(confirmed.SubscriptionArn).toBe(pending!.arn);

    const listed = await client.send(new ListSubscriptionsByTopicCommand({ TopicArn }));
    expect(listed.Subscriptions).toEqual([
      {
        TopicArn,
        Protocol: 'http',
        SubscriptionArn: pending!.arn,
        Owner: '123456789012',
        Endpoint: 'http://127.0.0.1:9/sns',
      },
    ]);
    const attrs = await client.send(new GetTopicAttributesCommand({ TopicArn }));
    expect(attrs.Attributes).toMatchObject({
      TopicArn,
      DisplayName: 'Wire',
      SubscriptionsConfirmed: '1',
      SubscriptionsPending: '0',
    });
    const all = await client.send(new ListTopicsCommand({}));
    expect(all.Topics?.map((t) => t.TopicArn)).toContain(TopicArn);

    const single = await client.send(
      new PublishCommand({
        TopicArn,
        Message: 'line 1\r\nline 2 & <tag>',
        MessageAttributes: { eventType: { DataType: 'String', StringValue: 'Send' } },
      }),
    );
    expect(fake.state.messagesFor(TopicArn!)).toEqual([
      expect.objectContaining({
        messageId: single.MessageId,
        body: 'line 1\r\nline 2 & <tag>',
        attributes: { eventType: { DataType: 'String', StringValue: 'Send' } },
      }),
    ]);

    await client.send(new UnsubscribeCommand({ SubscriptionArn: pending!.arn }));
    expect(fake.state.topic(TopicArn!)!.subscriptions.size).toBe(0);
    await client.send(new DeleteTopicCommand({ TopicArn }));
    expect(fake.state.topic(TopicArn!)).toBeUndefined();
  });

  it('refuses what SNS refuses, with the errors the SDK knows', async () => {
    const client = snsClient('us-east-1');
    const usTopic = topics[1]!;
    const entries = (n: number, body = 'x') => Array.from({ length: n }, (_, i) => ({ Id: `e${i}`, Message: body }));
    await expect(
      client.send(
        new PublishBatchCommand({
          TopicArn: 'arn:aws:sns:us-east-1:123456789012:nope',
          PublishBatchRequestEntries: entries(1),
        }),
      ),
    ).rejects.toSatisfy(
      (e) =>
        e instanceof NotFoundException && e.$metadata.httpStatusCode === 404 && e.message === 'Topic does not exist',
    );
    await expect(
      client.send(new PublishBatchCommand({ TopicArn: usTopic, PublishBatchRequestEntries: entries(11) })),
    ).rejects.toMatchObject({
      name: 'TooManyEntriesInBatchRequestException',
    });
    await expect(
      client.send(
        new PublishBatchCommand({ TopicArn: usTopic, PublishBatchRequestEntries: entries(2, 'y'.repeat(140_000)) }),
      ),
    ).rejects.toMatchObject({
      name: 'BatchRequestTooLongException',
    });
    await expect(
      client.send(
        new PublishBatchCommand({
          TopicArn: usTopic,
          PublishBatchRequestEntries: [
            { Id: 'a', Message: '1' },
            { Id: 'a', Message: '2' },
          ],
        }),
      ),
    ).rejects.toMatchObject({ name: 'BatchEntryIdsNotDistinctException' });
    // A topic is only reachable with a client of its own region.
    await expect(
      client.send(new PublishBatchCommand({ TopicArn: topics[0]!, PublishBatchRequestEntries: entries(1) })),
    ).rejects.toMatchObject({
      name: 'InvalidParameterException',
      message: 'Invalid parameter: TopicArn',
    });
    const partly = await client.send(
      new PublishBatchCommand({
        TopicArn: usTopic,
        PublishBatchRequestEntries: [
          { Id: 'ok', Message: 'fine' },
          { Id: 'empty', Message: '' },
        ],
      }),
    );
    expect(partly.Successful?.map((s) => s.Id)).toEqual(['ok']);
    expect(partly.Failed).toEqual([
      { Id: 'empty', Code: 'InvalidParameter', SenderFault: true, Message: 'Invalid parameter: Empty message' },
    ]);
  });
});

describe('publishing through the fake server', () => {
  it('delivers every message exactly once when nothing fails, in at most 110 requests for 1,000 messages to 10 topics', async () => {
    const input = messages(1_000, topics);
    const outcomes = await publishAll(publisher(), input);
    expectAllOk(outcomes, input);
    expectDeliveredOnce(1_000);
    // Each outcome carries the MessageId the server gave, and attributes arrive intact.
    const byId = new Map(fake.state.published.map((m) => [m.messageId, m]));
    for (const [i, o] of outcomes.entries()) {
      const got = o.status === 'ok' && o.messageId !== null ? byId.get(o.messageId) : undefined;
      expect(got?.topicArn).toBe(input[i]!.topicArn);
      expect(got?.body).toBe(input[i]!.body);
      expect(got?.attributes).toEqual(input[i]!.attributes);
    }
    expect(fake.state.requestCount('PublishBatch')).toBeLessThanOrEqual(110);
    expect(fake.state.requestCount()).toBe(100);
    expect(fake.state.messagesFor(crossAccountTopic)).toHaveLength(100);
  });

  it('ends with everything delivered once under 10% entry failures and 5% throttling', async () => {
    fake.faults.reseed(7).set({ entryFailureRate: 0.1, throttleRate: 0.05 });
    const input = messages(1_000, topics);
    const outcomes = await publishAll(publisher(), input);
    expectAllOk(outcomes, input);
    expectDeliveredOnce(1_000);
    const injected =
      fake.state.requests.filter((r) => r.fault === 'throttle').length +
      fake.state.requests.reduce((n, r) => n + (r.failedEntries ?? 0), 0);
    expect(injected).toBeGreaterThan(0);
  });

  it.each(['NotFound', 'AuthorizationError', 'KMSAccessDenied'] as const)(
    'fails only the messages of a topic that always answers %s',
    async (code) => {
      const bad = topics[4]!;
      fake.faults.failTopic(bad, code);
      const input = messages(200, topics);
      const outcomes = await publishAll(publisher(), input);
      for (const [i, o] of outcomes.entries()) {
        if (input[i]!.topicArn === bad) expect(o).toMatchObject({ status: 'poison', code });
        else expect(o.status).toBe('ok');
      }
      expect(fake.state.messagesFor(bad)).toEqual([]);
      expect(deliveries().size).toBe(180);
      // The failing topic's first refusal stops its other batches from being sent.
      expect(fake.state.requests.filter((r) => r.status === ERROR_STATUS[code]).length).toBeLessThanOrEqual(2);
    },
  );

  it('retries a request whose answer comes after the client timeout', async () => {
    fake.faults.once('slow');
    const input = messages(10, [topics[1]!]);
    const outcomes = await publishAll(publisher(), input);
    expectAllOk(outcomes, input);
    // Let the slow answer play out: the client left, so the server must not apply it (no duplicate).
    await fake.idle();
    expect(fake.state.requests.map((r) => [r.fault ?? null, r.status])).toEqual([
      ['slow', 'abandoned'],
      [null, 200],
    ]);
    expectDeliveredOnce(10);
  });

  it('retries a request whose connection was dropped', async () => {
    fake.faults.once('drop', 2);
    const input = messages(30, [topics[2]!]);
    const outcomes = await publishAll(publisher(), input);
    expectAllOk(outcomes, input);
    expect(fake.state.requests.filter((r) => r.status === 'dropped')).toHaveLength(2);
    expectDeliveredOnce(30);
  });

  it('retries 500 InternalError answers', async () => {
    fake.faults.once('internal-error').once('fail-entries');
    const input = messages(10, [topics[3]!]);
    const outcomes = await publishAll(publisher(), input);
    expectAllOk(outcomes, input);
    expect(fake.state.requests.map((r) => r.fault ?? null)).toEqual(['internal-error', 'fail-entries', null]);
  });

  it('reports retryable, never throws, when the endpoint keeps failing', async () => {
    fake.faults.set({ internalErrorRate: 1 });
    const input = messages(3, [topics[1]!]);
    const outcomes = await publishAll(
      createSnsPublisher({ retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 2 } }),
      input,
    );
    expect(outcomes.map((o) => [o.status, o.status === 'ok' ? '' : o.code])).toEqual(
      Array(3).fill(['retryable', 'InternalError']),
    );
    expect(fake.state.requestCount('PublishBatch')).toBe(3);
  });
});

describe('a message that cannot be encoded into a request', () => {
  it('is poison on its own, never retried, and the other messages of its request are delivered', async () => {
    const publisher = createSnsPublisher({ retry: { baseDelayMs: 1, maxDelayMs: 2 } });
    const messages = Array.from({ length: 5 }, (_, i) => ({
      key: `k${i}`,
      topicArn: topics[1]!,
      // The SDK's query serializer throws URIError on a lone surrogate, before any request leaves.
      body: i === 2 ? 'lone \ud800 surrogate' : `message ${i}`,
      attributes: {},
    }));
    const before = fake.state.requestCount('PublishBatch');
    const outcomes = await publishAll(publisher, messages);
    expect(outcomes.map((o) => o.status)).toEqual(['ok', 'ok', 'poison', 'ok', 'ok']);
    expect(outcomes[2]).toEqual({
      key: 'k2',
      status: 'poison',
      code: 'unsendable_message',
      reason: `the message for ${topics[1]} could not be encoded into a request, so it was never sent: URIError: URI malformed`,
    });
    expect(fake.state.messagesFor(topics[1]!).map((m) => m.body)).toEqual(
      expect.arrayContaining(['message 0', 'message 1', 'message 3', 'message 4']),
    );
    // The four good messages went out one by one once the shared request could not be built; nothing was retried.
    expect(fake.state.requestCount('PublishBatch') - before).toBe(4);
  });
});
