import { PublishBatchCommand, type PublishBatchInput, SNSClient } from '@aws-sdk/client-sns';
import { AwsJson1_0Protocol, AwsQueryProtocol } from '@aws-sdk/core/protocols';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { configureClients, resetClientSettings, snsClient } from '#lib/aws-clients';
import { usePublishBatchSerializer } from '#lib/publish/sns-protocol';

const INPUT: PublishBatchInput = {
  TopicArn: 'arn:aws:sns:eu-west-1:111122223333:t',
  PublishBatchRequestEntries: [
    { Id: '0', Message: '{"a":"b (c)"}', MessageAttributes: { k: { DataType: 'String', StringValue: 'v' } } },
  ],
};
const STOCK_BODY =
  'Action=PublishBatch&Version=2010-03-31&TopicArn=arn%3Aaws%3Asns%3Aeu-west-1%3A111122223333%3At' +
  '&PublishBatchRequestEntries.member.1.Id=0&PublishBatchRequestEntries.member.1.Message=%7B%22a%22%3A%22b%20%28c%29%22%7D' +
  '&PublishBatchRequestEntries.member.1.MessageAttributes.entry.1.Name=k' +
  '&PublishBatchRequestEntries.member.1.MessageAttributes.entry.1.Value.DataType=String' +
  '&PublishBatchRequestEntries.member.1.MessageAttributes.entry.1.Value.StringValue=v';

/** What the request handler was given: the body as sent, and the headers that sign it. */
interface Sent {
  body: unknown;
  headers: Record<string, string>;
}

function capturing(config: Record<string, unknown> = {}): { client: SNSClient; sent: Sent[] } {
  const sent: Sent[] = [];
  const client = new SNSClient({
    region: 'eu-west-1',
    credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' },
    maxAttempts: 1,
    requestHandler: {
      handle: async (request: Sent) => {
        sent.push(request);
        throw Object.assign(new Error('captured'), { name: 'Captured' });
      },
      updateHttpClientConfig() {},
      httpHandlerConfigs: () => ({}),
      destroy() {},
    },
    ...config,
  });
  return { client, sent };
}

async function send(client: SNSClient, input: PublishBatchInput = INPUT): Promise<void> {
  await expect(client.send(new PublishBatchCommand(input))).rejects.toThrow('captured');
}

const text = (body: unknown) => (typeof body === 'string' ? body : Buffer.from(body as Uint8Array).toString('latin1'));

afterEach(() => {
  vi.restoreAllMocks();
  resetClientSettings();
});

describe('the PublishBatch serializer plugged into the SNS client', () => {
  it('sends the SDK’s bytes, signed the same way, and leaves other operations to the SDK', async () => {
    const fast = capturing();
    usePublishBatchSerializer(fast.client);
    const stock = capturing();
    await send(fast.client);
    await send(stock.client);
    expect(fast.sent[0]?.body).toBeInstanceOf(Uint8Array);
    expect(text(fast.sent[0]?.body)).toBe(STOCK_BODY);
    expect(stock.sent[0]?.body).toBe(STOCK_BODY);
    // Same bytes, same payload hash, same content length: the signature differs only by its timestamp.
    expect(fast.sent[0]?.headers['x-amz-content-sha256']).toBe(stock.sent[0]?.headers['x-amz-content-sha256']);
    expect(fast.sent[0]?.headers['content-length']).toBe(String(Buffer.byteLength(STOCK_BODY)));
    expect(fast.sent[0]?.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDTEST\//);
  });

  it('is what snsClient builds, with the middleware stack cached', () => {
    configureClients({ credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' } });
    const client = snsClient('eu-west-1');
    expect(client.config.protocol).toBeInstanceOf(AwsQueryProtocol);
    expect(client.config.protocol.constructor).not.toBe(AwsQueryProtocol);
    expect(client.config.cacheMiddleware).toBe(true);
  });

  it('leaves a client alone whose protocol is not the SDK’s AwsQueryProtocol (another SDK version, another protocol)', async () => {
    class OtherQueryProtocol extends AwsQueryProtocol {}
    for (const protocol of [OtherQueryProtocol, AwsJson1_0Protocol]) {
      const { client } = capturing({ protocol });
      const before = client.config.protocol;
      expect(usePublishBatchSerializer(client)).toBe(client);
      expect(client.config.protocol).toBe(before);
    }
    const other = capturing({ protocol: OtherQueryProtocol });
    usePublishBatchSerializer(other.client);
    await send(other.client);
    expect(other.sent[0]?.body).toBe(STOCK_BODY);
  });

  it('falls back to the SDK’s serializer for good when the SDK writes the probe differently (a changed serializer)', async () => {
    const original = AwsQueryProtocol.prototype.serializeRequest;
    const changed = vi.spyOn(AwsQueryProtocol.prototype, 'serializeRequest').mockImplementation(async function (
      this: AwsQueryProtocol,
      ...args
    ) {
      const request = await original.apply(this, args);
      request.body = `${request.body}&NewMember=1`;
      return request;
    });
    const { client, sent } = capturing();
    usePublishBatchSerializer(client);
    await send(client);
    await send(client);
    expect(sent.map((s) => s.body)).toEqual([`${STOCK_BODY}&NewMember=1`, `${STOCK_BODY}&NewMember=1`]);
    // The probe ran once: then every request went straight to the SDK's serializer.
    expect(changed.mock.calls.filter(([, input]) => input !== INPUT).length).toBe(1);
  });

  it('falls back to the SDK’s serializer when the SDK’s request with no members is not the bare Action and Version', async () => {
    const original = AwsQueryProtocol.prototype.serializeRequest;
    vi.spyOn(AwsQueryProtocol.prototype, 'serializeRequest').mockImplementation(async function (
      this: AwsQueryProtocol,
      ...args
    ) {
      const request = await original.apply(this, args);
      if (request.body === 'Action=PublishBatch&Version=2010-03-31') request.body = `${request.body}&Empty=`;
      return request;
    });
    const { client, sent } = capturing();
    usePublishBatchSerializer(client);
    await send(client);
    expect(sent[0]?.body).toBe(STOCK_BODY);
  });

  it('falls back when the SDK’s serializer refuses the probe', async () => {
    const original = AwsQueryProtocol.prototype.serializeRequest;
    vi.spyOn(AwsQueryProtocol.prototype, 'serializeRequest').mockImplementation(async function (
      this: AwsQueryProtocol,
      ...args
    ) {
      if (args[1] !== INPUT && (args[1] as PublishBatchInput).PublishBatchRequestEntries?.length === 3)
        throw new Error('new validation');
      return original.apply(this, args);
    });
    const { client, sent } = capturing();
    usePublishBatchSerializer(client);
    await send(client);
    expect(sent[0]?.body).toBe(STOCK_BODY);
  });
});
