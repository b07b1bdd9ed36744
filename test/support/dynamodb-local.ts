/**
 * A real DynamoDB implementation (dynalite, on LevelDB in memory) on 127.0.0.1, for tests that must see DynamoDB's
 * own validation and ConditionalCheckFailedException, never a mock that accepts anything.
 */
import type { AddressInfo } from 'node:net';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type DynamoTableApi, dynamoTableApi } from '#lib/dedupe/dynamodb-json';

// dynalite ships no types.
const dynalite: (options: Record<string, unknown>) => import('node:http').Server = require('dynalite');

const LOCAL_CREDENTIALS = { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local' };

export interface LocalDynamo {
  endpoint: string;
  /** The SDK's client (tables, reads to check what the store wrote). */
  client: DynamoDBClient;
  /** The bridge's own PutItem/GetItem client (lib/dedupe/dynamodb-json), pointed here, one attempt per call. */
  api: DynamoTableApi;
  close(): Promise<void>;
}

export async function startLocalDynamo(): Promise<LocalDynamo> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: LOCAL_CREDENTIALS,
    maxAttempts: 1,
  });
  return {
    endpoint,
    client,
    api: dynamoTableApi('us-east-1', { endpoint, credentials: LOCAL_CREDENTIALS, maxAttempts: 1 }),
    close: async () => {
      client.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The de-duplication table as the stack defines it: one string partition key, `pk`. */
export async function createDedupeTable(client: DynamoDBClient, tableName: string): Promise<void> {
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
}
