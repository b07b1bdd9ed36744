/**
 * Bridge-side de-duplication: one conditional write per (semantic feedback key, destination) before publishing.
 *
 * A claim is written as `pending` with a lease; the publisher's success turns it `done` for the whole window. A
 * claim whose publish failed is given back (its lease ends at once), and a pending claim whose lease ran out can be
 * taken again, so a lost publish is never mistaken for a delivered one: at-least-once is kept, only copies that
 * arrive while an earlier one is pending or delivered are suppressed. The routes only write (PutItem); the HTTPS
 * intake's replay check also reads a claim it could not take (GetItem), to tell a copy in flight from a delivered
 * one. Every write names its own expiry, since DynamoDB's TTL deletes expired items late (up to days).
 */

import { createLimiter } from '#lib/concurrency';
import type { DynamoTableApi } from '#lib/dedupe/dynamodb-json';
import type { DedupeSettings } from '#lib/dedupe/settings';

export { dedupeKey } from '#lib/dedupe/key';

export { DEFAULT_DEDUPE_SETTINGS, type DedupeSettings } from '#lib/dedupe/settings';

/** `claimed`: publish it; `duplicate`: a copy is pending or was delivered; `unavailable`: the table did not answer. */
export type ClaimResult = { kind: 'claimed' } | { kind: 'duplicate' } | { kind: 'unavailable'; error: unknown };

export class DedupeStore {
  readonly #client: DynamoTableApi;
  readonly #settings: DedupeSettings;
  readonly #limit: <T>(task: () => Promise<T>) => Promise<T>;

  constructor(client: DynamoTableApi, settings: DedupeSettings) {
    this.#client = client;
    this.#settings = settings;
    this.#limit = createLimiter(Math.max(1, settings.concurrency));
  }

  /** Claims `key` for publishing, unless a copy is pending (lease running) or was delivered within the window. */
  claim(key: string, nowMs: number): Promise<ClaimResult> {
    const now = Math.floor(nowMs / 1000);
    return this.#limit(async () => {
      try {
        await this.#client.putItem({
          TableName: this.#settings.tableName,
          Item: {
            pk: { S: key },
            state: { S: 'pending' },
            leaseUntil: { N: String(now + this.#settings.leaseSeconds) },
            expiresAt: { N: String(now + this.#settings.windowSeconds) },
          },
          ConditionExpression:
            'attribute_not_exists(pk) OR expiresAt < :now OR (#state = :pending AND leaseUntil < :now)',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: { ':now': { N: String(now) }, ':pending': { S: 'pending' } },
        });
        return { kind: 'claimed' };
      } catch (error) {
        if ((error as Error).name === 'ConditionalCheckFailedException') return { kind: 'duplicate' };
        return { kind: 'unavailable', error };
      }
    });
  }

  /**
   * What the table holds for `key` now: `done` (delivered within the window), `pending` (a claim whose lease runs),
   * or `none` (absent, expired, or a lease that ran out). A strongly consistent read: a claim written a moment ago
   * by another container is seen.
   */
  async read(key: string, nowMs: number): Promise<'done' | 'pending' | 'none'> {
    const now = Math.floor(nowMs / 1000);
    const { Item: item } = await this.#limit(() =>
      this.#client.getItem({ TableName: this.#settings.tableName, Key: { pk: { S: key } }, ConsistentRead: true }),
    );
    if (item === undefined || Number(item.expiresAt?.N) < now) return 'none';
    if (item.state?.S === 'done') return 'done';
    return Number(item.leaseUntil?.N) < now ? 'none' : 'pending';
  }

  /** Marks a claimed key delivered: its copies are suppressed for the whole window from now. */
  delivered(key: string, nowMs: number): Promise<void> {
    const now = Math.floor(nowMs / 1000);
    return this.#put(key, 'done', now, now + this.#settings.windowSeconds);
  }

  /** Gives a claim back after its publish failed, so the retry (or another copy) can take it at once. */
  release(key: string, nowMs: number): Promise<void> {
    const now = Math.floor(nowMs / 1000);
    return this.#put(key, 'pending', now - 1, now + this.#settings.windowSeconds);
  }

  #put(key: string, state: 'pending' | 'done', leaseUntil: number, expiresAt: number): Promise<void> {
    return this.#limit(async () => {
      await this.#client.putItem({
        TableName: this.#settings.tableName,
        Item: {
          pk: { S: key },
          state: { S: state },
          leaseUntil: { N: String(leaseUntil) },
          expiresAt: { N: String(expiresAt) },
        },
      });
    });
  }
}
