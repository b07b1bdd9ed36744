/**
 * SNS through the real SDK, minus the network: an SNSClient built with the bridge's own client configuration
 * (lib/aws-clients.ts: serializer, signing, retry and endpoint middleware, XML response parsing) whose request
 * handler does no I/O. It answers every PublishBatch with the awsQuery XML SNS sends on success, one `Successful`
 * member per entry `Id` found in the signed request body. What the `pipeline-sdk` contestant measures over
 * `pipeline` is the SDK's share of publishing.
 */
import { SNSClient } from '@aws-sdk/client-sns';
import { snsClientConfig } from '#lib/aws-clients';
import type { SnsSender } from '#lib/publish/sns';
import { usePublishBatchSerializer } from '#lib/publish/sns-protocol';

/** Never sent anywhere: the request handler answers in process. */
const BENCH_CREDENTIALS = { accessKeyId: 'AKIDBENCHMARK', secretAccessKey: 'bench-secret' } as const;

const XMLNS = 'http://sns.amazonaws.com/doc/2010-03-31/';
// Values encode `&` as %26, so this is always a key; a long pattern lets indexOf skip through the messages fast.
const ENTRY_KEY = '&PublishBatchRequestEntries.member.';

export interface SdkSinkStats {
  requests: number;
  entries: number;
  /** Form body bytes signed and "sent". */
  bodyBytes: number;
}

/** What a request handler receives: the fields this one reads. */
interface SignedRequest {
  method: string;
  headers: Record<string, string>;
  body: unknown;
}

/** A request as sent: its form body (the SDK's bytes) and its signature headers. */
export interface CapturedRequest {
  body: Buffer;
  authorization: string | undefined;
}

export interface SdkSinkOptions {
  /** Keeps every request's body (for the equality check before timing); off while timing. */
  capture?: boolean;
}

/** The body as the SDK hands it over: a string (stock serializer) or bytes. Form bodies are ASCII. */
function bodyOf(body: unknown): string | Buffer {
  if (typeof body === 'string') return body;
  if (body instanceof Uint8Array) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  throw new Error(`pipeline-sdk: unexpected request body type ${typeof body}`);
}

/** The entry Ids of a PublishBatch form body, in order, found without decoding the body. */
function entryIds(body: string | Buffer): string[] {
  const ids: string[] = [];
  for (let at = body.indexOf(ENTRY_KEY); at !== -1; at = body.indexOf(ENTRY_KEY, at)) {
    const dot = body.indexOf('.', at + ENTRY_KEY.length); // after `N`
    if (dot === -1) break;
    const field = dot + 1;
    at = field;
    if (!isIdKey(body, field)) continue;
    let end = body.indexOf('&', field + 3);
    if (end === -1) end = body.length;
    ids.push(typeof body === 'string' ? body.slice(field + 3, end) : body.toString('latin1', field + 3, end));
  }
  return ids;
}

/** Whether the key's field at `at` is `Id=`. */
function isIdKey(body: string | Buffer, at: number): boolean {
  if (typeof body === 'string') return body.startsWith('Id=', at);
  return body[at] === 0x49 && body[at + 1] === 0x64 && body[at + 2] === 0x3d;
}

const ACTION = 'Action=PublishBatch&';

/** The awsQuery success answer of PublishBatch: every entry accepted. Ids are form-encoded [A-Za-z0-9_-]: no escaping. */
function publishBatchXml(ids: string[], request: number): string {
  let members = '';
  for (let i = 0; i < ids.length; i++)
    members += `<member><Id>${ids[i]}</Id><MessageId>bench-${request}-${i}</MessageId></member>`;
  return `<?xml version="1.0"?>\n<PublishBatchResponse xmlns="${XMLNS}"><PublishBatchResult><Successful>${members}</Successful><Failed/></PublishBatchResult><ResponseMetadata><RequestId>bench-${request}</RequestId></ResponseMetadata></PublishBatchResponse>\n`;
}

/** An SNSClient configured as the bridge configures it, answering in process. */
export function createSdkSinkClient(
  region: string,
  options: SdkSinkOptions = {},
): { client: SnsSender; stats: SdkSinkStats; captured: CapturedRequest[]; destroy: () => void } {
  const stats: SdkSinkStats = { requests: 0, entries: 0, bodyBytes: 0 };
  const captured: CapturedRequest[] = [];
  const requestHandler = {
    metadata: { handlerProtocol: 'http/1.1' },
    async handle(request: SignedRequest) {
      const body = bodyOf(request.body);
      if (body.indexOf(ACTION) !== 0) throw new Error(`pipeline-sdk: not a PublishBatch: ${body.slice(0, 40)}`);
      const ids = entryIds(body);
      stats.requests++;
      stats.entries += ids.length;
      stats.bodyBytes += body.length;
      if (options.capture)
        captured.push({
          body: typeof body === 'string' ? Buffer.from(body, 'latin1') : Buffer.from(body),
          authorization: request.headers.authorization,
        });
      const xml = publishBatchXml(ids, stats.requests);
      return {
        response: {
          statusCode: 200,
          reason: 'OK',
          headers: { 'content-type': 'text/xml', 'x-amzn-requestid': `bench-${stats.requests}` },
          body: Buffer.from(xml, 'latin1'),
        },
      };
    },
    updateHttpClientConfig() {},
    httpHandlerConfigs: () => ({}),
    destroy() {},
  };
  const client = usePublishBatchSerializer(
    new SNSClient({
      ...snsClientConfig(region, { maxAttempts: 1 }),
      credentials: BENCH_CREDENTIALS,
      requestHandler,
    }),
  );
  return { client, stats, captured, destroy: () => client.destroy() };
}
