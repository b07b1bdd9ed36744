/**
 * An in-process stand-in for the de-duplication table: the bridge's own DynamoDB client (lib/dedupe/dynamodb-json:
 * JSON request bodies, SigV4 signing, response parsing) hands each signed request to this transport, which keeps
 * the items in a Map and answers PutItem and GetItem as DynamoDB does for the store's one condition (claim unless a
 * copy is pending with its lease running or was delivered within the window). What is measured is the bridge's
 * added work per message, not the network or DynamoDB's latency.
 */
import type { DynamoTransport, Item } from '#lib/dedupe/dynamodb-json';

export interface TableSinkStats {
  requests: number;
  conditionFailures: number;
}

const CONDITION_FAILED = JSON.stringify({
  __type: 'com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException',
  message: 'The conditional request failed',
});

export function createTableSink(): { transport: DynamoTransport; stats: TableSinkStats; clear: () => void } {
  const items = new Map<string, Item>();
  const stats: TableSinkStats = { requests: 0, conditionFailures: 0 };
  const transport: DynamoTransport = async ({ headers, body }) => {
    stats.requests++;
    const input = JSON.parse(body);
    const operation = headers['x-amz-target']?.split('.')[1];
    if (operation === 'GetItem') {
      const item = items.get(input.Key.pk.S);
      return { status: 200, text: JSON.stringify(item ? { Item: item } : {}) };
    }
    const key = input.Item.pk.S as string;
    if (input.ConditionExpression !== undefined) {
      const old = items.get(key);
      const now = Number(input.ExpressionAttributeValues[':now'].N);
      const free =
        old === undefined ||
        Number(old.expiresAt?.N) < now ||
        (old.state?.S === 'pending' && Number(old.leaseUntil?.N) < now);
      if (!free) {
        stats.conditionFailures++;
        return { status: 400, text: CONDITION_FAILED };
      }
    }
    items.set(key, input.Item);
    return { status: 200, text: '{}' };
  };
  return { transport, stats, clear: () => items.clear() };
}
