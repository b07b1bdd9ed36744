import {
  type MessageAttributeValue,
  PublishBatchCommand,
  type PublishBatchInput,
  type PublishBatchRequestEntry,
  SNSClient,
} from '@aws-sdk/client-sns';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { publishBatchBody } from '#lib/publish/publish-batch-body';
import { usePublishBatchSerializer } from '#lib/publish/sns-protocol';
import { SNS_MAX_PAYLOAD_BYTES } from '#lib/publish/types';

/** A request handler that keeps what it is given and answers nothing: the body is all these tests look at. */
function capturingClient(fast: boolean): { client: SNSClient; bodies: unknown[] } {
  const bodies: unknown[] = [];
  const requestHandler = {
    handle: async (request: { body: unknown }) => {
      bodies.push(request.body);
      throw Object.assign(new Error('captured'), { name: 'Captured' });
    },
    updateHttpClientConfig() {},
    httpHandlerConfigs: () => ({}),
    destroy() {},
  };
  const client = new SNSClient({
    region: 'eu-west-1',
    credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' },
    maxAttempts: 1,
    requestHandler,
  });
  return { client: fast ? usePublishBatchSerializer(client) : client, bodies };
}

const stock = capturingClient(false);
const fast = capturingClient(true);

/** The body each client sends for `input`, or the error it throws before sending. */
async function bodyOf(side: { client: SNSClient; bodies: unknown[] }, input: PublishBatchInput): Promise<unknown> {
  side.bodies.length = 0;
  try {
    await side.client.send(new PublishBatchCommand(input));
  } catch (err) {
    if ((err as Error).name !== 'Captured') return err;
  }
  return side.bodies[0];
}

/** Sends `input` through both clients; the fast one must have written bytes, equal to the SDK's string. */
async function expectSameBytes(input: PublishBatchInput): Promise<void> {
  const expected = await bodyOf(stock, input);
  const actual = await bodyOf(fast, input);
  expect(typeof expected).toBe('string');
  expect(actual).toBeInstanceOf(Uint8Array);
  expect(Buffer.from(actual as Uint8Array).toString('latin1')).toBe(expected);
}

// Characters the encoders treat differently: unreserved, reserved, escaped by the SDK but not by
// encodeURIComponent (!'()*), controls, and 2-, 3- and 4-byte UTF-8 (astral characters are surrogate pairs).
const tricky = fc.constantFrom(
  ...'aZ09-_.~!\'()*% &=+/?#;:,@[]{}"\\\r\n\t\u0000é€\u{10FFFF}😀\u{1F3F3}\uFEFF\u2028'.split(/(?:)/u),
);
const text = fc
  .array(fc.oneof(fc.string({ unit: 'binary' }), fc.string({ unit: tricky }), fc.string()), { maxLength: 4 })
  .map((parts) => parts.join(''));

const attribute: fc.Arbitrary<MessageAttributeValue> = fc.oneof(
  text.map((v) => ({ DataType: 'String', StringValue: v })),
  fc.array(fc.oneof(text, fc.double({ noNaN: true }), fc.boolean(), fc.constant(null)), { maxLength: 4 }).map((v) => ({
    DataType: 'String.Array',
    StringValue: JSON.stringify(v),
  })),
  fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true })).map((v) => ({
    DataType: 'Number',
    StringValue: String(v),
  })),
  fc.uint8Array({ maxLength: 40 }).map((v) => ({ DataType: 'Binary', BinaryValue: v })),
  fc.tuple(text, text).map(([suffix, v]) => ({ DataType: `String.${suffix}`, StringValue: v })),
);

const entry = (id: string): fc.Arbitrary<PublishBatchRequestEntry> =>
  fc.record(
    {
      Id: fc.constant(id),
      Message: text,
      Subject: text,
      MessageStructure: fc.constant('json'),
      MessageAttributes: fc.dictionary(fc.oneof(text, fc.stringMatching(/^[A-Za-z0-9_.-]{1,20}$/)), attribute, {
        maxKeys: 6,
      }),
      MessageDeduplicationId: fc.stringMatching(/^[A-Za-z0-9!-~]{1,20}$/),
      MessageGroupId: text,
    },
    { requiredKeys: ['Id', 'Message'] },
  );

const batch: fc.Arbitrary<PublishBatchInput> = fc
  .integer({ min: 1, max: 10 })
  .chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => entry(`e-${i}_${n}`))))
  .chain((entries) =>
    text.map((name) => ({
      TopicArn: `arn:aws:sns:eu-west-1:111122223333:${name}`,
      PublishBatchRequestEntries: entries,
    })),
  );

describe('the byte-level PublishBatch body', () => {
  it('is byte-identical to the SDK’s own serializer for random batches', async () => {
    await fc.assert(fc.asyncProperty(batch, expectSameBytes), { numRuns: 300 });
  });

  it('is byte-identical at the 256 KiB edge: one message of astral, 3-byte and escaped characters, and ten of a tenth', async () => {
    const unit = '😀€é(a)'; // 4 + 3 + 2 + 3 x 3 bytes (the parentheses and the letter are 1 byte each, escaped or not)
    const big = unit.repeat(Math.floor(SNS_MAX_PAYLOAD_BYTES / Buffer.byteLength(unit)));
    const message = big + 'x'.repeat(SNS_MAX_PAYLOAD_BYTES - Buffer.byteLength(big));
    expect(Buffer.byteLength(message)).toBe(SNS_MAX_PAYLOAD_BYTES);
    await expectSameBytes({
      TopicArn: 'arn:aws:sns:eu-west-1:1:t',
      PublishBatchRequestEntries: [{ Id: '0', Message: message }],
    });
    const tenth = message.slice(0, Math.floor(message.length / 10));
    await expectSameBytes({
      TopicArn: 'arn:aws:sns:eu-west-1:1:t',
      PublishBatchRequestEntries: Array.from({ length: 10 }, (_, i) => ({
        Id: String(i),
        Message: tenth,
        MessageAttributes: { bridge: { DataType: 'String', StringValue: tenth.slice(0, 100) } },
      })),
    });
  });

  it('skips null members and attributes as the SDK does, and keeps the order of the attribute object', async () => {
    await expectSameBytes({
      TopicArn: 'arn:aws:sns:eu-west-1:1:t',
      PublishBatchRequestEntries: [
        {
          Id: '1',
          Message: 'm',
          Subject: undefined,
          MessageAttributes: {
            z: { DataType: 'String', StringValue: 'last' },
            a: undefined as unknown as MessageAttributeValue,
            m: { DataType: 'Binary', BinaryValue: new Uint8Array(0) },
          },
        },
        { Id: '2', Message: '', MessageAttributes: {} },
      ],
    });
  });

  it('leaves to the SDK what it does not know: a lone surrogate, a field that is not a string, no entries', () => {
    const topic = 'arn:aws:sns:eu-west-1:1:t';
    expect(
      publishBatchBody({ TopicArn: topic, PublishBatchRequestEntries: [{ Id: '1', Message: 'a\uD800b' }] }, 'v'),
    ).toBe(undefined);
    expect(
      publishBatchBody({ TopicArn: topic, PublishBatchRequestEntries: [{ Id: '1', Message: '\uDC00' }] }, 'v'),
    ).toBe(undefined);
    const numericId = { Id: 7, Message: 'm' } as unknown as PublishBatchRequestEntry;
    expect(publishBatchBody({ TopicArn: topic, PublishBatchRequestEntries: [numericId] }, 'v')).toBe(undefined);
    const stringBinary = { DataType: 'Binary', BinaryValue: 'AAE=' } as unknown as MessageAttributeValue;
    expect(
      publishBatchBody(
        {
          TopicArn: topic,
          PublishBatchRequestEntries: [{ Id: '1', Message: 'm', MessageAttributes: { b: stringBinary } }],
        },
        'v',
      ),
    ).toBe(undefined);
    expect(publishBatchBody({ TopicArn: topic, PublishBatchRequestEntries: [] }, 'v')).toBe(undefined);
  });

  it('sends what the SDK sends for those inputs, through the SDK: the same error or the same body', async () => {
    const topic = 'arn:aws:sns:eu-west-1:1:t';
    const lone = { TopicArn: topic, PublishBatchRequestEntries: [{ Id: '1', Message: 'a\uD800b' }] };
    const stockError = await bodyOf(stock, lone);
    const fastError = await bodyOf(fast, lone);
    expect(stockError).toBeInstanceOf(URIError);
    expect(fastError).toBeInstanceOf(URIError);
    expect((fastError as Error).message).toBe((stockError as Error).message);
    for (const input of [
      { TopicArn: topic, PublishBatchRequestEntries: [] },
      { TopicArn: topic, PublishBatchRequestEntries: [{ Id: 7, Message: 'm' } as unknown as PublishBatchRequestEntry] },
    ])
      expect(await bodyOf(fast, input)).toBe(await bodyOf(stock, input));
  });
});
