/**
 * What a delegate receives, end to end against the local SNS and SQS test servers: the bridge publishes to the
 * delegate's topic, the topic delivers to the delegate's queue through a subscription filter policy (raw message
 * delivery, and without it), and the example consumer (examples/sqs-consumer.ts) handles each record once, dropping
 * the duplicates at-least-once delivery makes by their bridgeId.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type BridgeHarness, startBridge } from '#test/support/bridge-harness';
import { lambdaSqsEvent } from '#test/support/envelopes';
import { type FakeSqs, type FakeSqsMessageAttribute, startFakeSqs } from '#test/support/fake-sqs-server';
import { type FilterPolicy, policyMatches } from '#test/support/filter-policy';
import { REPO_ROOT } from '#test/support/fixtures';
import { loadRawSamples } from '#test/support/sample-events';
import { consume, type Feedback } from '../../examples/sqs-consumer';
import { handler as sqsHandler } from '../../functions/route-sqs';

const ACME = '111122223333';
const TOPIC = `arn:aws:sns:us-east-1:${ACME}:acme-ses-feedback`;
const PARKING = 'arn:aws:sns:us-east-1:888888888888:consumer-parking';
const POLICIES = (
  JSON.parse(readFileSync(path.join(REPO_ROOT, 'examples/filter-policies.json'), 'utf8')) as {
    policies: Record<string, FilterPolicy>;
  }
).policies;

let bridge: BridgeHarness;
let sqs: FakeSqs;
let client: SQSClient;
/** The delegate's subscription: its filter policy and whether raw message delivery is on. */
const subscription: { policy: FilterPolicy | null; raw: boolean } = { policy: null, raw: true };

beforeAll(async () => {
  bridge = await startBridge({
    routes: {
      routes: [{ name: 'acme', when: { sendingAccountId: ACME }, to: { topicArn: TOPIC, format: 'normalized' } }],
    },
    topics: [TOPIC],
    parkingTopicArn: PARKING,
  });
  sqs = await startFakeSqs({ maxWaitMs: 50 });
  client = new SQSClient(sqs.clientConfig());
  const queue = sqs.state.createQueue('acme-feedback');
  bridge.fake.state.events.on('publish', (topic, message) => {
    if (topic.arn !== TOPIC) return;
    const attributes = Object.fromEntries(Object.entries(message.attributes).map(([k, a]) => [k, a.StringValue ?? '']));
    if (subscription.policy !== null && !policyMatches(subscription.policy, attributes)) return;
    if (subscription.raw) {
      const sqsAttributes: Record<string, FakeSqsMessageAttribute> = {};
      for (const [k, v] of Object.entries(attributes)) sqsAttributes[k] = { DataType: 'String', StringValue: v };
      sqs.state.deliver(queue.arn, message.body, sqsAttributes);
    } else {
      const envelope = {
        Type: 'Notification',
        MessageId: message.messageId,
        TopicArn: TOPIC,
        Message: message.body,
        MessageAttributes: Object.fromEntries(
          Object.entries(attributes).map(([k, v]) => [k, { Type: 'String', Value: v }]),
        ),
      };
      sqs.state.deliver(queue.arn, JSON.stringify(envelope));
    }
  });
});
afterAll(async () => {
  client.destroy();
  await bridge.close();
  await sqs.close();
});
beforeEach(() => {
  bridge.fake.state.clearRecords();
  sqs.state.queueByName('acme-feedback')!.messages.length = 0;
  subscription.policy = null;
  subscription.raw = true;
});

/** Every sample, sent by acme, each with its own SES message id. */
function acmeRecords(): string[] {
  return [...loadRawSamples().entries()].map(([name, json]) => {
    const copy = structuredClone(json);
    copy.mail.sendingAccountId = ACME;
    copy.mail.messageId = `consumer-${name}`;
    return JSON.stringify(copy);
  });
}

async function drain() {
  const handled: Feedback[] = [];
  const seen = new Set<string>();
  const result = await consume({
    client,
    queueUrl: sqs.state.queueByName('acme-feedback')!.url,
    seen,
    handle: (f) => {
      handled.push(f);
    },
  });
  return { ...result, handled };
}

describe('a delegate consuming its feedback', () => {
  for (const raw of [true, false]) {
    it(`handles each record once though the bridge delivered it twice (raw message delivery ${raw ? 'on' : 'off'})`, async () => {
      subscription.raw = raw;
      const event = lambdaSqsEvent(acmeRecords());
      await sqsHandler(event as never, bridge.context);
      // The same batch again, as after a redelivery: every message is published a second time.
      await sqsHandler(event as never, bridge.context);
      const { handled, duplicates } = await drain();
      const records = acmeRecords().length;
      expect(duplicates).toBe(records);
      expect(handled.map((f) => (f.body as { messageId: string }).messageId).sort()).toEqual(
        acmeRecords()
          .map((t) => JSON.parse(t).mail.messageId)
          .sort(),
      );
      expect(new Set(handled.map((f) => f.bridgeId)).size).toBe(records);
      expect(handled.every((f) => f.type === (f.body as { type: string }).type)).toBe(true);
    });
  }

  it('receives through each example filter policy exactly the messages whose attributes it names', async () => {
    await sqsHandler(lambdaSqsEvent(acmeRecords()) as never, bridge.context);
    const published = bridge.fake.state
      .messagesFor(TOPIC)
      .map((m) => Object.fromEntries(Object.entries(m.attributes).map(([k, a]) => [k, a.StringValue ?? ''])));
    const types = (name: string) =>
      published
        .filter((a) => policyMatches(POLICIES[name]!, a))
        .map((a) => (a.type === 'bounce' ? `${a.type}:${a.bounceType}` : a.type))
        .sort();
    expect(types('bounces-and-complaints')).toEqual([
      'bounce:Permanent',
      'bounce:Permanent',
      'bounce:Permanent',
      'complaint',
      'complaint',
      'complaint',
    ]);
    expect(types('permanent-bounces-or-complaints')).toEqual(types('bounces-and-complaints'));
    expect(types('no-engagement-events')).not.toContain('open');
    expect(types('no-engagement-events')).not.toContain('delivery');
    expect(types('no-engagement-events')).toContain('bounce:Permanent');
    expect(types('one-sender-account')).toHaveLength(published.length);
  });

  it('gets only bounces and complaints in its queue with that filter policy on its subscription', async () => {
    subscription.policy = POLICIES['bounces-and-complaints']!;
    await sqsHandler(lambdaSqsEvent(acmeRecords()) as never, bridge.context);
    const { handled } = await drain();
    expect([...new Set(handled.map((f) => f.type))].sort()).toEqual(['bounce', 'complaint']);
  });
});
