/**
 * A minimal delegate consumer: an SQS queue subscribed to the delegate's topic (raw message delivery on or off),
 * read with long polls. Each message is handled once: the bridge delivers at least once, and every copy of one
 * record at one destination carries the same `bridgeId` message attribute, so a copy already seen is deleted
 * without being handled again. The store of seen ids here is in memory; a real consumer keeps it where its handling
 * writes (a database table keyed by bridgeId, written in the same transaction), for as long as redeliveries can come
 * (the queue's retention period). See docs/delegates.md.
 *
 *   QUEUE_URL=https://sqs.us-east-1.amazonaws.com/111122223333/acme-ses-feedback \
 *     node bin/run-ts.cjs examples/sqs-consumer.ts
 */
import { DeleteMessageCommand, type Message, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';

/** One piece of feedback as the delegate's code sees it. */
export interface Feedback {
  bridgeId: string;
  /** The bridge's normalized type: bounce, complaint, delivery... */
  type: string;
  /** The message body, parsed: in the format the route gives (original, notification, event or normalized). */
  body: unknown;
  attributes: Record<string, string>;
}

/** Where handled bridgeIds are remembered. */
export interface SeenStore {
  has(bridgeId: string): boolean | Promise<boolean>;
  add(bridgeId: string): unknown;
}

export interface ConsumeResult {
  handled: number;
  duplicates: number;
}

/** The message's attributes and body: raw delivery puts them on the SQS message, else in the SNS envelope. */
function unwrap(message: Message): { attributes: Record<string, string>; body: string } {
  const attributes: Record<string, string> = {};
  for (const [name, value] of Object.entries(message.MessageAttributes ?? {})) {
    if (value.StringValue !== undefined) attributes[name] = value.StringValue;
  }
  const text = message.Body ?? '';
  if (attributes.bridgeId !== undefined) return { attributes, body: text };
  const envelope = JSON.parse(text) as { Message: string; MessageAttributes?: Record<string, { Value: string }> };
  for (const [name, value] of Object.entries(envelope.MessageAttributes ?? {})) attributes[name] = value.Value;
  return { attributes, body: envelope.Message };
}

/**
 * Reads the queue until it is empty (or `stopped()`), handling each record once. A message whose handling throws
 * is left in the queue: it comes back after its visibility timeout, and the queue's redrive policy bounds how often.
 */
export async function consume(options: {
  client: SQSClient;
  queueUrl: string;
  seen: SeenStore;
  handle: (feedback: Feedback) => void | Promise<void>;
  stopped?: () => boolean;
}): Promise<ConsumeResult> {
  const { client, queueUrl, seen, handle } = options;
  const result: ConsumeResult = { handled: 0, duplicates: 0 };
  while (!options.stopped?.()) {
    const { Messages = [] } = await client.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 1,
        MessageAttributeNames: ['All'],
      }),
    );
    if (Messages.length === 0) return result;
    for (const message of Messages) {
      const { attributes, body } = unwrap(message);
      const bridgeId = attributes.bridgeId ?? message.MessageId ?? '';
      if (await seen.has(bridgeId)) {
        result.duplicates++;
      } else {
        await handle({ bridgeId, type: attributes.type ?? 'unknown', body: JSON.parse(body), attributes });
        await seen.add(bridgeId);
        result.handled++;
      }
      await client.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle }));
    }
  }
  return result;
}

if (require.main === module) {
  const queueUrl = process.env.QUEUE_URL;
  if (!queueUrl) {
    process.stderr.write('set QUEUE_URL to the queue subscribed to your feedback topic\n');
    process.exit(2);
  }
  const seen = new Set<string>();
  void consume({
    client: new SQSClient({}),
    queueUrl,
    seen,
    handle: (f) => {
      process.stdout.write(`${f.type} ${f.bridgeId} ${f.attributes.bounceType ?? ''}\n`);
    },
  }).then((r) => process.stdout.write(`handled ${r.handled}, duplicates dropped ${r.duplicates}\n`));
}
