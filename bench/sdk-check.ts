/**
 * The `pipeline-sdk` contestant must publish exactly what `pipeline` publishes: before timing, both run once over
 * the batch with their requests kept; the SDK's signed form bodies are decoded and compared with the
 * PublishBatchCommand inputs the in-process sink received, request by request and entry by entry.
 */
import type { MessageAttributeValue, PublishBatchInput } from '@aws-sdk/client-sns';
import type { CapturedRequest } from './sdk-sink';

/** A request reduced to what SNS acts on, in a form both sides produce. */
interface Published {
  topicArn: string;
  entries: Array<{ id: string; message: string; attributes: Array<[string, string, string]> }>;
}

function attributeText(value: MessageAttributeValue): string {
  if (value.StringValue !== undefined) return value.StringValue;
  return Buffer.from(value.BinaryValue ?? new Uint8Array()).toString('base64');
}

function fromInput(input: PublishBatchInput): Published {
  return {
    topicArn: input.TopicArn ?? '',
    entries: (input.PublishBatchRequestEntries ?? []).map((e) => ({
      id: e.Id ?? '',
      message: e.Message ?? '',
      attributes: Object.entries(e.MessageAttributes ?? {}).map(([name, v]) => [
        name,
        v.DataType ?? '',
        attributeText(v),
      ]),
    })),
  };
}

/** Decodes an awsQuery PublishBatch form body (`PublishBatchRequestEntries.member.N.*`, attributes `entry.N.*`). */
export function decodePublishBatchBody(body: Buffer): Published {
  const params = new URLSearchParams(body.toString('latin1'));
  if (params.get('Action') !== 'PublishBatch') throw new Error(`not a PublishBatch: ${params.get('Action')}`);
  const entries: Published['entries'] = [];
  for (let n = 1; params.has(`PublishBatchRequestEntries.member.${n}.Id`); n++) {
    const p = `PublishBatchRequestEntries.member.${n}.`;
    const attributes: Array<[string, string, string]> = [];
    for (let a = 1; params.has(`${p}MessageAttributes.entry.${a}.Name`); a++) {
      const q = `${p}MessageAttributes.entry.${a}.`;
      attributes.push([
        params.get(`${q}Name`) ?? '',
        params.get(`${q}Value.DataType`) ?? '',
        params.get(`${q}Value.StringValue`) ?? params.get(`${q}Value.BinaryValue`) ?? '',
      ]);
    }
    entries.push({ id: params.get(`${p}Id`) ?? '', message: params.get(`${p}Message`) ?? '', attributes });
  }
  return { topicArn: params.get('TopicArn') ?? '', entries };
}

const keyOf = (p: Published) => `${p.topicArn} ${p.entries.map((e) => e.id).join(',')}`;

/**
 * Throws unless both sides sent the same requests (matched by topic and entry Ids: the order in which concurrent
 * requests reach a client may differ) with the same entries, and every SDK request was signed.
 * Returns the number of requests compared.
 */
export function assertSameRequests(sink: PublishBatchInput[], sdk: CapturedRequest[]): number {
  if (sink.length !== sdk.length)
    throw new Error(`pipeline-sdk sent ${sdk.length} PublishBatch requests, pipeline ${sink.length}`);
  const expected = new Map(sink.map((input) => [keyOf(fromInput(input)), fromInput(input)]));
  for (const request of sdk) {
    if (!request.authorization?.startsWith('AWS4-HMAC-SHA256 '))
      throw new Error('pipeline-sdk sent a request without a SigV4 signature');
    const got = decodePublishBatchBody(request.body);
    const want = expected.get(keyOf(got));
    if (want === undefined) throw new Error(`pipeline-sdk sent a request pipeline did not: ${keyOf(got)}`);
    if (JSON.stringify(got) !== JSON.stringify(want))
      throw new Error(`pipeline-sdk's request for ${keyOf(got)} differs from pipeline's`);
    expected.delete(keyOf(got));
  }
  return sdk.length;
}
