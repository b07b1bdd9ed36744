/**
 * The SNS test server refuses message attributes as SNS does (developer guide, sns-message-attributes), answering
 * ParameterValueInvalid, which @aws-sdk/client-sns raises as InvalidParameterValueException: a test double more
 * lenient than SNS would let the bridge pass tests with attributes SNS refuses.
 */
import { type MessageAttributeValue, PublishBatchCommand, PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeSns, startFakeSns } from '#test/support/fake-sns-server';

let fake: FakeSns;
let client: SNSClient;
let topicArn: string;

beforeAll(async () => {
  fake = await startFakeSns();
  topicArn = fake.state.createTopic('attributes').arn;
  client = new SNSClient({ ...fake.clientConfig('us-east-1'), maxAttempts: 1 });
});
afterAll(async () => {
  client.destroy();
  await fake.close();
});

async function publish(attribute: MessageAttributeValue) {
  return client
    .send(new PublishCommand({ TopicArn: topicArn, Message: 'm', MessageAttributes: { a: attribute } }))
    .then(
      () => 'accepted',
      (err: any) => ({ name: err.name, message: err.message, status: err.$metadata?.httpStatusCode }),
    );
}

const refused = (message: string) => ({ name: 'InvalidParameterValueException', message, status: 400 });

describe('message attributes the SNS test server refuses, as SNS does', () => {
  it('a Number that does not parse', async () => {
    expect(await publish({ DataType: 'Number', StringValue: 'abc' })).toEqual(
      refused("Could not cast message attribute 'a' value to number."),
    );
    expect(await publish({ DataType: 'Number', StringValue: '1.2.3' })).toEqual(
      refused("Could not cast message attribute 'a' value to number."),
    );
  });

  it('a Number with more than 38 digits of precision', async () => {
    const value = '1'.repeat(39);
    expect(await publish({ DataType: 'Number', StringValue: value })).toEqual(
      refused(`Message attribute 'a' number value [${value}] must have less than 38 precision digits.`),
    );
  });

  it('a Number outside 10^-128 to 10^126', async () => {
    expect(await publish({ DataType: 'Number', StringValue: '1e127' })).toEqual(
      refused("Message attribute 'a' number value [1e127] scale must be 10^-128 and 10^126."),
    );
  });

  it('an empty String or Number value', async () => {
    expect(await publish({ DataType: 'String', StringValue: '' })).toEqual(
      refused(
        "The message attribute 'a' must contain non-empty message attribute value for message attribute type 'String'.",
      ),
    );
    expect(await publish({ DataType: 'Number', StringValue: '' })).toEqual(
      refused(
        "The message attribute 'a' must contain non-empty message attribute value for message attribute type 'Number'.",
      ),
    );
  });

  it('a data type other than String, String.Array, Number or Binary', async () => {
    expect(await publish({ DataType: 'Integer', StringValue: '1' })).toEqual(
      refused(
        "The message attribute 'a' has an invalid message attribute type, the set of supported type prefixes is Binary, Number, and String.",
      ),
    );
  });

  it('accepts numbers SNS accepts, String.Array and custom type suffixes', async () => {
    for (const value of ['0', '-12', '+3.5', '.5', '6.02e23', '1e-128', `${'9'.repeat(38)}`])
      expect(await publish({ DataType: 'Number', StringValue: value }), value).toBe('accepted');
    expect(await publish({ DataType: 'Number.float', StringValue: '1.5' })).toBe('accepted');
    expect(await publish({ DataType: 'String.Array', StringValue: '["a","b"]' })).toBe('accepted');
    expect(await publish({ DataType: 'String.custom', StringValue: 'x' })).toBe('accepted');
    expect(await publish({ DataType: 'Binary', BinaryValue: Buffer.from('x') })).toBe('accepted');
  });

  it('fails only the batch entry whose attribute is refused', async () => {
    const out = await client.send(
      new PublishBatchCommand({
        TopicArn: topicArn,
        PublishBatchRequestEntries: [
          { Id: 'good', Message: 'm', MessageAttributes: { n: { DataType: 'Number', StringValue: '1' } } },
          { Id: 'bad', Message: 'm', MessageAttributes: { n: { DataType: 'Number', StringValue: 'one' } } },
        ],
      }),
    );
    expect(out.Successful?.map((s) => s.Id)).toEqual(['good']);
    expect(out.Failed).toEqual([
      {
        Id: 'bad',
        Code: 'ParameterValueInvalid',
        SenderFault: true,
        Message: "Could not cast message attribute 'n' value to number.",
      },
    ]);
  });
});
