/**
 * Temporary SQS queues subscribed to SNS topics: the canary's and parity's way to read what a topic delivers. Each
 * queue admits only its topic, and `removeQueues` unsubscribes and deletes whatever was created, also after an error
 * or Ctrl-C half-way through.
 */
import { type SNSClient, SubscribeCommand, UnsubscribeCommand } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  SetQueueAttributesCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';

export type Clients = (region: string) => { sns: SNSClient; sqs: SQSClient };

/** What was created for one topic; filled in as each call succeeds, so cleanup removes exactly that. */
export interface TempQueue {
  region: string;
  topicArn: string;
  queueUrl?: string;
  queueArn?: string;
  subscriptionArn?: string;
}

/** Policy of a temporary queue: only SNS, only from that topic (SNS developer guide, "Subscribing a queue"). */
export function canaryQueuePolicy(queueArn: string, topicArn: string): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'OnlyTheCanaryTopic',
        Effect: 'Allow',
        Principal: { Service: 'sns.amazonaws.com' },
        Action: 'sqs:SendMessage',
        Resource: queueArn,
        Condition: { ArnEquals: { 'aws:SourceArn': topicArn } },
      },
    ],
  });
}

/** Creates a queue named `name`, lets only `topicArn` send to it and subscribes it; `resource` is pushed first. */
export async function openQueue(
  clients: Clients,
  region: string,
  topicArn: string,
  name: string,
  created: TempQueue[],
): Promise<Required<TempQueue>> {
  const { sns, sqs } = clients(region);
  const resource: TempQueue = { region, topicArn };
  created.push(resource);
  const queue = await sqs.send(new CreateQueueCommand({ QueueName: name }));
  resource.queueUrl = queue.QueueUrl!;
  const attrs = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: resource.queueUrl, AttributeNames: ['QueueArn'] }),
  );
  resource.queueArn = attrs.Attributes!.QueueArn!;
  await sqs.send(
    new SetQueueAttributesCommand({
      QueueUrl: resource.queueUrl,
      Attributes: { Policy: canaryQueuePolicy(resource.queueArn, topicArn) },
    }),
  );
  const sub = await sns.send(
    new SubscribeCommand({
      TopicArn: topicArn,
      Protocol: 'sqs',
      Endpoint: resource.queueArn,
      ReturnSubscriptionArn: true,
    }),
  );
  resource.subscriptionArn = sub.SubscriptionArn!;
  return resource as Required<TempQueue>;
}

/** Receives up to 10 messages (waiting at most a second) and deletes what it read. */
export async function receiveAndDelete(clients: Clients, queue: Required<TempQueue>): Promise<Message[]> {
  const { sqs } = clients(queue.region);
  const out = await sqs.send(
    new ReceiveMessageCommand({ QueueUrl: queue.queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
  );
  const messages = out.Messages ?? [];
  if (messages.length > 0)
    await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queue.queueUrl,
        Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })),
      }),
    );
  return messages;
}

/** Unsubscribes and deletes everything in `created` (newest first); a failed removal is reported, not thrown. */
export async function removeQueues(
  clients: Clients,
  created: TempQueue[],
  progress: (line: string) => void,
  what: string,
): Promise<void> {
  for (const r of [...created].reverse()) {
    const { sns, sqs } = clients(r.region);
    if (r.subscriptionArn)
      await sns
        .send(new UnsubscribeCommand({ SubscriptionArn: r.subscriptionArn }))
        .catch((err) => progress(`${what}: could not remove subscription ${r.subscriptionArn}: ${String(err)}`));
    if (r.queueUrl)
      await sqs
        .send(new DeleteQueueCommand({ QueueUrl: r.queueUrl }))
        .catch((err) => progress(`${what}: could not remove queue ${r.queueUrl}: ${String(err)}`));
  }
  if (created.length > 0) progress(`${what}: removed ${created.length} temporary queues and subscriptions`);
}
