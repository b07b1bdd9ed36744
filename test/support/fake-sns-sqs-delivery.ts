/**
 * Delivery from the SNS test server to SQS subscriptions on the SQS test server, as SNS does it: to every confirmed
 * `sqs` subscription of the topic whose queue exists and whose access policy lets `sns.amazonaws.com` send from that
 * topic (otherwise SNS drops the message: "Sending Amazon SNS messages to an Amazon SQS queue in a different
 * account"), either enveloped (a signed JSON Notification document, the default) or raw (`RawMessageDelivery`, the
 * message body with its message attributes). It listens to the SNS state's `publish` events and calls the SQS
 * state's programmatic `deliver`, so both servers stay independent.
 */
import type {
  FakeMessageAttribute,
  FakeSnsState,
  FakeSubscription,
  FakeTopic,
  PublishedMessage,
} from './fake-sns-server';
import type { FakeSqsMessageAttribute, FakeSqsState } from './fake-sqs-state';
import { signBody } from './sns-signing';

export interface SqsDeliveryRecord {
  topicArn: string;
  queueArn: string;
  messageId: string;
  raw: boolean;
  /** `delivered`, or why SNS would not deliver. */
  outcome: 'delivered' | 'no-queue' | 'denied-by-policy';
}

export interface SqsDelivery {
  readonly records: SqsDeliveryRecord[];
  detach(): void;
}

/** True when the queue policy lets SNS send messages from `topicArn` (Allow, sns.amazonaws.com, SourceArn). */
export function queuePolicyAllows(policyText: string | undefined, queueArn: string, topicArn: string): boolean {
  if (!policyText) return false;
  let doc: { Statement?: unknown };
  try {
    doc = JSON.parse(policyText);
  } catch {
    return false;
  }
  const statements = [doc.Statement].flat().filter((s): s is Record<string, any> => typeof s === 'object' && !!s);
  const list = (v: unknown) => [v].flat().filter((x): x is string => typeof x === 'string');
  const matches = (pattern: string, value: string) =>
    new RegExp(
      `^${pattern
        .replace(/[.+^${}()|[\]\\]/g, '\\$&')
        .replace(/\*/g, '.*')
        .replace(/\?/g, '.')}$`,
    ).test(value);
  return statements.some((s) => {
    if (s.Effect !== 'Allow') return false;
    const principal = s.Principal;
    const service =
      principal === '*' || list(principal?.Service).includes('sns.amazonaws.com') || list(principal?.AWS).includes('*');
    if (!service) return false;
    if (!list(s.Action).some((a) => a === 'sqs:SendMessage' || a === 'sqs:*' || a === '*')) return false;
    if (!list(s.Resource).some((r) => r === '*' || matches(r, queueArn))) return false;
    const condition = s.Condition ?? {};
    const sources = [
      ...list(condition.ArnEquals?.['aws:SourceArn']),
      ...list(condition.ArnLike?.['aws:SourceArn']),
      ...list(condition.StringEquals?.['aws:SourceArn']),
    ];
    return sources.length === 0 ? Object.keys(condition).length === 0 : sources.some((p) => matches(p, topicArn));
  });
}

function sqsAttributes(attributes: Record<string, FakeMessageAttribute>): Record<string, FakeSqsMessageAttribute> {
  const out: Record<string, FakeSqsMessageAttribute> = {};
  for (const [name, a] of Object.entries(attributes)) out[name] = { ...a } as FakeSqsMessageAttribute;
  return out;
}

function envelope(topic: FakeTopic, sub: FakeSubscription, message: PublishedMessage): string {
  const attributes: Record<string, { Type: string; Value: string }> = {};
  for (const [name, a] of Object.entries(message.attributes))
    attributes[name] = { Type: a.DataType, Value: a.StringValue ?? a.BinaryValue ?? '' };
  return JSON.stringify(
    signBody({
      Type: 'Notification',
      MessageId: message.messageId,
      TopicArn: topic.arn,
      ...(message.subject ? { Subject: message.subject } : {}),
      Message: message.body,
      Timestamp: new Date().toISOString(),
      UnsubscribeURL: `https://sns.${topic.region}.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=${sub.arn}`,
      ...(Object.keys(attributes).length > 0 ? { MessageAttributes: attributes } : {}),
    }),
  );
}

/** Starts delivering every message published on `sns` to its SQS subscriptions on `sqs`. */
export function deliverToSqs(sns: FakeSnsState, sqs: FakeSqsState): SqsDelivery {
  const records: SqsDeliveryRecord[] = [];
  const onPublish = (topic: FakeTopic, message: PublishedMessage) => {
    for (const sub of topic.subscriptions.values()) {
      if (sub.protocol !== 'sqs' || !sub.confirmed) continue;
      const raw = sub.attributes.RawMessageDelivery === 'true';
      const record: SqsDeliveryRecord = {
        topicArn: topic.arn,
        queueArn: sub.endpoint,
        messageId: message.messageId,
        raw,
        outcome: 'delivered',
      };
      records.push(record);
      const queue = sqs.queueByArn(sub.endpoint);
      if (!queue) {
        record.outcome = 'no-queue';
        continue;
      }
      if (!queuePolicyAllows(queue.attributes.Policy, queue.arn, topic.arn)) {
        record.outcome = 'denied-by-policy';
        continue;
      }
      if (raw) sqs.deliver(queue.arn, message.body, sqsAttributes(message.attributes));
      else sqs.deliver(queue.arn, envelope(topic, sub, message));
    }
  };
  sns.events.on('publish', onPublish);
  return { records, detach: () => sns.events.off('publish', onPublish) };
}
