/**
 * The two DynamoDB calls the de-duplication table needs (PutItem, GetItem), over DynamoDB's own wire protocol (JSON
 * 1.0, `X-Amz-Target: DynamoDB_20120810.<Operation>`), signed with the SDK's SigV4 signer and credential chain.
 *
 * Why not @aws-sdk/client-dynamodb: its client carries every operation's schema and DynamoDB's endpoint rules, about
 * 17 KB more in each compressed zip even when loaded lazily, which puts the sns-https zip over its 150 KB budget.
 * These two calls need none of it; the signer, the credential chain and node:https are already in every bundle.
 * Retries follow the SDK's standard mode in spirit: throttling, 5xx and network errors, with the publisher's
 * classification of throttling codes and its full-jitter backoff.
 */
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { SignatureV4 } from '@smithy/signature-v4';
import { clientConfig, configuredEndpoint } from '#lib/aws-clients';
import { isThrottlingCode } from '#lib/publish/classify';
import { backoffDelay } from '#lib/publish/retry';

export type Item = Record<string, AttributeValue>;

export interface PutItemInput {
  TableName: string;
  Item: Item;
  ConditionExpression?: string;
  ExpressionAttributeNames?: Record<string, string>;
  ExpressionAttributeValues?: Item;
}

export interface GetItemInput {
  TableName: string;
  Key: Item;
  ConsistentRead?: boolean;
}

/** What the store calls. Errors carry DynamoDB's error code as their `name` (ConditionalCheckFailedException...). */
export interface DynamoTableApi {
  putItem(input: PutItemInput): Promise<void>;
  getItem(input: GetItemInput): Promise<{ Item?: Item }>;
}

/** An error DynamoDB answered with: `name` is its code, `status` the HTTP status. */
export class DynamoDbError extends Error {
  constructor(
    override readonly name: string,
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/** DynamoDB's own backoff: full jitter from 100 ms, doubling, at most 20 s (the publisher's backoff function). */
const BACKOFF = { baseDelayMs: 100, maxDelayMs: 20_000 } as const;

type Bytes = string | ArrayBuffer | ArrayBufferView;
const bytes = (data: Bytes): string | Uint8Array =>
  typeof data === 'string'
    ? data
    : data instanceof ArrayBuffer
      ? new Uint8Array(data)
      : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);

/** The signer's hash: SHA-256, or HMAC-SHA-256 under `secret` (node:crypto, as the SDK's own @smithy/hash-node). */
class Sha256 {
  readonly #hash: Hash | Hmac;
  constructor(secret?: Bytes) {
    this.#hash = secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(secret));
  }
  update(data: Bytes): void {
    this.#hash.update(bytes(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.#hash.digest());
  }
}

/** Sends one signed request and answers DynamoDB's HTTP status and body. */
export type DynamoTransport = (request: {
  headers: Record<string, string>;
  body: string;
}) => Promise<{ status: number; text: string }>;

export interface DynamoTableApiOptions {
  /** Overrides AWS_ENDPOINT_URL_DYNAMODB and the regional endpoint (tests: a local DynamoDB). */
  endpoint?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string };
  maxAttempts?: number;
  /** Replaces node:http(s) (the benchmark's in-process table); everything up to the socket is unchanged. */
  transport?: DynamoTransport;
}

/**
 * The DynamoDB API of one region, with the timeouts, retry budget, endpoint variables and local credentials every
 * client of lib/aws-clients shares; otherwise the SDK's default credential chain (Lambda: the function role).
 */
export function dynamoTableApi(region: string, options: DynamoTableApiOptions = {}): DynamoTableApi {
  const config = clientConfig('dynamodb', region, { maxAttempts: options.maxAttempts });
  const endpoint = new URL(
    options.endpoint ??
      configuredEndpoint('dynamodb') ??
      `https://dynamodb.${region}.amazonaws.com${region.startsWith('cn-') ? '.cn' : ''}`,
  );
  const signer = new SignatureV4({
    service: 'dynamodb',
    region,
    credentials: options.credentials ?? config.credentials ?? defaultProvider(),
    sha256: Sha256,
  });
  const send = options.transport ?? httpTransport(endpoint, config.requestHandler);

  async function attempt(operation: string, body: string): Promise<unknown> {
    const signed = await signer.sign({
      method: 'POST',
      protocol: endpoint.protocol,
      hostname: endpoint.hostname,
      port: endpoint.port === '' ? undefined : Number(endpoint.port),
      path: endpoint.pathname,
      query: {},
      headers: {
        host: endpoint.host,
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': `DynamoDB_20120810.${operation}`,
        'content-length': String(Buffer.byteLength(body)),
      },
      body,
    });
    const { status, text } = await send({ headers: signed.headers, body });
    const parsed = text === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
    if (status >= 200 && status < 300) return parsed;
    const type = String(parsed.__type ?? `HTTP${status}`);
    throw new DynamoDbError(
      type.slice(type.lastIndexOf('#') + 1),
      String(parsed.message ?? parsed.Message ?? text),
      status,
    );
  }

  async function call(operation: string, input: object): Promise<unknown> {
    const body = JSON.stringify(input);
    for (let n = 1; ; n++) {
      try {
        return await attempt(operation, body);
      } catch (error) {
        // A network error, a 5xx (InternalServerError, ServiceUnavailable) or a throttling code
        // (ProvisionedThroughputExceededException, ThrottlingException...: the publisher's list) is worth another try.
        const retryable =
          !(error instanceof DynamoDbError) ||
          error.status === 0 ||
          error.status >= 500 ||
          isThrottlingCode(error.name);
        if (!retryable || n >= config.maxAttempts) throw error;
        await new Promise((resolve) => setTimeout(resolve, backoffDelay(n, BACKOFF, Math.random)));
      }
    }
  }

  return {
    putItem: async (input) => {
      await call('PutItem', input);
    },
    getItem: async (input) => (await call('GetItem', input)) as { Item?: Item },
  };
}

/** POSTs to the endpoint over a keep-alive connection, bounded by the shared connection and request timeouts. */
function httpTransport(
  endpoint: URL,
  { requestTimeout, connectionTimeout }: { requestTimeout: number; connectionTimeout: number },
): DynamoTransport {
  const transport = endpoint.protocol === 'http:' ? http : https;
  const agent = new transport.Agent({ keepAlive: true });
  return ({ headers, body }) =>
    new Promise((resolve, reject) => {
      const req = transport.request(endpoint, { method: 'POST', headers, agent, timeout: connectionTimeout }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      });
      const timer = setTimeout(
        () => req.destroy(new DynamoDbError('TimeoutError', `no answer in ${requestTimeout} ms`, 0)),
        requestTimeout,
      );
      req.on('timeout', () => req.destroy(new DynamoDbError('TimeoutError', 'connection timed out', 0)));
      req.on('close', () => clearTimeout(timer));
      req.on('error', reject);
      req.end(body);
    });
}
