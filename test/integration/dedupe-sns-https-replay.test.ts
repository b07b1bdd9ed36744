/**
 * The HTTPS intake's replay check across containers: two handler instances (two Lambda containers, each with its own
 * memory of recent MessageIds) share the de-duplication table, a real DynamoDB implementation on 127.0.0.1.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OnUnavailable } from '#lib/dedupe/publisher';
import { DEFAULT_DEDUPE_SETTINGS, DedupeStore } from '#lib/dedupe/store';
import { loadSnsHttpsConfig } from '#lib/sns-https/config';
import { type NotificationOutcome, RecentMessageIds } from '#lib/sns-https/handle';
import { REPLAY_LEASE_SECONDS, tableReplayGuard } from '#lib/sns-https/replay';
import { createDedupeTable, type LocalDynamo, startLocalDynamo } from '#test/support/dynamodb-local';
import { notificationBody, signedEvent, TEST_TOPIC_ARN, testCertStore } from '#test/support/sns-signing';
import { createSnsHttpsHandler } from '../../functions/sns-https';

const TABLE = 'bridge-dedupe';
const MESSAGE = JSON.stringify({ notificationType: 'Bounce' });

let dynamo: LocalDynamo;
beforeAll(async () => {
  dynamo = await startLocalDynamo();
  await createDedupeTable(dynamo.client, TABLE);
});
afterAll(() => dynamo.close());

/**
 * One container: its own handler, certificate store and recent ids; the shared table. `process` stands for the
 * pipeline (what it answers, and when).
 */
function container(
  options: {
    table?: string;
    onUnavailable?: OnUnavailable;
    now?: () => number;
    process?: () => Promise<NotificationOutcome>;
  } = {},
) {
  const processed: string[] = [];
  const tableErrors: unknown[] = [];
  const logs: Array<{ message: string; extra: Record<string, unknown> }> = [];
  const log = (message: string, extra: Record<string, unknown>) => logs.push({ message, extra });
  const store = new DedupeStore(dynamo.api, {
    ...DEFAULT_DEDUPE_SETTINGS,
    tableName: options.table ?? TABLE,
    windowSeconds: 3900,
    leaseSeconds: REPLAY_LEASE_SECONDS,
  });
  const handler = createSnsHttpsHandler(() => ({
    config: loadSnsHttpsConfig({ SNS_HTTPS_ALLOWED_TOPIC_ARNS: TEST_TOPIC_ARN }),
    certs: testCertStore(),
    confirm: async () => ({ subscriptionArn: 'unused' }),
    onNotification: async (post) => {
      if (!post.raw) processed.push(post.message.MessageId);
      return options.process ? options.process() : 'delivered';
    },
    logger: { info: log, warn: log, error: log },
    recent: new RecentMessageIds(),
    replay: tableReplayGuard(store, options.onUnavailable ?? 'publish', (error) => tableErrors.push(error)),
    ...(options.now ? { now: options.now } : {}),
  }));
  const post = async (event: unknown) => {
    const out = await handler(event);
    return { status: out.statusCode, code: JSON.parse(out.body).code as string };
  };
  return { post, processed, tableErrors, logs };
}

const notification = (messageId = randomUUID()) => signedEvent(notificationBody({ message: MESSAGE, messageId })).event;

describe('the HTTPS intake across two containers sharing the table', () => {
  it('accepts a signed MessageId once: the copy reaching the other container is acknowledged, not processed', async () => {
    const [a, b] = [container(), container()];
    const event = notification();
    expect(await a.post(event)).toEqual({ status: 200, code: 'delivered' });
    expect(await b.post(event)).toEqual({ status: 200, code: 'duplicate' });
    expect(await b.post(event)).toEqual({ status: 200, code: 'duplicate' });
    expect([...a.processed, ...b.processed]).toHaveLength(1);
    expect(b.logs.map((l) => l.message)).toContain(
      'SNS notification already delivered by another container: acknowledged again',
    );
  });

  it('answers 5xx to a copy while the first is still being processed, so SNS retries it later', async () => {
    let finish: (outcome: NotificationOutcome) => void = () => {};
    const a = container({ process: () => new Promise((resolve) => (finish = resolve)) });
    const b = container();
    const event = notification();
    const first = a.post(event);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await b.post(event)).toEqual({ status: 500, code: 'in_flight' });
    finish('delivered');
    expect(await first).toEqual({ status: 200, code: 'delivered' });
    expect(await b.post(event)).toEqual({ status: 200, code: 'duplicate' });
    expect(b.processed).toEqual([]);
  });

  it('gives the claim back when processing failed, so the retry is processed by whichever container gets it', async () => {
    const a = container({ process: async () => 'retry' });
    const b = container();
    const event = notification();
    expect(await a.post(event)).toEqual({ status: 500, code: 'retry' });
    expect(await b.post(event)).toEqual({ status: 200, code: 'delivered' });
    expect(b.processed).toHaveLength(1);
  });

  it('takes back a claim whose container died mid-way once its lease has run out', async () => {
    const t0 = Date.now();
    const a = container({ process: () => new Promise(() => {}), now: () => t0 });
    const event = notification();
    void a.post(event);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const late = container({ now: () => t0 + (REPLAY_LEASE_SECONDS + 2) * 1000 });
    expect(await container({ now: () => t0 + 1000 }).post(event)).toEqual({ status: 500, code: 'in_flight' });
    expect(await late.post(event)).toEqual({ status: 200, code: 'delivered' });
  });

  it('keeps message ids of different topics apart', async () => {
    const [a, b] = [container(), container()];
    const messageId = randomUUID();
    const other = 'arn:aws:sns:us-east-1:888888888888:other-intake';
    expect(await a.post(notification(messageId))).toEqual({ status: 200, code: 'delivered' });
    // Same MessageId, another allowlisted topic: not a copy.
    const event = signedEvent(notificationBody({ message: MESSAGE, messageId, topicArn: other })).event;
    const handler = createSnsHttpsHandler(() => ({
      config: loadSnsHttpsConfig({ SNS_HTTPS_ALLOWED_TOPIC_ARNS: `${TEST_TOPIC_ARN},${other}` }),
      certs: testCertStore(),
      confirm: async () => ({ subscriptionArn: 'unused' }),
      onNotification: async () => 'delivered',
      logger: { info: () => {}, warn: () => {}, error: () => {} },
      replay: tableReplayGuard(
        new DedupeStore(dynamo.api, { ...DEFAULT_DEDUPE_SETTINGS, tableName: TABLE, leaseSeconds: 30 }),
        'publish',
      ),
    }));
    expect(JSON.parse((await handler(event)).body).code).toBe('delivered');
    expect(await b.post(notification(messageId))).toEqual({ status: 200, code: 'duplicate' });
  });

  it('processes anyway, and counts it, when the table does not answer (the default, as for the routes)', async () => {
    const [a, b] = [container({ table: 'missing' }), container({ table: 'missing' })];
    const event = notification();
    expect(await a.post(event)).toEqual({ status: 200, code: 'delivered' });
    expect(await b.post(event)).toEqual({ status: 200, code: 'delivered' });
    expect(a.tableErrors.map((e) => (e as Error).name)).toEqual(['ResourceNotFoundException']);
    expect(
      a.logs.find((l) => l.message === 'the de-duplication table did not answer the replay check')?.extra,
    ).toMatchObject({
      outcome: 'processed without the check',
    });
  });

  it('answers 5xx, so SNS retries, when the table does not answer and DEDUPE_ON_UNAVAILABLE is retry', async () => {
    const a = container({ table: 'missing', onUnavailable: 'retry' });
    expect(await a.post(notification())).toEqual({ status: 500, code: 'replay_check_unavailable' });
    expect(a.processed).toEqual([]);
    expect(a.tableErrors).toHaveLength(1);
  });
});
