/** The de-duplication store against a real DynamoDB implementation on 127.0.0.1. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DynamoTableApi, dynamoTableApi } from '#lib/dedupe/dynamodb-json';
import { DEFAULT_DEDUPE_SETTINGS, DedupeStore, dedupeKey } from '#lib/dedupe/store';
import { createDedupeTable, type LocalDynamo, startLocalDynamo } from '#test/support/dynamodb-local';

const TABLE = 'bridge-dedupe';
const T0 = Date.parse('2026-12-01T00:00:00Z');
const HOUR = 3_600_000;
const TOPIC = 'arn:aws:sns:us-east-1:111122223333:acme-ses-feedback';

let dynamo: LocalDynamo;
let n = 0;
const freshKey = () => dedupeKey(`bounce|m-${++n}|fb-${n}`, TOPIC);
const store = (client: DynamoTableApi = dynamo.api) =>
  new DedupeStore(client, { ...DEFAULT_DEDUPE_SETTINGS, tableName: TABLE });

beforeAll(async () => {
  dynamo = await startLocalDynamo();
  await createDedupeTable(dynamo.client, TABLE);
});
afterAll(() => dynamo.close());

describe('the PutItem/GetItem client on the wire', () => {
  it('signs each call for dynamodb in its region, with the target among the signed headers', async () => {
    const seen: http.IncomingHttpHeaders[] = [];
    const server = http.createServer((req, res) => {
      seen.push(req.headers);
      req.resume();
      req.on('end', () => res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' }).end('{}'));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const api = dynamoTableApi('eu-west-1', {
      endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local' },
    });
    await api.getItem({ TableName: TABLE, Key: { pk: { S: 'k' } } });
    server.close();
    expect(seen[0]?.['x-amz-target']).toBe('DynamoDB_20120810.GetItem');
    expect(seen[0]?.['content-type']).toBe('application/x-amz-json-1.0');
    expect(seen[0]?.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDLOCAL\/\d{8}\/eu-west-1\/dynamodb\/aws4_request, SignedHeaders=[a-z0-9;-]*x-amz-target[a-z0-9;-]*, Signature=[0-9a-f]{64}$/,
    );
  });

  it('retries throttling within its attempts, and gives up with DynamoDB error code as the name', async () => {
    let calls = 0;
    const server = http.createServer((req, res) => {
      calls++;
      req.resume();
      req.on('end', () =>
        res
          .writeHead(400, { 'content-type': 'application/x-amz-json-1.0' })
          .end(
            '{"__type":"com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException","message":"slow down"}',
          ),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const api = dynamoTableApi('us-east-1', {
      endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local' },
      maxAttempts: 2,
    });
    const error = await api.putItem({ TableName: TABLE, Item: { pk: { S: 'k' } } }).catch((e: Error) => e);
    server.close();
    expect(calls).toBe(2);
    expect(error).toMatchObject({ name: 'ProvisionedThroughputExceededException', message: 'slow down', status: 400 });
  });

  it('answers a failed condition with DynamoDB error code, as the store expects', async () => {
    const key = freshKey();
    await dynamo.api.putItem({ TableName: TABLE, Item: { pk: { S: key } } });
    const error = await dynamo.api
      .putItem({ TableName: TABLE, Item: { pk: { S: key } }, ConditionExpression: 'attribute_not_exists(pk)' })
      .catch((e: Error) => e);
    expect(error).toMatchObject({ name: 'ConditionalCheckFailedException', status: 400 });
  });
});

describe('DedupeStore', () => {
  it('claims a key once, then reports every copy as a duplicate while the claim is pending', async () => {
    const s = store();
    const key = freshKey();
    expect(await s.claim(key, T0)).toEqual({ kind: 'claimed' });
    expect(await s.claim(key, T0 + 1000)).toEqual({ kind: 'duplicate' });
  });

  it('suppresses copies of a delivered key for the whole window, and not after it', async () => {
    const s = store();
    const key = freshKey();
    await s.claim(key, T0);
    await s.delivered(key, T0);
    // Past the lease, still inside the window: delivered keys stay suppressed.
    expect(await s.claim(key, T0 + 2 * HOUR)).toEqual({ kind: 'duplicate' });
    expect(await s.claim(key, T0 + 24 * HOUR - 1000)).toEqual({ kind: 'duplicate' });
    expect(await s.claim(key, T0 + 24 * HOUR + 1000)).toEqual({ kind: 'claimed' });
  });

  it('lets another copy take a pending claim whose lease ran out (its publish never finished)', async () => {
    const s = store();
    const key = freshKey();
    await s.claim(key, T0);
    expect(await s.claim(key, T0 + 14 * 60_000)).toEqual({ kind: 'duplicate' });
    expect(await s.claim(key, T0 + 16 * 60_000)).toEqual({ kind: 'claimed' });
  });

  it('gives a released claim back at once, so the retry of a failed publish is not suppressed', async () => {
    const s = store();
    const key = freshKey();
    await s.claim(key, T0);
    await s.release(key, T0 + 1000);
    expect(await s.claim(key, T0 + 2000)).toEqual({ kind: 'claimed' });
  });

  it('keys each destination apart and stores no address, only a hash', async () => {
    const feedback = 'delivery|m-1|2026-12-01T00:00:00.000Z|jane@example.com';
    const a = dedupeKey(feedback, TOPIC);
    const b = dedupeKey(feedback, `${TOPIC}-2`);
    expect(a).not.toBe(b);
    expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const s = store();
    await s.claim(a, T0);
    expect(await s.claim(b, T0)).toEqual({ kind: 'claimed' });
    const item = await dynamo.client.send(new GetItemCommand({ TableName: TABLE, Key: { pk: { S: a } } }));
    expect(JSON.stringify(item.Item)).not.toContain('@');
    expect(item.Item?.state).toEqual({ S: 'pending' });
  });

  it('answers unavailable, with the error, when the table does not exist', async () => {
    const s = new DedupeStore(dynamo.api, { ...DEFAULT_DEDUPE_SETTINGS, tableName: 'no-such-table' });
    const result = await s.claim(freshKey(), T0);
    expect(result.kind).toBe('unavailable');
    expect((result as { error: Error }).error.name).toBe('ResourceNotFoundException');
  });

  it('answers unavailable when DynamoDB cannot be reached', async () => {
    const down = dynamoTableApi('us-east-1', {
      endpoint: 'http://127.0.0.1:9',
      credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local' },
      maxAttempts: 1,
    });
    const result = await store(down).claim(freshKey(), T0);
    expect(result.kind).toBe('unavailable');
    expect((result as { error: Error & { code?: string } }).error.code).toBe('ECONNREFUSED');
  });

  it('reads a claim back: pending while its lease runs, done once delivered, none when absent or expired', async () => {
    const s = store();
    const key = freshKey();
    expect(await s.read(key, T0)).toBe('none');
    await s.claim(key, T0);
    expect(await s.read(key, T0 + 1000)).toBe('pending');
    expect(await s.read(key, T0 + 16 * 60_000)).toBe('none');
    await s.delivered(key, T0);
    expect(await s.read(key, T0 + 2 * HOUR)).toBe('done');
    expect(await s.read(key, T0 + 24 * HOUR + 1000)).toBe('none');
  });

  it('keeps at most `concurrency` writes in flight', async () => {
    let inFlight = 0;
    let most = 0;
    const counting: DynamoTableApi = {
      putItem: async (input) => {
        inFlight++;
        most = Math.max(most, inFlight);
        try {
          return await dynamo.api.putItem(input);
        } finally {
          inFlight--;
        }
      },
      getItem: (input) => dynamo.api.getItem(input),
    };
    const s = new DedupeStore(counting, { ...DEFAULT_DEDUPE_SETTINGS, tableName: TABLE, concurrency: 3 });
    const results = await Promise.all(Array.from({ length: 20 }, () => s.claim(freshKey(), T0)));
    expect(results.every((r) => r.kind === 'claimed')).toBe(true);
    expect(most).toBe(3);
  });
});
