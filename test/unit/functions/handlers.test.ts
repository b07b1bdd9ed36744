import { PublishBatchCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import type { Context } from 'aws-lambda';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createRuntime, setRuntime } from '#lib/runtime';
import { loadEvent } from '#test/support/fixtures';
import { handler as eventBridgeHandler } from '../../../functions/route-eventbridge';
import { handler as snsHandler } from '../../../functions/route-sns';
import { handler as sqsHandler } from '../../../functions/route-sqs';

const sns = mockClient(SNSClient);
// Module-level stubs patch the client class for the whole process: give it back for the files that follow.
afterAll(() => {
  sns.restore();
});
const context = {
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:888888888888:function:ses-notification-bridge-dev-route-sqs',
} as Context;
const env = {
  ROUTES_FILE: 'config/routes.example.json',
  PARKING_TOPIC: 'bridge-parking',
  BRIDGE_PUBLISH: 'sns',
  AWS_REGION: 'us-east-1',
};

/** Answers PublishBatch: every entry ok, except those for topics in `failing`, which fail (SenderFault false). */
function answerPublishBatch(failing: string[] = []) {
  sns.on(PublishBatchCommand).callsFake((input) => {
    const entries = input.PublishBatchRequestEntries as Array<{ Id: string }>;
    if (failing.includes(input.TopicArn)) {
      return {
        Successful: [],
        Failed: entries.map((e) => ({ Id: e.Id, Code: 'InternalError', SenderFault: false, Message: 'test' })),
      };
    }
    return { Successful: entries.map((e) => ({ Id: e.Id, MessageId: `m-${e.Id}` })), Failed: [] };
  });
}

const publishedTo = () =>
  sns
    .commandCalls(PublishBatchCommand)
    .flatMap((c) => (c.args[0].input.PublishBatchRequestEntries ?? []).map(() => c.args[0].input.TopicArn));

beforeEach(() => {
  sns.reset();
  const runtime = createRuntime(env, context.invokedFunctionArn);
  // No real waiting between retries in unit tests.
  setRuntime(runtime);
});
afterEach(() => setRuntime(undefined));

describe('route-sqs', () => {
  it('publishes each record to its delegate and reports no failures', async () => {
    answerPublishBatch();
    const result = await sqsHandler(loadEvent('sqs/multi-delegate-batch.json'), context);
    expect(result).toEqual({ batchItemFailures: [] });
    expect(sns).toHaveReceivedCommandWith(PublishBatchCommand, {
      TopicArn: 'arn:aws:sns:us-east-1:111122223333:acme-ses-feedback',
    });
    expect(publishedTo().sort()).toEqual([
      ...Array(3).fill('arn:aws:sns:us-east-1:111122223333:acme-ses-feedback'),
      ...Array(3).fill('arn:aws:sns:us-east-1:444455556666:billing-ses-events'),
      'arn:aws:sns:us-east-1:888888888888:example-com-feedback',
    ]);
  });

  it('parks bad records on the parking topic (completed with the function account) instead of retrying them', async () => {
    answerPublishBatch();
    const event = loadEvent('sqs/with-bad-records.json');
    expect(await sqsHandler(event, context)).toEqual({ batchItemFailures: [] });
    const parking = sns
      .commandCalls(PublishBatchCommand)
      .find((c) => c.args[0].input.TopicArn === 'arn:aws:sns:us-east-1:888888888888:bridge-parking');
    expect(parking?.args[0].input.PublishBatchRequestEntries?.map((e) => JSON.parse(e.Message!).code)).toEqual([
      'invalid_json',
      'not_ses',
      'invalid_record',
      'not_ses',
    ]);
  });

  it('returns only the failed messages as batch item failures', async () => {
    const billing = 'arn:aws:sns:us-east-1:444455556666:billing-ses-events';
    answerPublishBatch([billing]);
    const runtime = createRuntime(env, context.invokedFunctionArn);
    setRuntime(runtime);
    const event = loadEvent('sqs/multi-delegate-batch.json');
    const result = await sqsHandler(event, context);
    expect(result.batchItemFailures).toEqual([3, 4, 5].map((i) => ({ itemIdentifier: event.Records[i].messageId })));
  }, 60_000);
});

describe('route-sns and route-eventbridge', () => {
  it('route-sns delivers and reports counts', async () => {
    answerPublishBatch();
    expect(await snsHandler(loadEvent('sns/multi-delegate-bounce.json'), context)).toEqual({
      delivered: 1,
      parked: 0,
      skipped: 0,
      dropped: 0,
      suppressed: 0,
    });
  });

  it('route-sns counts a delivery skipped for its format as skipped, as its log line does', async () => {
    answerPublishBatch();
    // The example routes send the AWS example sender's feedback in the notification format, which has no Open.
    expect(await snsHandler(loadEvent('sns/event-open.json'), context)).toEqual({
      delivered: 0,
      parked: 0,
      skipped: 1,
      dropped: 0,
      suppressed: 0,
    });
  });

  it('route-sns throws so Lambda retries the event when a delivery can still succeed', async () => {
    answerPublishBatch(['arn:aws:sns:us-east-1:111122223333:acme-ses-feedback']);
    await expect(snsHandler(loadEvent('sns/multi-delegate-bounce.json'), context)).rejects.toThrow(
      '1 of 1 records could not be delivered yet; Lambda will retry the event',
    );
  }, 60_000);

  it('route-eventbridge routes an SES event and ignores the rest of aws.ses', async () => {
    answerPublishBatch();
    expect(await eventBridgeHandler(loadEvent('eventbridge/bounce.json'), context)).toEqual({
      delivered: 1,
      parked: 0,
      skipped: 0,
      dropped: 0,
      suppressed: 0,
    });
    const status = loadEvent('eventbridge/bounce.json');
    status['detail-type'] = 'Sending Status Enabled';
    expect(await eventBridgeHandler(status, context)).toEqual({
      delivered: 0,
      parked: 0,
      skipped: 1,
      dropped: 0,
      suppressed: 0,
    });
  });
});

const PARKING_ARN = 'arn:aws:sns:us-east-1:888888888888:bridge-parking';

/** A Firehose event of the sample records with one record that is not SES JSON (poison) in the middle. */
function firehoseWithPoison() {
  const event = loadEvent('firehose/all-event-types.json');
  const poison = { ...event.records[0], recordId: 'poison-1', data: Buffer.from('not json at all').toString('base64') };
  event.records.splice(1, 0, poison);
  return event;
}

describe('route-firehose', () => {
  it('hands back a record SNS refuses to park, for good, as ProcessingFailed and the others as Ok, without retrying', async () => {
    sns.on(PublishBatchCommand).callsFake((input) => {
      const entries = input.PublishBatchRequestEntries as Array<{ Id: string }>;
      if (input.TopicArn === PARKING_ARN)
        return {
          Successful: [],
          Failed: entries.map((e) => ({ Id: e.Id, Code: 'InvalidParameter', SenderFault: true, Message: 'refused' })),
        };
      return { Successful: entries.map((e) => ({ Id: e.Id, MessageId: `m-${e.Id}` })), Failed: [] };
    });
    const { handler } = await import('../../../functions/route-firehose');
    const event = firehoseWithPoison();
    const result = await handler(event, context);
    expect(result.records.map((r) => [r.recordId, r.result])).toEqual(
      event.records.map((r: any) => [r.recordId, r.recordId === 'poison-1' ? 'ProcessingFailed' : 'Ok']),
    );
    // Data handed back unchanged: Firehose keeps the record as it came.
    expect(result.records.map((r) => r.data)).toEqual(event.records.map((r: any) => r.data));
  });

  it('throws, so Firehose retries the batch, when parking failed in a way a retry may fix', async () => {
    answerPublishBatch([PARKING_ARN]);
    const { handler } = await import('../../../functions/route-firehose');
    await expect(handler(firehoseWithPoison(), context)).rejects.toThrow(/could not be parked/);
  });

  it('routes every record and hands each back unchanged', async () => {
    answerPublishBatch();
    const { handler } = await import('../../../functions/route-firehose');
    const event = loadEvent('firehose/all-event-types.json');
    const result = await handler(event, context);
    expect(result.records).toEqual(
      event.records.map((r: any) => ({ recordId: r.recordId, result: 'Ok', data: r.data })),
    );
    // The aws-doc-sender route takes all ten records in the notification format: three types legacy carried.
    expect(publishedTo()).toEqual(Array(3).fill('arn:aws:sns:us-east-1:123456789012:legacy-feedback'));
  });
});
