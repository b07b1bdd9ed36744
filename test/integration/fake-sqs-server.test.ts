import {
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  DeleteMessageCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListMessageMoveTasksCommand,
  ListQueuesCommand,
  PurgeQueueCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SetQueueAttributesCommand,
  SQSClient,
  StartMessageMoveTaskCommand,
} from '@aws-sdk/client-sqs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type FakeSqs, md5OfMessageAttributes, startFakeSqs } from '#test/support/fake-sqs-server';

let sqs: FakeSqs;
let client: SQSClient;

beforeAll(async () => {
  sqs = await startFakeSqs({ maxWaitMs: 300, moveTaskTickMs: 10 });
  client = new SQSClient({ ...sqs.clientConfig('eu-west-1'), maxAttempts: 1 });
});
afterAll(async () => {
  client.destroy();
  await sqs.close();
});
afterEach(() => {
  sqs.state.queues.clear();
  sqs.state.requests.length = 0;
  sqs.state.moveTasks.length = 0;
  sqs.state.now = Date.now;
});

async function queue(name: string, attributes?: Record<string, string>): Promise<string> {
  const { QueueUrl } = await client.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
  return QueueUrl!;
}

async function errorOf(promise: Promise<unknown>): Promise<{ name: string; Code?: string; message: string }> {
  try {
    await promise;
  } catch (err) {
    return err as { name: string; Code?: string; message: string };
  }
  throw new Error('expected the call to fail');
}

describe('the local SQS server, driven by @aws-sdk/client-sqs', () => {
  it('creates, finds, lists and deletes queues in the region the client signs for', async () => {
    const url = await queue('intake');
    expect(url).toBe(`${sqs.endpoint}/123456789012/intake`);
    expect((await client.send(new GetQueueUrlCommand({ QueueName: 'intake' }))).QueueUrl).toBe(url);
    expect((await client.send(new ListQueuesCommand({ QueueNamePrefix: 'int' }))).QueueUrls).toEqual([url]);
    const attrs = await client.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }));
    expect(attrs.Attributes).toEqual({ QueueArn: 'arn:aws:sqs:eu-west-1:123456789012:intake' });
    await client.send(new DeleteQueueCommand({ QueueUrl: url }));
    const err = await errorOf(client.send(new GetQueueUrlCommand({ QueueName: 'intake' })));
    expect(err.name).toBe('QueueDoesNotExist');
    expect(err.Code).toBe('AWS.SimpleQueueService.NonExistentQueue');
    expect(err.message).toBe('The specified queue does not exist.');
  });

  it('sends and receives with the body MD5 the SDK checks, and system and message attributes', async () => {
    const url = await queue('q');
    const attributes = { bridgeId: { DataType: 'String', StringValue: 'b-1' } };
    const sent = await client.send(
      new SendMessageCommand({ QueueUrl: url, MessageBody: 'héllo 🙂', MessageAttributes: attributes }),
    );
    expect(sent.MD5OfMessageAttributes).toBe(md5OfMessageAttributes(attributes));
    const got = await client.send(
      new ReceiveMessageCommand({
        QueueUrl: url,
        MaxNumberOfMessages: 10,
        MessageSystemAttributeNames: ['ApproximateReceiveCount', 'SentTimestamp'],
        MessageAttributeNames: ['All'],
      }),
    );
    expect(got.Messages).toHaveLength(1);
    const [m] = got.Messages!;
    expect(m!.Body).toBe('héllo 🙂');
    expect(m!.MessageId).toBe(sent.MessageId);
    expect(m!.Attributes!.ApproximateReceiveCount).toBe('1');
    expect(Number(m!.Attributes!.SentTimestamp)).toBeGreaterThan(0);
    expect(m!.MessageAttributes).toEqual(attributes);
    // Received once, it is invisible for the visibility timeout.
    expect((await client.send(new ReceiveMessageCommand({ QueueUrl: url }))).Messages).toBeUndefined();
  });

  it('refuses characters SQS does not accept, such as a lone surrogate, with InvalidMessageContents', async () => {
    const url = await queue('q');
    const err = await errorOf(client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'a\u0000b' })));
    expect(err.name).toBe('InvalidMessageContents');
    expect(err.message).toMatch(/^Invalid binary character '#x0' was found in the message body/);
    // The JSON protocol escapes a lone surrogate (`\\ud800`), so it reaches SQS, which refuses it.
    const lone = await errorOf(client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'a\ud800b' })));
    expect(lone.name).toBe('InvalidMessageContents');
    expect(lone.message).toMatch(/^Invalid binary character '#xD800' was found in the message body/);
    expect(() => sqs.state.deliver('arn:aws:sqs:eu-west-1:123456789012:q', 'x\udc00')).toThrow(/#xDC00/);
  });

  it('answers a MaxNumberOfMessages outside 1-10 with InvalidParameterValue', async () => {
    const url = await queue('q');
    const err = await errorOf(client.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 11 })));
    expect(err.name).toBe('InvalidParameterValue');
    expect(err.message).toBe(
      'Value 11 for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10, if provided.',
    );
  });

  it('long-polls until a message arrives', async () => {
    const url = await queue('q');
    const polling = client.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 20 }));
    await new Promise((r) => setTimeout(r, 50));
    sqs.state.deliver('arn:aws:sqs:eu-west-1:123456789012:q', 'late');
    expect((await polling).Messages?.[0]?.Body).toBe('late');
  });

  it('batches sends and deletes, failing entries one by one', async () => {
    const url = await queue('q');
    const sent = await client.send(
      new SendMessageBatchCommand({
        QueueUrl: url,
        Entries: [
          { Id: 'a', MessageBody: 'one' },
          { Id: 'b', MessageBody: 'bad\u0001' },
        ],
      }),
    );
    expect(sent.Successful?.map((e) => e.Id)).toEqual(['a']);
    expect(sent.Failed).toEqual([
      expect.objectContaining({ Id: 'b', Code: 'InvalidMessageContents', SenderFault: true }),
    ]);
    const { Messages } = await client.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10 }));
    const deleted = await client.send(
      new DeleteMessageBatchCommand({
        QueueUrl: url,
        Entries: [
          { Id: 'x', ReceiptHandle: Messages![0]!.ReceiptHandle! },
          { Id: 'y', ReceiptHandle: 'not-a-handle' },
        ],
      }),
    );
    expect(deleted.Successful).toEqual([{ Id: 'x' }]);
    expect(deleted.Failed).toEqual([
      expect.objectContaining({ Id: 'y', Code: 'ReceiptHandleIsInvalid', SenderFault: true }),
    ]);
    expect(sqs.state.queueByName('q')!.messages).toHaveLength(0);
  });

  it('rejects an empty batch, more than 10 entries and repeated ids with their own errors', async () => {
    const url = await queue('q');
    expect((await errorOf(client.send(new SendMessageBatchCommand({ QueueUrl: url, Entries: [] })))).name).toBe(
      'EmptyBatchRequest',
    );
    const eleven = Array.from({ length: 11 }, (_, i) => ({ Id: `e${i}`, MessageBody: 'x' }));
    expect((await errorOf(client.send(new SendMessageBatchCommand({ QueueUrl: url, Entries: eleven })))).name).toBe(
      'TooManyEntriesInBatchRequest',
    );
    const twice = [
      { Id: 'same', MessageBody: 'x' },
      { Id: 'same', MessageBody: 'y' },
    ];
    expect((await errorOf(client.send(new SendMessageBatchCommand({ QueueUrl: url, Entries: twice })))).name).toBe(
      'BatchEntryIdsNotDistinct',
    );
  });

  it('answers an unparseable receipt handle with ReceiptHandleIsInvalid, and ignores a stale one', async () => {
    const url = await queue('q');
    const err = await errorOf(client.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: 'garbage' })));
    expect(err.name).toBe('ReceiptHandleIsInvalid');
    await client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'm' }));
    const first = (await client.send(new ReceiveMessageCommand({ QueueUrl: url, VisibilityTimeout: 0 }))).Messages![0]!;
    const second = (await client.send(new ReceiveMessageCommand({ QueueUrl: url }))).Messages![0]!;
    await client.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: first.ReceiptHandle! }));
    expect(sqs.state.queueByName('q')!.messages).toHaveLength(1);
    await client.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: second.ReceiptHandle! }));
    expect(sqs.state.queueByName('q')!.messages).toHaveLength(0);
  });

  it('makes a message visible again with ChangeMessageVisibility, and refuses one not in flight', async () => {
    const url = await queue('q');
    await client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'm' }));
    const m = (await client.send(new ReceiveMessageCommand({ QueueUrl: url }))).Messages![0]!;
    await client.send(
      new ChangeMessageVisibilityCommand({ QueueUrl: url, ReceiptHandle: m.ReceiptHandle!, VisibilityTimeout: 0 }),
    );
    const again = (
      await client.send(new ReceiveMessageCommand({ QueueUrl: url, MessageSystemAttributeNames: ['All'] }))
    ).Messages![0]!;
    expect(again.Attributes!.ApproximateReceiveCount).toBe('2');
    await client.send(
      new ChangeMessageVisibilityCommand({ QueueUrl: url, ReceiptHandle: again.ReceiptHandle!, VisibilityTimeout: 0 }),
    );
    const err = await errorOf(
      client.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: url,
          ReceiptHandle: again.ReceiptHandle!,
          VisibilityTimeout: 5,
        }),
      ),
    );
    expect(err.name).toBe('MessageNotInflight');
  });

  it('moves a message to the dead-letter queue after maxReceiveCount receives, and moves it back on request', async () => {
    const dlqUrl = await queue('intake-dlq');
    const dlqArn = 'arn:aws:sqs:eu-west-1:123456789012:intake-dlq';
    const url = await queue('intake', {
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: 2 }),
    });
    await client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'poison' }));
    for (let i = 0; i < 2; i++) {
      expect(
        (await client.send(new ReceiveMessageCommand({ QueueUrl: url, VisibilityTimeout: 0 }))).Messages,
      ).toHaveLength(1);
    }
    expect((await client.send(new ReceiveMessageCommand({ QueueUrl: url }))).Messages).toBeUndefined();
    const dead = await client.send(
      new ReceiveMessageCommand({ QueueUrl: dlqUrl, VisibilityTimeout: 0, MessageSystemAttributeNames: ['All'] }),
    );
    expect(dead.Messages![0]!.Body).toBe('poison');
    expect(dead.Messages![0]!.Attributes!.DeadLetterQueueSourceArn).toBe('arn:aws:sqs:eu-west-1:123456789012:intake');

    const { TaskHandle } = await client.send(new StartMessageMoveTaskCommand({ SourceArn: dlqArn }));
    expect(TaskHandle).toBeTruthy();
    await expect
      .poll(
        async () => (await client.send(new ListMessageMoveTasksCommand({ SourceArn: dlqArn }))).Results?.[0]?.Status,
      )
      .toBe('COMPLETED');
    const listed = await client.send(new ListMessageMoveTasksCommand({ SourceArn: dlqArn }));
    expect(listed.Results![0]).toMatchObject({
      ApproximateNumberOfMessagesMoved: 1,
      ApproximateNumberOfMessagesToMove: 1,
    });
    const back = await client.send(new ReceiveMessageCommand({ QueueUrl: url, MessageSystemAttributeNames: ['All'] }));
    expect(back.Messages![0]!.Body).toBe('poison');
    expect(back.Messages![0]!.Attributes!.ApproximateReceiveCount).toBe('1');
  });

  it('refuses a move task from a queue that is no dead-letter queue', async () => {
    await queue('plain');
    const err = await errorOf(
      client.send(new StartMessageMoveTaskCommand({ SourceArn: 'arn:aws:sqs:eu-west-1:123456789012:plain' })),
    );
    expect(err.name).toBe('InvalidParameterValue');
    expect(err.message).toBe(
      'Value arn:aws:sqs:eu-west-1:123456789012:plain for parameter SourceArn is invalid. Reason: Source queue must be configured as a Dead Letter Queue.',
    );
  });

  it('validates queue attributes: unknown names, ranges and a redrive target that must exist', async () => {
    const url = await queue('q');
    expect(
      (
        await errorOf(
          client.send(
            new SetQueueAttributesCommand({ QueueUrl: url, Attributes: { Colour: 'red' } as Record<string, string> }),
          ),
        )
      ).name,
    ).toBe('InvalidAttributeName');
    expect(
      (
        await errorOf(
          client.send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: { VisibilityTimeout: '43201' } })),
        )
      ).name,
    ).toBe('InvalidAttributeValue');
    const policy = JSON.stringify({
      deadLetterTargetArn: 'arn:aws:sqs:eu-west-1:123456789012:missing',
      maxReceiveCount: 5,
    });
    const err = await errorOf(
      client.send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: { RedrivePolicy: policy } })),
    );
    expect(err.name).toBe('InvalidParameterValue');
    expect(err.message).toMatch(/Reason: Dead letter target does not exist\.$/);
    await client.send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: { VisibilityTimeout: '5' } }));
    const attrs = await client.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['All'] }));
    expect(attrs.Attributes!.VisibilityTimeout).toBe('5');
    expect(attrs.Attributes!.ApproximateNumberOfMessages).toBe('0');
  });

  it('purges a queue once per 60 seconds', async () => {
    const url = await queue('q');
    await client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'm' }));
    await client.send(new PurgeQueueCommand({ QueueUrl: url }));
    expect(sqs.state.queueByName('q')!.messages).toHaveLength(0);
    const err = await errorOf(client.send(new PurgeQueueCommand({ QueueUrl: url })));
    expect(err.name).toBe('PurgeQueueInProgress');
    expect(err.Code).toBe('AWS.SimpleQueueService.PurgeQueueInProgress');
  });

  it('refuses to re-create a queue with different attributes', async () => {
    await queue('q', { VisibilityTimeout: '10' });
    const err = await errorOf(queue('q', { VisibilityTimeout: '20' }));
    expect(err.name).toBe('QueueNameExists');
    expect(err.Code).toBe('QueueAlreadyExists');
  });

  it('records each call with its action and queue, and injects throttling and 5xx answers', async () => {
    const url = await queue('q');
    sqs.failNext('InternalError', 1, 'SendMessage');
    const err = await errorOf(client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'm' })));
    expect(err.name).toBe('InternalError');
    expect(sqs.state.requests.map((r) => [r.action, r.resource, r.status])).toEqual([
      ['CreateQueue', 'q', 200],
      ['SendMessage', url, 500],
    ]);
  });
});
