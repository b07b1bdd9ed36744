/** The SNS test server's delivery to SQS subscriptions: enveloped or raw, and only what the queue policy allows. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canaryQueuePolicy } from '#lib/migration/canary';
import { type FakeSns, startFakeSns } from '#test/support/fake-sns-server';
import { deliverToSqs } from '#test/support/fake-sns-sqs-delivery';
import { type FakeSqs, startFakeSqs } from '#test/support/fake-sqs-server';

let sns: FakeSns;
let sqs: FakeSqs;
beforeAll(async () => {
  sns = await startFakeSns();
  sqs = await startFakeSqs();
});
afterAll(async () => {
  await Promise.all([sns.close(), sqs.close()]);
});

describe('SNS to SQS delivery', () => {
  it('delivers enveloped and raw copies to allowed queues, and nothing to a queue whose policy names another topic', () => {
    const topic = sns.state.createTopic('feedback');
    const other = sns.state.createTopic('other');
    const delivery = deliverToSqs(sns.state, sqs.state);
    const queues = ['enveloped', 'raw', 'denied'].map((name) => sqs.state.createQueue(name));
    const [enveloped, raw, denied] = queues as [any, any, any];
    for (const q of [enveloped, raw]) sqs.state.setAttributes(q, { Policy: canaryQueuePolicy(q.arn, topic.arn) });
    sqs.state.setAttributes(denied, { Policy: canaryQueuePolicy(denied.arn, other.arn) });
    for (const [q, rawDelivery] of [
      [enveloped, 'false'],
      [raw, 'true'],
      [denied, 'false'],
    ] as const)
      topic.subscriptions.set(`${topic.arn}:${q.name}`, {
        arn: `${topic.arn}:${q.name}`,
        topicArn: topic.arn,
        protocol: 'sqs',
        endpoint: q.arn,
        owner: topic.accountId,
        attributes: { RawMessageDelivery: rawDelivery },
        confirmed: true,
        token: '',
      });
    const message = {
      topicArn: topic.arn,
      messageId: 'm-1',
      body: '{"notificationType":"Bounce"}',
      attributes: { type: { DataType: 'String', StringValue: 'bounce' } },
      action: 'Publish' as const,
      requestId: 'r-1',
    };
    sns.state.events.emit('publish', topic, message);
    expect(delivery.records.map((r) => [r.queueArn.split(':').pop(), r.raw, r.outcome])).toEqual([
      ['enveloped', false, 'delivered'],
      ['raw', true, 'delivered'],
      ['denied', false, 'denied-by-policy'],
    ]);
    const body = JSON.parse(sqs.state.receive(enveloped, 10, 30)[0]!.body);
    expect(body).toMatchObject({ Type: 'Notification', MessageId: 'm-1', TopicArn: topic.arn, Message: message.body });
    expect(body.MessageAttributes).toEqual({ type: { Type: 'String', Value: 'bounce' } });
    expect(body.SignatureVersion).toBe('2');
    const rawCopy = sqs.state.receive(raw, 10, 30)[0]!;
    expect(rawCopy.body).toBe(message.body);
    expect(rawCopy.attributes).toMatchObject({ type: { DataType: 'String', StringValue: 'bounce' } });
    expect(sqs.state.receive(denied, 10, 30)).toEqual([]);
    delivery.detach();
  });
});
