/**
 * Poison records (issue 6.3): invalid records, records unmatched under "fail", messages too large for SNS. Each is
 * parked exactly once on the parking topic, with its reason and its original text, and never retried; the good
 * records beside it are delivered. Driven through the real handlers, the SQS event source model and the SNS test
 * server.
 */
import type { SNSEvent } from 'aws-lambda';
import { afterEach, describe, expect, it } from 'vitest';
import { SNS_MAX_PAYLOAD_BYTES } from '#lib/publish/types';
import { type BridgeHarness, startBridge } from '#test/support/bridge-harness';
import { eventBridgeEvent, lambdaSnsEvent, snsEnvelope, sqsBodyFromSns } from '#test/support/envelopes';
import {
  ACME,
  buildWorkload,
  DESTINATION_TOPICS,
  PARKING_TOPIC_ARN,
  STRANGER,
  TOPICS,
  tally,
  workloadRoutes,
} from '#test/support/fault-workload';
import { SqsSimulator } from '#test/support/sqs-simulator';
import { handler as eventBridgeHandler } from '../../functions/route-eventbridge';
import { handler as snsHandler } from '../../functions/route-sns';
import { handler as sqsHandler } from '../../functions/route-sqs';

let bridge: BridgeHarness | undefined;
afterEach(async () => {
  await bridge?.close();
  bridge = undefined;
});

interface Parked {
  parkId: string;
  code: string;
  reason: string;
  route: string | null;
  topicArn: string | null;
  messageId: string | null;
  path: string;
  text: string | null;
  part?: number;
  parts?: number;
}

function parkedMessages() {
  return bridge!.fake.state
    .messagesFor(PARKING_TOPIC_ARN)
    .map((m) => ({ body: JSON.parse(m.body) as Parked, attributes: m.attributes, bytes: Buffer.byteLength(m.body) }));
}

const parked = () => parkedMessages().map((m) => m.body);

async function start(routes: unknown = workloadRoutes(), retry = {}) {
  bridge = await startBridge({
    routes,
    topics: DESTINATION_TOPICS,
    parkingTopicArn: PARKING_TOPIC_ARN,
    seed: 11,
    concurrency: 1,
    retry,
  });
  return bridge;
}

function queue() {
  return new SqsSimulator({ batchSize: 100, maxReceiveCount: 5, functionArn: bridge!.context.invokedFunctionArn });
}

/** A bounce from `account` whose bounce object is padded with `recipients` bounced addresses. */
function bigBounce(account: string, recipients: number) {
  const [record] = buildWorkload(1, { label: `big${recipients}` });
  const json = structuredClone(record!.json);
  json.mail.sendingAccountId = account;
  json.bounce.bouncedRecipients = Array.from({ length: recipients }, (_, i) => ({
    emailAddress: `recipient-${String(i).padStart(6, '0')}@example.com`,
    action: 'failed',
    status: '5.1.1',
    diagnosticCode: 'smtp; 550 5.1.1 user unknown',
  }));
  return { messageId: json.mail.messageId as string, text: JSON.stringify(json), json };
}

describe('invalid records', () => {
  it('parks each invalid record once with its code, path and original text, and delivers the good records beside it', async () => {
    await start();
    const good = buildWorkload(30);
    const missingId = JSON.stringify({ ...good[0]!.json, mail: { ...good[0]!.json.mail, messageId: undefined } });
    const wrongType = JSON.stringify({ ...good[0]!.json, bounce: 'soft' });
    const bad = [
      {
        body: '{"eventType":"Bounce","mail":{',
        text: '{"eventType":"Bounce","mail":{',
        code: 'invalid_json',
        path: 'Records[10].body',
      },
      {
        body: sqsBodyFromSns('Hello from SNS!'),
        text: 'Hello from SNS!',
        code: 'not_ses',
        path: 'Records[21].body.Message',
      },
      {
        body: sqsBodyFromSns(missingId),
        text: missingId,
        code: 'invalid_record',
        path: 'Records[32].body.Message.mail.messageId',
      },
      { body: wrongType, text: wrongType, code: 'invalid_record', path: 'Records[33].body.bounce' },
    ];
    const q = queue();
    good.slice(0, 10).forEach((r) => q.send(r.text));
    q.send(bad[0]!.body);
    good.slice(10, 20).forEach((r) => q.send(sqsBodyFromSns(r.text)));
    q.send(bad[1]!.body);
    good.slice(20).forEach((r) => q.send(r.text));
    q.send(bad[2]!.body);
    q.send(bad[3]!.body);
    const stats = await q.drain(sqsHandler);

    expect(stats).toMatchObject({ invocations: 1, redeliveries: 0, deadLettered: 0, deleted: 34 });
    expect(parked().map((p) => [p.code, p.path, p.text])).toEqual(bad.map((b) => [b.code, b.path, b.text]));
    for (const { body, attributes } of parkedMessages()) {
      expect(attributes.code?.StringValue).toBe(body.code);
      expect(attributes.bridgeId?.StringValue).toBe(body.parkId);
      expect(body.reason).not.toBe('');
    }
    const delivered = tally(bridge!.fake.state.published, good);
    expect([...delivered.copies.values()].every((n) => n === 1)).toBe(true);
    expect(delivered.copies.size).toBe(good.reduce((n, r) => n + r.expected.length, 0));
  });

  it('reads every other record of an SNS event when one whose Message is not text, and parks that one as unsupported_input', async () => {
    await start();
    const [record] = buildWorkload(1);
    const event = lambdaSnsEvent(['placeholder', record!.text]) as unknown as SNSEvent;
    (event.Records[0]!.Sns as unknown as Record<string, unknown>).Message = 42;
    await expect(snsHandler(event, bridge!.context)).resolves.toMatchObject({
      delivered: record!.expected.length,
      parked: 1,
    });
    expect(parked().map((p) => [p.code, p.path, p.reason])).toEqual([
      ['unsupported_input', 'Records[0].Sns.Message', 'SNS Notification has no Message text: got a number'],
    ]);
    expect(JSON.parse(parked()[0]!.text!).Message).toBe(42);
  });

  it('parks an item the reader throws on (a shape nobody foresaw) and reads the rest', async () => {
    await start();
    const [record] = buildWorkload(1);
    const event = lambdaSnsEvent(['placeholder', record!.text]) as unknown as SNSEvent;
    Object.defineProperty(event.Records[0]!.Sns, 'Type', {
      get: () => {
        throw new Error('unreadable Type');
      },
      enumerable: false,
    });
    await expect(snsHandler(event, bridge!.context)).resolves.toMatchObject({
      delivered: record!.expected.length,
      parked: 1,
    });
    expect(parked().map((p) => [p.code, p.path, p.reason])).toEqual([
      ['unsupported_input', 'Records[0]', 'Records[0] could not be read: unreadable Type'],
    ]);
  });
});

describe('unmatched records under "fail"', () => {
  it('parks a record no route matches once, as unmatched, and does not retry it', async () => {
    await start(workloadRoutes({ action: 'fail' }));
    const records = buildWorkload(60);
    // The oracle sends what no route matches to the unmatched destination; under "fail" that is parked instead.
    const strangers = records.filter((r) => r.expected.length === 1 && r.expected[0] === TOPICS.unrouted);
    expect(strangers.some((r) => r.account === STRANGER)).toBe(true);
    expect(strangers.length).toBeGreaterThan(5);
    const q = queue();
    records.forEach((r) => q.send(sqsBodyFromSns(r.text)));
    const stats = await q.drain(sqsHandler);
    expect(stats).toMatchObject({ redeliveries: 0, deadLettered: 0 });
    expect(parked().map((p) => [p.code, p.messageId, p.text, p.route, p.topicArn])).toEqual(
      strangers.map((r) => ['unmatched', r.messageId, r.text, null, null]),
    );
    expect(parked()[0]!.reason).toBe('no route matches this record and unmatched.action is "fail"');
    expect(bridge!.fake.state.messagesFor(TOPICS.unrouted.topicArn)).toEqual([]);
  });
});

describe('messages too large for SNS', () => {
  it('parks a record whose converted message passes 256 KiB once, in parts whose text joins back into the original', async () => {
    await start();
    // About 240 KB of SES text (raw delivery): it fits in an SQS message, but acme's normalized copy repeats the
    // recipients and passes the limit.
    const big = bigBounce(ACME, 1_950);
    expect(Buffer.byteLength(big.text)).toBeGreaterThan(200_000);
    expect(Buffer.byteLength(big.text)).toBeLessThanOrEqual(SNS_MAX_PAYLOAD_BYTES);
    const q = queue();
    q.send(big.text);
    const stats = await q.drain(sqsHandler);

    expect(stats).toMatchObject({ invocations: 1, redeliveries: 0, deadLettered: 0 });
    // The legacy topic still gets its (headers-free) notification; the normalized one is refused for its size.
    expect(bridge!.fake.state.messagesFor(TOPICS.acmeFeedback.topicArn)).toHaveLength(1);
    const messages = parkedMessages();
    expect(messages.length).toBeGreaterThanOrEqual(2);
    const parts = messages.map((m) => m.body);
    expect(new Set(parts.map((p) => p.parkId)).size).toBe(1);
    expect(parts.map((p) => [p.part, p.parts])).toEqual(parts.map((_, i) => [i + 1, parts.length]));
    expect(parts.map((p) => p.text).join('')).toBe(big.text);
    for (const p of parts) {
      expect(p).toMatchObject({
        code: 'message_too_large',
        route: 'acme-analytics',
        topicArn: TOPICS.acmeAnalytics.topicArn,
        messageId: big.messageId,
        path: 'Records[0].body',
      });
      expect(p.reason).toMatch(/^the normalized message is \d+ bytes, over the SNS limit of 262144$/);
    }
    for (const m of messages) expect(m.bytes).toBeLessThanOrEqual(SNS_MAX_PAYLOAD_BYTES);
    expect(new Set(messages.map((m) => m.attributes.bridgeId?.StringValue)).size).toBe(messages.length);
  });

  it('parks a record whose original text plus attributes passes 256 KiB once, through route-sns', async () => {
    await start();
    // Raw text just under SNS's limit: publishing it "original" adds the bridge's attributes and tips it over.
    const big = bigBounce('888888888888', 1);
    const json = big.json;
    json.mail.headers.push({
      name: 'X-Padding',
      value: 'x'.repeat(SNS_MAX_PAYLOAD_BYTES - Buffer.byteLength(big.text) - 60),
    });
    const text = JSON.stringify(json);
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(SNS_MAX_PAYLOAD_BYTES);
    const result = await snsHandler(lambdaSnsEvent([text]) as unknown as SNSEvent, bridge!.context);
    // owner-bounces ("original") is refused for its size; owner-crm's notification and the campaign's event copy
    // drop mail.headers (headersTruncated: true) and fit.
    expect(result).toEqual({ delivered: 2, parked: 1, skipped: 0, dropped: 0, suppressed: 0 });
    const parts = parked();
    expect(parts.map((p) => p.code)).toEqual(parts.map(() => 'message_too_large'));
    expect(parts.map((p) => p.text).join('')).toBe(text);
    expect(parts[0]!.route).toBe('owner-bounces');
  });
});

describe('a refused destination beside one that is retried', () => {
  /** An acme bounce whose analytics topic refuses it for good (`refusal`) while its legacy topic is down. */
  async function refusedBesideDown(refusal: 'NotFound' | 'AuthorizationError' | 'KMSAccessDenied') {
    await start(workloadRoutes(), { maxAttempts: 1 });
    const { fake } = bridge!;
    fake.faults
      .failTopic(TOPICS.acmeAnalytics.topicArn, refusal)
      .failTopic(TOPICS.acmeFeedback.topicArn, 'InternalError');
    return { fake, bounce: buildWorkload(60).find((r) => r.account === ACME && r.type === 'bounce')! };
  }

  it('parks the refused delivery once, on the attempt that finally delivers the other one, not on every redelivery', async () => {
    const { fake, bounce } = await refusedBesideDown('NotFound');
    const q = queue();
    q.send(bounce.text);
    let receives = 0;
    const stats = await q.drain(sqsHandler, () => {
      if (++receives === 2) fake.faults.failingTopics.delete(TOPICS.acmeFeedback.topicArn);
    });
    expect(stats).toMatchObject({ invocations: 3, redeliveries: 2, deadLettered: 0 });
    expect(fake.state.messagesFor(TOPICS.acmeFeedback.topicArn)).toHaveLength(1);
    expect(parked().map((p) => [p.code, p.route, p.messageId, p.text])).toEqual([
      ['NotFound', 'acme-analytics', bounce.messageId, bounce.text],
    ]);
  });

  it('keeps the record whole in the dead-letter queue, unparked, when the other destination never recovers', async () => {
    const { bounce } = await refusedBesideDown('AuthorizationError');
    const q = queue();
    q.send(bounce.text);
    const stats = await q.drain(sqsHandler);
    expect(stats).toMatchObject({ invocations: 5, deadLettered: 1 });
    expect(q.deadLetters[0]!.body).toBe(bounce.text);
    expect(parked()).toEqual([]);
  });

  it('names both causes in the error Lambda records for an async event it gives up on', async () => {
    const { bounce } = await refusedBesideDown('KMSAccessDenied');
    await expect(snsHandler(lambdaSnsEvent([bounce.text]) as unknown as SNSEvent, bridge!.context)).rejects.toThrow(
      `1 of 1 records could not be delivered yet; Lambda will retry the event. Last failures: InternalError on ${TOPICS.acmeFeedback.topicArn}, KMSAccessDenied on ${TOPICS.acmeAnalytics.topicArn} (parked once the rest is delivered)`,
    );
    expect(parked()).toEqual([]);
  });
});

describe('when parking itself fails', () => {
  it('retries the bad record until it reaches the dead-letter queue, so it is never lost, and delivers the good ones once', async () => {
    await start();
    bridge!.fake.faults.failTopic(PARKING_TOPIC_ARN, 'AuthorizationError');
    const good = buildWorkload(20);
    const q = queue();
    good.forEach((r) => q.send(r.text));
    q.send(JSON.stringify({ hello: 'not SES' }));
    const stats = await q.drain(sqsHandler);
    expect(stats).toMatchObject({ invocations: 5, deadLettered: 1 });
    expect(q.deadLetters[0]).toMatchObject({ body: '{"hello":"not SES"}', receiveCount: 5 });
    const delivered = tally(bridge!.fake.state.published, good);
    expect([...delivered.copies.values()].every((n) => n === 1)).toBe(true);
  });
});

describe('records nested too deeply to serialize', () => {
  it('parks an EventBridge record whose detail JSON.stringify cannot write, without its text, instead of crashing', async () => {
    await start();
    const [record] = buildWorkload(1, { eventFormatOnly: true });
    const event = eventBridgeEvent(record!.json) as { detail: { bounce: Record<string, unknown> } };
    let deep: unknown = 'bottom';
    for (let i = 0; i < 20_000; i++) deep = [deep];
    // The Lambda runtime parses such an event (JSON.parse copes with any depth); JSON.stringify overflows its stack.
    event.detail.bounce.extension = deep;
    const result = await eventBridgeHandler(event as never, bridge!.context);
    // No format can be written (each holds the bounce object): one render_failed per destination, parked without
    // text, since EventBridge gave none and the parsed record cannot be written back.
    expect(result).toMatchObject({ delivered: 0, parked: 3 });
    expect(parked().map((p) => [p.code, p.route, p.text])).toEqual([
      ['render_failed', 'acme-legacy', null],
      ['render_failed', 'acme-analytics', null],
      ['render_failed', 'spring-campaign', null],
    ]);
  });
});

describe('an SNS HTTP body sent straight to a handler', () => {
  it('is refused whole, since the SNS trigger never sends one, and nothing is published or parked', async () => {
    await start();
    const [record] = buildWorkload(1);
    await expect(snsHandler(snsEnvelope(record!.text) as never, bridge!.context)).rejects.toThrow(
      'the event is not an SNS event: Records is missing, expected an array; no record was read or parked',
    );
    expect(bridge!.fake.state.published).toEqual([]);
  });
});
