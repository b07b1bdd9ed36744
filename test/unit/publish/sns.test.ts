import {
  AuthorizationErrorException,
  KMSAccessDeniedException,
  NotFoundException,
  PublishBatchCommand,
  type PublishBatchCommandInput,
  type PublishBatchCommandOutput,
  SNSClient,
  SNSServiceException,
} from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { payloadBytes, publishAll } from '#lib/publish/index';
import { backoffDelay, createSnsPublisher, packBatches, type RetryPolicy } from '#lib/publish/sns';
import { type OutboundMessage, SNS_MAX_PAYLOAD_BYTES } from '#lib/publish/types';

const sns = mockClient(SNSClient);
// Module-level stubs patch the client class for the whole process: give it back for the files that follow.
afterAll(() => {
  sns.restore();
});
afterAll(() => sns.restore());

const TOPIC_A = 'arn:aws:sns:us-east-1:111111111111:delegate-a';
const TOPIC_B = 'arn:aws:sns:eu-west-1:222222222222:delegate-b';
const TOPIC_C = 'arn:aws:sns:us-east-1:333333333333:delegate-c';

function msg(
  key: string,
  topicArn = TOPIC_A,
  body = `body of ${key}`,
  attributes: OutboundMessage['attributes'] = {},
): OutboundMessage {
  return { key, topicArn, body, attributes };
}

function many(n: number, topicArn = TOPIC_A, prefix = 'm'): OutboundMessage[] {
  return Array.from({ length: n }, (_, i) => msg(`${prefix}${i}`, topicArn));
}

/** SNS's answer when every entry succeeds: MessageId derived from the entry Id. */
function allSuccessful(input: PublishBatchCommandInput): PublishBatchCommandOutput {
  return {
    $metadata: {},
    Successful: (input.PublishBatchRequestEntries ?? []).map((e) => ({
      Id: e.Id,
      MessageId: `mid-${input.TopicArn?.split(':')[5]}-${e.Id}`,
    })),
    Failed: [],
  };
}

function throttling(): SNSServiceException {
  return new SNSServiceException({
    name: 'Throttling',
    $fault: 'client',
    $metadata: { httpStatusCode: 400 },
    message: 'Rate exceeded',
  });
}

function batchCalls(): PublishBatchCommandInput[] {
  return sns.commandCalls(PublishBatchCommand).map((c) => c.args[0].input);
}

interface Harness {
  sleeps: number[];
  regions: string[];
}

/** A publisher with instant sleeps, a fixed random and one shared mocked client. */
function publisher(retry: Partial<RetryPolicy> = {}, extra: { now?: () => number; concurrency?: number } = {}) {
  const harness: Harness = { sleeps: [], regions: [] };
  const client = new SNSClient({ region: 'us-east-1' });
  const p = createSnsPublisher({
    clientFor: (region) => {
      harness.regions.push(region);
      return client;
    },
    retry: { maxAttempts: 4, baseDelayMs: 100, maxDelayMs: 1_000, maxElapsedMs: 60_000, ...retry },
    sleep: async (ms) => {
      harness.sleeps.push(ms);
    },
    random: () => 0.5,
    ...extra,
  });
  return { p, harness };
}

beforeEach(() => {
  sns.reset();
});

describe('batching', () => {
  it('sends at most 10 entries per PublishBatch request', async () => {
    sns.on(PublishBatchCommand).callsFake(allSuccessful);
    const { p } = publisher();
    const outcomes = await publishAll(p, many(25));
    expect(batchCalls().map((c) => c.PublishBatchRequestEntries?.length)).toEqual([10, 10, 5]);
    expect(sns).toHaveReceivedCommandTimes(PublishBatchCommand, 3);
    expect(outcomes.every((o) => o.status === 'ok')).toBe(true);
  });

  it('keeps every request within 256 KiB of bodies plus attribute names, types and values', async () => {
    sns.on(PublishBatchCommand).callsFake(allSuccessful);
    const attributes = { eventType: { DataType: 'String', StringValue: 'Bounce' } } as const;
    // 100 KiB bodies: two fit in a request, a third does not.
    const big = Array.from({ length: 5 }, (_, i) => msg(`big${i}`, TOPIC_A, 'x'.repeat(100 * 1024), attributes));
    const { p } = publisher();
    const outcomes = await publishAll(p, big);
    const calls = batchCalls();
    expect(calls.map((c) => c.PublishBatchRequestEntries?.length)).toEqual([2, 2, 1]);
    for (const call of calls) {
      const bytes = (call.PublishBatchRequestEntries ?? []).reduce(
        (n, e) =>
          n +
          payloadBytes({ body: e.Message!, attributes: (e.MessageAttributes ?? {}) as OutboundMessage['attributes'] }),
        0,
      );
      expect(bytes).toBeLessThanOrEqual(SNS_MAX_PAYLOAD_BYTES);
    }
    expect(outcomes.map((o) => o.status)).toEqual(Array(5).fill('ok'));
  });

  it('counts attribute bytes, so two messages whose bodies alone fit exactly go out in separate requests', async () => {
    sns.on(PublishBatchCommand).callsFake(allSuccessful);
    const half = SNS_MAX_PAYLOAD_BYTES / 2;
    const bare = [msg('a', TOPIC_A, 'a'.repeat(half)), msg('b', TOPIC_A, 'b'.repeat(half))];
    const { p } = publisher();
    await publishAll(p, bare);
    expect(batchCalls().map((c) => c.PublishBatchRequestEntries?.length)).toEqual([2]);

    sns.reset();
    sns.on(PublishBatchCommand).callsFake(allSuccessful);
    const attributes = { k: { DataType: 'String', StringValue: 'v' } } as const;
    await publishAll(p, [
      msg('a', TOPIC_A, 'a'.repeat(half), attributes),
      msg('b', TOPIC_A, 'b'.repeat(half), attributes),
    ]);
    expect(batchCalls().map((c) => c.PublishBatchRequestEntries?.length)).toEqual([1, 1]);
  });

  it('groups messages by topic and publishes each topic with a client of its own region', async () => {
    sns.on(PublishBatchCommand).callsFake(allSuccessful);
    const input = [msg('a1', TOPIC_A), msg('b1', TOPIC_B), msg('c1', TOPIC_C), msg('a2', TOPIC_A), msg('b2', TOPIC_B)];
    const { p, harness } = publisher();
    const outcomes = await publishAll(p, input);
    expect(sns).toHaveReceivedCommandTimes(PublishBatchCommand, 3);
    expect(sns).toHaveReceivedCommandWith(PublishBatchCommand, {
      TopicArn: TOPIC_A,
      PublishBatchRequestEntries: [
        expect.objectContaining({ Message: 'body of a1' }),
        expect.objectContaining({ Message: 'body of a2' }),
      ],
    });
    expect(sns).toHaveReceivedCommandWith(PublishBatchCommand, {
      TopicArn: TOPIC_B,
      PublishBatchRequestEntries: [
        expect.objectContaining({ Message: 'body of b1' }),
        expect.objectContaining({ Message: 'body of b2' }),
      ],
    });
    expect(harness.regions.sort()).toEqual(['eu-west-1', 'us-east-1', 'us-east-1']);
    // Each outcome carries the MessageId SNS gave its own entry.
    expect(outcomes.map((o) => o.status === 'ok' && o.messageId)).toEqual([
      'mid-delegate-a-0',
      'mid-delegate-b-1',
      'mid-delegate-c-2',
      'mid-delegate-a-3',
      'mid-delegate-b-4',
    ]);
  });

  it('sends the message attributes unchanged and omits an empty attribute map', async () => {
    sns.on(PublishBatchCommand).callsFake(allSuccessful);
    const attributes = { eventType: { DataType: 'String', StringValue: 'Complaint' } } as const;
    const { p } = publisher();
    await publishAll(p, [msg('with', TOPIC_A, 'one', attributes), msg('without', TOPIC_A, 'two')]);
    const [entryWith, entryWithout] = batchCalls()[0]!.PublishBatchRequestEntries!;
    expect(entryWith!.MessageAttributes).toEqual(attributes);
    expect(entryWithout).not.toHaveProperty('MessageAttributes');
  });

  it('gives every entry a valid Id that is unique within its request, whatever the caller keys look like', async () => {
    sns.on(PublishBatchCommand).callsFake(allSuccessful);
    const weirdKeys = Array.from({ length: 30 }, (_, i) =>
      msg(`record #${i} / ${'ü'.repeat(100)}`, i % 2 ? TOPIC_A : TOPIC_C),
    );
    const { p } = publisher();
    const outcomes = await publishAll(p, weirdKeys);
    for (const call of batchCalls()) {
      const ids = call.PublishBatchRequestEntries!.map((e) => e.Id!);
      for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9_-]{1,80}$/);
      expect(new Set(ids).size).toBe(ids.length);
    }
    expect(outcomes.map((o) => o.key)).toEqual(weirdKeys.map((m) => m.key));
  });
});

describe('sessions', () => {
  const tick = () => new Promise((resolve) => setImmediate(resolve));

  it("sends a topic's request as soon as it holds 10 entries, and the partly filled ones at finish", async () => {
    sns.on(PublishBatchCommand).callsFake(allSuccessful);
    const { p } = publisher();
    const session = p.open();
    for (const m of many(13, TOPIC_A, 'a')) session.add(m);
    for (const m of many(4, TOPIC_B, 'b')) session.add(m);
    await tick();
    // Only the full request has gone out while the batch is still being read.
    expect(batchCalls().map((c) => [c.TopicArn, c.PublishBatchRequestEntries?.map((e) => e.Id)])).toEqual([
      [TOPIC_A, ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']],
    ]);
    const outcomes = await session.finish();
    expect(batchCalls().map((c) => [c.TopicArn, c.PublishBatchRequestEntries?.length])).toEqual([
      [TOPIC_A, 10],
      [TOPIC_A, 3],
      [TOPIC_B, 4],
    ]);
    expect(outcomes.map((o) => o.key)).toEqual([...many(13, TOPIC_A, 'a'), ...many(4, TOPIC_B, 'b')].map((m) => m.key));
    expect(outcomes.every((o) => o.status === 'ok')).toBe(true);
  });

  it('packs the same requests as packBatches, whatever the sizes, sending each as it fills', async () => {
    sns.on(PublishBatchCommand).callsFake(allSuccessful);
    const sizes = [
      90_000, 1_000, 120_000, 2_000, 30_000, 3_000, 4_000, 100_000, 5_000, 6_000, 7_000, 8_000, 9_000, 10_000, 11_000,
      12_000, 50_000,
    ];
    const input = sizes.map((n, i) => msg(`s${i}`, TOPIC_A, 'x'.repeat(n)));
    const { p } = publisher();
    await publishAll(p, input);
    const expected = packBatches(input.map((m, i) => ({ i, bytes: payloadBytes(m) }))).map((b) =>
      b.map((x) => String(x.i)).sort(),
    );
    const sent = batchCalls().map((c) => (c.PublishBatchRequestEntries ?? []).map((e) => e.Id as string).sort());
    expect(sent.sort()).toEqual(expected.sort());
  });

  it('fails later messages of a topic refused by an early request without sending them', async () => {
    sns
      .on(PublishBatchCommand)
      .rejects(new NotFoundException({ message: 'Topic does not exist', $metadata: { httpStatusCode: 404 } }));
    const { p } = publisher();
    const session = p.open();
    for (const m of many(10, TOPIC_C, 'early')) session.add(m);
    await tick();
    for (const m of many(15, TOPIC_C, 'late')) session.add(m);
    const outcomes = await session.finish();
    expect(sns).toHaveReceivedCommandTimes(PublishBatchCommand, 1);
    expect(outcomes).toHaveLength(25);
    expect(outcomes.every((o) => o.status === 'poison' && o.code === 'NotFound')).toBe(true);
  });

  it('counts the time budget from open: a session that took long to fill retries less', async () => {
    let clock = 0;
    sns.on(PublishBatchCommand).rejects(throttling());
    const { p } = publisher({ maxAttempts: 100, maxElapsedMs: 1_000 }, { now: () => clock });
    const session = p.open();
    clock = 900; // reading and rendering the batch took 900 ms
    session.add(msg('slow'));
    const outcomes = await session.finish();
    // Backoffs of 50 and 100 ms (random 0.5, base 100) end at 950 and 1000, inside the budget; the third (200 ms)
    // would end at 1100. Counted from finish instead, the deadline would be 1900 and five more retries would fit.
    expect(sns).toHaveReceivedCommandTimes(PublishBatchCommand, 3);
    expect((outcomes[0] as { reason: string }).reason).toContain('retry time budget of 1000 ms spent');
  });

  it('reports a bug in sending as retryable for the messages it touched, and settles the rest', async () => {
    sns.on(PublishBatchCommand).callsFake(allSuccessful);
    let calls = 0;
    const client = new SNSClient({ region: 'us-east-1' });
    const p = createSnsPublisher({
      clientFor: (region) => {
        calls++;
        if (region === 'eu-west-1') throw new Error('no client for you');
        return client;
      },
    });
    const outcomes = await publishAll(p, [...many(12, TOPIC_B, 'b'), ...many(3, TOPIC_A, 'a')]);
    expect(outcomes.slice(0, 12).map((o) => o.status === 'retryable' && o.code)).toEqual(
      Array(12).fill('publisher_error'),
    );
    expect((outcomes[0] as { reason: string }).reason).toBe(`publishing to ${TOPIC_B} failed: no client for you`);
    expect(outcomes.slice(12).every((o) => o.status === 'ok')).toBe(true);
    expect(calls).toBeGreaterThanOrEqual(2);
  });
});

describe('per-entry failures', () => {
  it('retries only the entries SNS failed on its side, then reports every message ok', async () => {
    sns
      .on(PublishBatchCommand)
      .callsFakeOnce((input: PublishBatchCommandInput) => {
        const [first, second, ...rest] = input.PublishBatchRequestEntries!;
        return {
          Successful: rest.map((e) => ({ Id: e.Id, MessageId: `mid-${e.Id}` })),
          Failed: [first!, second!].map((e) => ({
            Id: e.Id,
            Code: 'InternalError',
            SenderFault: false,
            Message: 'Internal Error',
          })),
        };
      })
      .callsFake(allSuccessful);
    const { p, harness } = publisher();
    const outcomes = await publishAll(p, many(5));
    const calls = batchCalls();
    expect(calls).toHaveLength(2);
    expect(calls[1]!.PublishBatchRequestEntries!.map((e) => e.Message)).toEqual(['body of m0', 'body of m1']);
    expect(outcomes.map((o) => o.status)).toEqual(['ok', 'ok', 'ok', 'ok', 'ok']);
    // Full jitter: random 0.5 of the first ceiling (baseDelayMs 100).
    expect(harness.sleeps).toEqual([50]);
  });

  it("reports an entry SNS refused as the sender's fault as poison with SNS's code, without retrying it", async () => {
    sns.on(PublishBatchCommand).callsFake((input: PublishBatchCommandInput) => {
      const [bad, ...good] = input.PublishBatchRequestEntries!;
      return {
        Successful: good.map((e) => ({ Id: e.Id, MessageId: `mid-${e.Id}` })),
        Failed: [
          { Id: bad!.Id, Code: 'InvalidParameter', SenderFault: true, Message: 'Invalid parameter: Message attribute' },
        ],
      };
    });
    const { p } = publisher();
    const outcomes = await publishAll(p, many(3));
    expect(sns).toHaveReceivedCommandTimes(PublishBatchCommand, 1);
    expect(outcomes[0]).toEqual({
      key: 'm0',
      status: 'poison',
      code: 'InvalidParameter',
      reason: `SNS refused the message for ${TOPIC_A}: InvalidParameter: Invalid parameter: Message attribute`,
    });
    expect(outcomes.slice(1).map((o) => o.status)).toEqual(['ok', 'ok']);
  });

  it('sends each message of a request SNS refused as a whole alone, so only the one refused again is parked', async () => {
    const invalid = new SNSServiceException({
      name: 'InvalidParameterException',
      $fault: 'client',
      $metadata: { httpStatusCode: 400 },
      message: 'Invalid parameter: Message Attributes',
    });
    sns.on(PublishBatchCommand).callsFake((input: PublishBatchCommandInput) => {
      if (input.PublishBatchRequestEntries!.some((e) => e.Message === 'body of m1')) throw invalid;
      return allSuccessful(input);
    });
    const { p } = publisher();
    const outcomes = await publishAll(p, many(3));
    // The refused request of 3, then one request per message.
    expect(batchCalls().map((c) => c.PublishBatchRequestEntries!.length)).toEqual([3, 1, 1, 1]);
    expect(outcomes.map((o) => o.status)).toEqual(['ok', 'poison', 'ok']);
    expect(outcomes[1]).toMatchObject({
      code: 'InvalidParameter',
      reason: `SNS refused a PublishBatch request to ${TOPIC_A}: InvalidParameter: Invalid parameter: Message Attributes`,
    });
  });

  it("retries a throttled entry even when SNS marks it as the sender's fault", async () => {
    sns
      .on(PublishBatchCommand)
      .resolvesOnce({
        Successful: [],
        Failed: [{ Id: '0', Code: 'Throttling', SenderFault: true, Message: 'Rate exceeded' }],
      })
      .callsFake(allSuccessful);
    const { p } = publisher();
    const outcomes = await publishAll(p, [msg('only')]);
    expect(sns).toHaveReceivedCommandTimes(PublishBatchCommand, 2);
    expect(outcomes[0]!.status).toBe('ok');
  });

  it('retries an entry SNS answered nothing about', async () => {
    sns
      .on(PublishBatchCommand)
      .resolvesOnce({ Successful: [{ Id: '0', MessageId: 'x' }], Failed: [] })
      .callsFake(allSuccessful);
    const { p } = publisher();
    const outcomes = await publishAll(p, many(2));
    expect(batchCalls()[1]!.PublishBatchRequestEntries!.map((e) => e.Id)).toEqual(['1']);
    expect(outcomes.map((o) => o.status)).toEqual(['ok', 'ok']);
  });
});

describe('whole-request failures', () => {
  it('retries a throttled request with backoff and reports every message ok', async () => {
    sns.on(PublishBatchCommand).rejectsOnce(throttling()).rejectsOnce(throttling()).callsFake(allSuccessful);
    const { p, harness } = publisher();
    const outcomes = await publishAll(p, many(3));
    expect(sns).toHaveReceivedCommandTimes(PublishBatchCommand, 3);
    expect(outcomes.map((o) => o.status)).toEqual(['ok', 'ok', 'ok']);
    // Ceilings 100 then 200 ms, times random 0.5.
    expect(harness.sleeps).toEqual([50, 100]);
  });

  it('retries server errors, request timeouts and reset connections', async () => {
    const internal = new SNSServiceException({
      name: 'InternalError',
      $fault: 'server',
      $metadata: { httpStatusCode: 500 },
      message: 'Internal Error',
    });
    const timeout = Object.assign(new Error('a request has exceeded the configured 300 ms requestTimeout.'), {
      name: 'TimeoutError',
      code: 'ETIMEDOUT',
    });
    const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    sns.on(PublishBatchCommand).rejectsOnce(internal).rejectsOnce(timeout).rejectsOnce(reset).callsFake(allSuccessful);
    const { p } = publisher();
    const outcomes = await publishAll(p, many(2));
    expect(sns).toHaveReceivedCommandTimes(PublishBatchCommand, 4);
    expect(outcomes.map((o) => o.status)).toEqual(['ok', 'ok']);
  });

  it('reports messages still failing after the last attempt as retryable, with the last error', async () => {
    sns.on(PublishBatchCommand).rejects(throttling());
    const { p, harness } = publisher({ maxAttempts: 4 });
    const outcomes = await publishAll(p, many(2));
    expect(sns).toHaveReceivedCommandTimes(PublishBatchCommand, 4);
    expect(harness.sleeps).toEqual([50, 100, 200]);
    expect(outcomes[0]).toEqual({
      key: 'm0',
      status: 'retryable',
      code: 'Throttling',
      reason: `SNS PublishBatch to ${TOPIC_A} still failing after 4 attempts: Throttling: Rate exceeded`,
    });
  });

  it('stops retrying when the next backoff would end past the time budget', async () => {
    let clock = 0;
    sns.on(PublishBatchCommand).callsFake(() => {
      clock += 400;
      throw throttling();
    });
    const { p } = publisher({ maxAttempts: 100, maxElapsedMs: 1_000 }, { now: () => clock });
    const outcomes = await publishAll(p, [msg('late')]);
    // Each attempt takes 400 ms: backoffs ending at 450 and 900 fit in 1000 ms, none fits after the third (1200).
    expect(sns).toHaveReceivedCommandTimes(PublishBatchCommand, 3);
    expect(outcomes[0]).toMatchObject({ status: 'retryable', code: 'Throttling' });
    expect((outcomes[0] as { reason: string }).reason).toContain('retry time budget of 1000 ms spent');
  });

  it('fails a topic SNS does not know as poison, sends none of its other batches, and still delivers the other topics', async () => {
    sns
      .on(PublishBatchCommand)
      .callsFake(allSuccessful)
      .on(PublishBatchCommand, { TopicArn: TOPIC_C })
      .rejects(new NotFoundException({ message: 'Topic does not exist', $metadata: { httpStatusCode: 404 } }));
    const input = [...many(25, TOPIC_C, 'c'), ...many(12, TOPIC_A, 'a')];
    const { p } = publisher({}, { concurrency: 1 });
    const outcomes = await publishAll(p, input);
    const cCalls = batchCalls().filter((c) => c.TopicArn === TOPIC_C);
    expect(cCalls).toHaveLength(1);
    expect(outcomes.slice(0, 25).every((o) => o.status === 'poison' && o.code === 'NotFound')).toBe(true);
    expect(outcomes[0]).toEqual({
      key: 'c0',
      status: 'poison',
      code: 'NotFound',
      reason: `SNS refused topic ${TOPIC_C}: NotFound: Topic does not exist`,
    });
    expect(outcomes.slice(25).every((o) => o.status === 'ok')).toBe(true);
  });

  it('fails every message of a refused topic, also those whose requests were already in flight', async () => {
    sns.on(PublishBatchCommand).callsFake(async () => {
      await new Promise((resolve) => setImmediate(resolve));
      throw new NotFoundException({ message: 'Topic does not exist', $metadata: { httpStatusCode: 404 } });
    });
    const { p } = publisher({}, { concurrency: 8 });
    const outcomes = await publishAll(p, many(25, TOPIC_C));
    expect(sns).toHaveReceivedCommandTimes(PublishBatchCommand, 3);
    expect(outcomes.map((o) => `${o.status}:${o.status === 'ok' ? '' : o.code}`)).toEqual(
      Array(25).fill('poison:NotFound'),
    );
  });

  it.each([
    [
      'AuthorizationError',
      new AuthorizationErrorException({ message: 'not authorized', $metadata: { httpStatusCode: 403 } }),
    ],
    [
      'KMSAccessDenied',
      new KMSAccessDeniedException({ message: 'key access denied', $metadata: { httpStatusCode: 400 } }),
    ],
  ])('treats %s as permanent for that topic only', async (code, error) => {
    sns.on(PublishBatchCommand).callsFake(allSuccessful).on(PublishBatchCommand, { TopicArn: TOPIC_B }).rejects(error);
    const { p } = publisher();
    const outcomes = await publishAll(p, [msg('b', TOPIC_B), msg('a', TOPIC_A)]);
    expect(outcomes.map((o) => [o.status, o.status === 'ok' ? '' : o.code])).toEqual([
      ['poison', code],
      ['ok', ''],
    ]);
  });

  it('reports credential problems as retryable at once, without spending the retry budget', async () => {
    const expired = new SNSServiceException({
      name: 'ExpiredToken',
      $fault: 'client',
      $metadata: { httpStatusCode: 403 },
      message: 'The security token included in the request is expired',
    });
    sns.on(PublishBatchCommand).rejects(expired);
    const { p, harness } = publisher();
    const outcomes = await publishAll(p, [msg('x')]);
    expect(sns).toHaveReceivedCommandTimes(PublishBatchCommand, 1);
    expect(harness.sleeps).toEqual([]);
    expect(outcomes[0]).toMatchObject({ status: 'retryable', code: 'ExpiredToken' });
  });
});

describe('outcomes', () => {
  it('reports a message over 256 KiB as message_too_large and never sends it', async () => {
    sns.on(PublishBatchCommand).callsFake(allSuccessful);
    const { p } = publisher();
    const tooBig = msg('big', TOPIC_A, 'x'.repeat(SNS_MAX_PAYLOAD_BYTES - 10), {
      eventType: { DataType: 'String', StringValue: 'Delivery' },
    });
    const outcomes = await publishAll(p, [msg('small'), tooBig]);
    expect(outcomes[1]).toEqual({
      key: 'big',
      status: 'poison',
      code: 'message_too_large',
      reason: 'message is 262157 bytes (body plus attribute names, types and values); SNS accepts at most 262144',
    });
    expect(sns).toHaveReceivedCommandTimes(PublishBatchCommand, 1);
    expect(batchCalls()[0]!.PublishBatchRequestEntries).toHaveLength(1);
  });

  it('reports a destination that is not a topic ARN as poison', async () => {
    const { p } = publisher();
    const outcomes = await publishAll(p, [
      msg('x', 'delegate-topic'),
      msg('y', 'arn:aws:sqs:us-east-1:111111111111:queue'),
    ]);
    expect(outcomes[0]).toEqual({
      key: 'x',
      status: 'poison',
      code: 'invalid_topic_arn',
      reason: '"delegate-topic" is not an SNS topic ARN',
    });
    expect(outcomes[1]).toMatchObject({ key: 'y', status: 'poison', code: 'invalid_topic_arn' });
    expect(sns).toHaveReceivedCommandTimes(PublishBatchCommand, 0);
  });

  it('returns the outcomes in the order of the input messages', async () => {
    sns
      .on(PublishBatchCommand)
      .callsFake(allSuccessful)
      .on(PublishBatchCommand, { TopicArn: TOPIC_B })
      .rejects(new NotFoundException({ message: 'Topic does not exist', $metadata: { httpStatusCode: 404 } }));
    const input = [
      msg('1', TOPIC_B),
      msg('2', TOPIC_A),
      msg('3', TOPIC_A, 'y'.repeat(SNS_MAX_PAYLOAD_BYTES + 1)),
      msg('4', TOPIC_C),
      msg('5', TOPIC_B),
      msg('6', TOPIC_A),
    ];
    const { p } = publisher();
    const outcomes = await publishAll(p, input);
    expect(outcomes.map((o) => `${o.key}:${o.status}`)).toEqual([
      '1:poison',
      '2:ok',
      '3:poison',
      '4:ok',
      '5:poison',
      '6:ok',
    ]);
  });

  it("reports retryable instead of throwing when a topic's client cannot be built", async () => {
    sns.on(PublishBatchCommand).callsFake(allSuccessful);
    const client = new SNSClient({ region: 'us-east-1' });
    const p = createSnsPublisher({
      clientFor: (region) => {
        if (region === 'eu-west-1') throw new Error('no client for eu-west-1');
        return client;
      },
    });
    const outcomes = await publishAll(p, [msg('b', TOPIC_B), msg('a', TOPIC_A)]);
    expect(outcomes).toEqual([
      {
        key: 'b',
        status: 'retryable',
        code: 'publisher_error',
        reason: `publishing to ${TOPIC_B} failed: no client for eu-west-1`,
      },
      { key: 'a', status: 'ok', messageId: 'mid-delegate-a-1' },
    ]);
  });

  it('answers an empty list with an empty list', async () => {
    const { p } = publisher();
    expect(await publishAll(p, [])).toEqual([]);
    expect(sns).toHaveReceivedCommandTimes(PublishBatchCommand, 0);
  });

  it('never has more requests in flight than its concurrency', async () => {
    let inFlight = 0;
    let peak = 0;
    sns.on(PublishBatchCommand).callsFake(async (input: PublishBatchCommandInput) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((resolve) => setImmediate(resolve));
      inFlight--;
      return allSuccessful(input);
    });
    const topics = Array.from({ length: 6 }, (_, i) => `arn:aws:sns:us-east-1:111111111111:t${i}`);
    const { p } = publisher({}, { concurrency: 3 });
    const outcomes = await publishAll(
      p,
      topics.flatMap((t) => many(30, t, t)),
    );
    expect(sns).toHaveReceivedCommandTimes(PublishBatchCommand, 18);
    expect(peak).toBe(3);
    expect(outcomes.every((o) => o.status === 'ok')).toBe(true);
  });
});

describe('backoff', () => {
  it('caps the full-jitter backoff at the maximum delay', () => {
    const policy = { baseDelayMs: 100, maxDelayMs: 1_000 };
    expect([1, 2, 3, 4, 5, 10].map((n) => backoffDelay(n, policy, () => 0.999))).toEqual([99, 199, 399, 799, 999, 999]);
    expect(backoffDelay(3, policy, () => 0)).toBe(0);
  });
});
