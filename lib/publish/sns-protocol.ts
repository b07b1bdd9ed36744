/**
 * Plugs the byte-level PublishBatch body (lib/publish/publish-batch-body.ts) into an SNSClient through the client's
 * protocol (`client.config.protocol`, which the SDK's serialization middleware calls for every request). Every
 * other operation, and everything else about PublishBatch (endpoint, headers, signing, retries, response and error
 * parsing), stays the SDK's.
 *
 * It is installed only when the client's protocol is exactly the SDK's `AwsQueryProtocol`, and used only after a
 * probe request serialized both ways came out byte-identical: if an SDK upgrade changes the protocol, the
 * schema or the encoding, the client keeps (or falls back to) the SDK's own serializer instead of sending
 * different bytes.
 */
import type { PublishBatchInput, SNSClient } from '@aws-sdk/client-sns';
import { AwsQueryProtocol } from '@aws-sdk/core/protocols';
import { publishBatchBody } from '#lib/publish/publish-batch-body';
import { parsePublishBatchResponse } from '#lib/publish/publish-batch-response';

const PUBLISH_BATCH = 'PublishBatch';

/** The operation's short name, read as AwsQueryProtocol reads it for `Action` (`com.amazonaws.sns#X` or `X`). */
function actionOf(operationSchema: OperationSchema | undefined): unknown {
  const name = operationSchema?.name;
  return typeof name === 'string' ? (name.split('#')[1] ?? name) : undefined;
}

/**
 * Every field and attribute type the publisher or a caller may send, with characters from each UTF-8 length, the
 * ones `encodeURIComponent` keeps but the SDK escapes (!'()*), and a null member the SDK skips.
 */
const PROBE: PublishBatchInput = {
  TopicArn: 'arn:aws:sns:us-east-1:111122223333:probe.fifo',
  PublishBatchRequestEntries: [
    {
      Id: 'a-1_b',
      Message: `{"k":"v w+x/y=z&q?!'()*~.-_"}\r\n\té€😀`,
      Subject: 'Sübject (1)',
      MessageStructure: 'json',
      MessageAttributes: {
        'str.name': { DataType: 'String', StringValue: 'ä b' },
        num: { DataType: 'Number', StringValue: '-1.5e3' },
        arr: { DataType: 'String.Array', StringValue: '["x",1,true,null]' },
        bin: { DataType: 'Binary', BinaryValue: new Uint8Array([0, 0xfb, 0xff, 0x3e, 0x3f]) },
        custom: { DataType: 'String.custom', StringValue: '' },
      },
      MessageDeduplicationId: 'dedup',
      MessageGroupId: 'group',
    },
    { Id: '2', Message: '', MessageAttributes: {} },
    { Id: '3', Message: 'm', Subject: undefined },
  ],
};

/** A success answer with both lists, every field, both SenderFault values and a Failed member without Message. */
const PROBE_RESPONSE = `<?xml version="1.0"?>
<PublishBatchResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/">
  <PublishBatchResult>
    <Successful>
      <member><Id>a-1_b</Id><MessageId>9f3c-é 😀</MessageId></member>
      <member>
        <SequenceNumber>10000000000000000000</SequenceNumber>
        <MessageId>m2</MessageId>
        <Id>2</Id>
      </member>
    </Successful>
    <Failed>
      <member><Id>3</Id><Code>InvalidParameter</Code><Message>Invalid parameter: Message too long</Message><SenderFault>true</SenderFault></member>
      <member><SenderFault>false</SenderFault><Id>4</Id><Code>InternalError</Code></member>
    </Failed>
  </PublishBatchResult>
  <ResponseMetadata><RequestId>0b6b1b52-2d3c-5b37-8a1a-7a2b9e1a0c4d</RequestId></ResponseMetadata>
</PublishBatchResponse>`;

type SerializeRequest = AwsQueryProtocol['serializeRequest'];
type OperationSchema = Parameters<SerializeRequest>[0];
type SerializeContext = Parameters<SerializeRequest>[2];
type DeserializeResponse = AwsQueryProtocol['deserializeResponse'];
type DeserializeContext = Parameters<DeserializeResponse>[1];
type HttpResponse = Parameters<DeserializeResponse>[2];
type MetadataBearer = Awaited<ReturnType<DeserializeResponse>>;
type ProtocolCtor = new (options: AwsQueryProtocol['options']) => AwsQueryProtocol;

let protocolClass: ProtocolCtor | undefined;

/** Defined on first use, so that a module without `AwsQueryProtocol` loads and falls back instead of throwing. */
function publishBatchProtocolClass(): ProtocolCtor {
  protocolClass ??= class PublishBatchQueryProtocol extends AwsQueryProtocol {
    /** Whether the probe came out byte-identical; settled once per client. */
    #agrees: Promise<boolean> | undefined;
    /** Whether the probe answer read the same both ways; settled once per client. */
    #readsAlike: Promise<boolean> | undefined;

    override async serializeRequest(
      operationSchema: OperationSchema,
      input: object,
      context: SerializeContext,
    ): ReturnType<SerializeRequest> {
      if (actionOf(operationSchema) === PUBLISH_BATCH && (await this.#probe(operationSchema, context))) {
        const body = publishBatchBody(input as PublishBatchInput, this.options.version);
        if (body !== undefined) {
          // The SDK's request with no members: endpoint, path, headers and `Action=PublishBatch&Version=...`.
          const request = await super.serializeRequest(operationSchema, {}, context);
          if (request.body === this.#envelope()) {
            request.body = body;
            return request;
          }
        }
      }
      return super.serializeRequest(operationSchema, input, context);
    }

    override async deserializeResponse<Output extends MetadataBearer>(
      operationSchema: OperationSchema,
      context: DeserializeContext,
      response: HttpResponse,
    ): Promise<Output> {
      if (
        response.statusCode < 300 &&
        actionOf(operationSchema) === PUBLISH_BATCH &&
        (await this.#responseProbe(operationSchema, context))
      ) {
        const bytes = await bodyBytes(response.body, context);
        const parsed = parsePublishBatchResponse(
          Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString(),
        );
        if (parsed !== undefined) {
          for (const header of Object.keys(response.headers)) {
            const value = response.headers[header] as string;
            delete response.headers[header];
            response.headers[header.toLowerCase()] = value;
          }
          return Object.assign(parsed, { $metadata: this.deserializeMetadata(response) }) as unknown as Output;
        }
        // Read already: the SDK's parser takes the bytes instead of the stream.
        response.body = bytes;
      }
      return super.deserializeResponse<Output>(operationSchema, context, response);
    }

    #responseProbe(operationSchema: OperationSchema, context: DeserializeContext): Promise<boolean> {
      this.#readsAlike ??= (async () => {
        const body = Buffer.from(PROBE_RESPONSE);
        const stock = await super.deserializeResponse(operationSchema, context, {
          statusCode: 200,
          headers: {},
          body: new Uint8Array(body.buffer, body.byteOffset, body.byteLength),
        } as HttpResponse);
        const { $metadata: _, ...fields } = stock as unknown as Record<string, unknown>;
        return JSON.stringify(fields) === JSON.stringify(parsePublishBatchResponse(PROBE_RESPONSE));
      })().catch(() => false); // Either parser threw on the probe: keep to the SDK's.
      return this.#readsAlike;
    }

    #envelope(): string {
      return `Action=PublishBatch&Version=${this.options.version}`;
    }

    #probe(operationSchema: OperationSchema, context: SerializeContext): Promise<boolean> {
      this.#agrees ??= (async () => {
        const stock = await super.serializeRequest(operationSchema, PROBE, context);
        const ours = publishBatchBody(PROBE, this.options.version);
        return typeof stock.body === 'string' && ours !== undefined && ours.equals(Buffer.from(stock.body, 'utf8'));
      })().catch(() => false); // Either serializer threw on the probe: keep to the SDK's.
      return this.#agrees;
    }
  };
  return protocolClass;
}

/** The whole answer body as bytes, as the SDK's `collectBody` reads it (a Uint8Array as it is, else the stream). */
async function bodyBytes(body: unknown, context: DeserializeContext): Promise<Uint8Array> {
  if (body instanceof Uint8Array) return body;
  if (!body) return new Uint8Array();
  return context.streamCollector(body);
}

/**
 * Gives `client` the byte-level PublishBatch serializer when its protocol is the SDK's AwsQueryProtocol; any other
 * protocol (another SDK version's, a test's) is left as it is. Returns the client.
 */
export function usePublishBatchSerializer<C extends SNSClient>(client: C): C {
  const config = client.config as unknown as { protocol?: unknown };
  const stock = config.protocol;
  if (
    typeof AwsQueryProtocol !== 'function' ||
    !(stock instanceof AwsQueryProtocol) ||
    stock.constructor !== AwsQueryProtocol ||
    typeof stock.options?.version !== 'string'
  )
    return client;
  const protocol = new (publishBatchProtocolClass())(stock.options);
  protocol.setSerdeContext(client.config);
  config.protocol = protocol;
  return client;
}
