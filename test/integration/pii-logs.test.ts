/**
 * With LOG_RECIPIENTS=false (the default), no email address reaches a log line, whatever the input: records with an
 * address in every odd place (text that is not JSON, broken JSON around an address, a tag name, header values, a
 * subject, the messageId, envelope fields) go through every handler and the SNS HTTPS intake, and everything written
 * to stdout and stderr is scanned with an address pattern. A control run with LOG_RECIPIENTS=true shows the capture
 * does see addresses when they are logged.
 */

import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Context } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { logger } from '#lib/logger';
import { runtime, setRuntime } from '#lib/runtime';
import { CertificateStore } from '#lib/sns-https/certs';
import { loadSnsHttpsConfig } from '#lib/sns-https/config';
import { RecentMessageIds } from '#lib/sns-https/handle';
import { pipelineOnNotification } from '#lib/sns-https/notify';
import { type BridgeHarness, startBridge } from '#test/support/bridge-harness';
import { firehoseEvent, lambdaSnsEvent, lambdaSqsEvent, snsEnvelope, sqsBodyFromSns } from '#test/support/envelopes';
import { REPO_ROOT } from '#test/support/fixtures';
import {
  functionUrlEvent,
  notificationBody,
  SNS_TEST_SIGNER,
  signBody,
  snsHeaders,
  TEST_TOPIC_ARN,
  testCertUrl,
} from '#test/support/sns-signing';
import { handler as eventBridgeHandler } from '../../functions/route-eventbridge';
import { handler as firehoseHandler } from '../../functions/route-firehose';
import { handler as snsHandler } from '../../functions/route-sns';
import { handler as sqsHandler } from '../../functions/route-sqs';
import { createSnsHttpsHandler } from '../../functions/sns-https';

const ADDRESS = 'pii.leak+x@victim-domain.example';
/**
 * The address as mail and its encodings also spell it: a quoted local part, a domain literal, an @ escaped for JSON
 * or encoded for a URL. Each is put in every odd place in turn.
 */
const SPELLINGS = [
  ADDRESS,
  '"pii leak"@victim-domain.example',
  'pii.leak@[192.0.2.1]',
  String.raw`pii.leak\u0040victim-domain.example`,
  'pii.leak%40victim-domain.example',
];
/** What the scan looks for: an address in any of those spellings, in any text (a log line escapes quotes). */
const ADDRESS_PATTERN =
  /(?:\\?"[^"]+\\?"|[A-Za-z0-9._%+-]+)(?:@|\\{1,2}u0040|%40)(?:\[[0-9.]+\]|[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,})/g;
const PARKING = 'arn:aws:sns:us-east-1:888888888888:pii-parking';
const CERT_URL = testCertUrl('us-east-1');

function bounce(): Record<string, any> {
  return JSON.parse(readFileSync(path.join(REPO_ROOT, 'events/raw/event-bounce.json'), 'utf8'));
}

/** SES record texts with the address where no reader looks for one. */
const records = (address: string): Record<string, string> => ({
  'plain text': `Delivery to ${address} failed permanently`,
  'broken JSON around an address': `{"mail":{"destination":[${address}]}}`,
  'JSON cut short after an address': `{"eventType":"Bounce","mail":{"destination":["${address}"`,
  'an address as a tag name': JSON.stringify({ ...bounce(), mail: { ...bounce().mail, tags: { [address]: 7 } } }),
  'header values and a subject in an invalid record': (() => {
    const r = bounce();
    r.mail.headers = [{ name: 'To', value: `Jane <${address}>` }];
    r.mail.commonHeaders = { to: [address], subject: `Re: ${address}` };
    delete r.mail.messageId;
    return JSON.stringify(r);
  })(),
  'an address as the messageId of a record no route takes': (() => {
    const r = bounce();
    r.mail.messageId = address;
    r.mail.tags = { [address]: [address] };
    return JSON.stringify(r);
  })(),
  'an address as the eventType': JSON.stringify({ ...bounce(), eventType: 7, notificationType: address }),
});

let bridge: BridgeHarness;
let output: string[];

beforeAll(async () => {
  bridge = await startBridge({
    // Nothing matches: every valid record is parked as unmatched, with its messageId logged.
    routes: { routes: [], unmatched: { action: 'fail' } },
    topics: [],
    parkingTopicArn: PARKING,
    seed: 6,
  });
});
afterAll(() => bridge.close());

beforeEach(() => {
  // The test configuration silences the logger (vitest.config.mts): this test reads what it writes.
  logger.setLogLevel('DEBUG');
  output = [];
  const capture = (chunk: unknown) => {
    output.push(String(chunk));
    return true;
  };
  vi.spyOn(process.stdout, 'write').mockImplementation(capture as never);
  vi.spyOn(process.stderr, 'write').mockImplementation(capture as never);
  for (const level of ['log', 'info', 'warn', 'error', 'debug'] as const)
    vi.spyOn(console, level).mockImplementation((...args: unknown[]) => void output.push(args.map(String).join(' ')));
});
afterEach(() => {
  vi.restoreAllMocks();
  logger.setLogLevel('SILENT');
});

const addressesLogged = () => output.join('\n').match(ADDRESS_PATTERN) ?? [];

async function everyHandler(context: Context, address: string): Promise<void> {
  const texts = Object.values(records(address));
  const objects = texts.flatMap((t) => {
    try {
      return [JSON.parse(t) as Record<string, unknown>];
    } catch {
      return [];
    }
  });
  await sqsHandler(lambdaSqsEvent(texts) as never, context);
  await sqsHandler(lambdaSqsEvent(texts.map((t) => sqsBodyFromSns(t))) as never, context);
  await snsHandler(lambdaSnsEvent(texts) as never, context);
  await firehoseHandler(firehoseEvent(texts) as never, context);
  for (const detail of objects) {
    await eventBridgeHandler(
      { 'detail-type': 'Email Bounced', source: 'aws.ses', id: address, account: '1', region: 'x', detail } as never,
      context,
    );
  }
  // Envelope fields a sender chooses.
  await sqsHandler(
    lambdaSqsEvent([
      JSON.stringify({ ...snsEnvelope(texts[0]!), Type: 'SubscriptionConfirmation', TopicArn: address }),
      JSON.stringify({ ...snsEnvelope(texts[0]!), Type: address }),
    ]) as never,
    context,
  );
  const odd = lambdaSqsEvent([texts[0]!]);
  odd.Records[0]!.eventSource = address;
  await sqsHandler(odd as never, context);
  await eventBridgeHandler({ 'detail-type': 'Email Bounced', source: address, detail: {} } as never, context);
  await eventBridgeHandler({ 'detail-type': address, source: 'aws.ses', detail: {} } as never, context);
}

async function intake(context: Context, address: string): Promise<void> {
  const texts = records(address);
  const certs = new CertificateStore(async () => SNS_TEST_SIGNER.certPem);
  const logger = {
    info: (message: string, extra: Record<string, unknown>) => console.info(JSON.stringify({ message, ...extra })),
    warn: (message: string, extra: Record<string, unknown>) => console.warn(JSON.stringify({ message, ...extra })),
    error: (message: string, extra: Record<string, unknown>) => console.error(JSON.stringify({ message, ...extra })),
  };
  const handler = createSnsHttpsHandler(() => ({
    config: loadSnsHttpsConfig({ SNS_HTTPS_ALLOWED_TOPIC_ARNS: TEST_TOPIC_ARN }),
    certs,
    confirm: async () => ({ subscriptionArn: null }),
    onNotification: pipelineOnNotification,
    logger,
    recent: new RecentMessageIds(),
  }));
  const post = async (text: string, body: Record<string, unknown>, headers: Record<string, string> = {}) => {
    const res = await handler(functionUrlEvent(text, { ...snsHeaders(body), ...headers }), context);
    output.push(res.body);
  };
  for (const message of Object.values(texts)) {
    const body = signBody(notificationBody({ message, subject: `Bounce for ${address}` }), { certUrl: CERT_URL });
    await post(JSON.stringify(body), body);
  }
  const genuine = signBody(notificationBody({ message: texts['plain text']! }), { certUrl: CERT_URL });
  await post(JSON.stringify({ ...genuine, [address]: 1 }), genuine);
  await post(JSON.stringify(genuine), genuine, { 'x-amz-sns-topic-arn': `arn:aws:sns:us-east-1:1:${address}` });
  await post(JSON.stringify(genuine), genuine, { 'x-amz-sns-message-type': address });
  const certTrick = signBody(notificationBody({ message: '{}' }), { certUrl: `https://${address}/x.pem` });
  await post(JSON.stringify(certTrick), certTrick);
}

describe('logs with LOG_RECIPIENTS=false', () => {
  it.each(SPELLINGS)(
    'hold no address after every handler and the intake read %s in every odd place',
    async (address) => {
      await everyHandler(bridge.context, address);
      await intake(bridge.context, address);
      expect(output.join('\n')).toContain('record parked');
      expect(output.join('\n')).toContain('SNS HTTPS post rejected');
      expect(addressesLogged()).toEqual([]);
    },
  );
});

describe('the capture itself', () => {
  it('sees the addresses of parked records when LOG_RECIPIENTS=true logs their text', async () => {
    const current = runtime(bridge.context);
    setRuntime({ ...current, config: { ...current.config, logRecipients: true } });
    try {
      await sqsHandler(lambdaSqsEvent(SPELLINGS.map((a) => records(a)['plain text']!)) as never, bridge.context);
    } finally {
      setRuntime(current);
    }
    // Every spelling is seen by the scan, as the log line writes it (quotes and backslashes escaped).
    expect(addressesLogged()).toEqual([
      ADDRESS,
      String.raw`\"pii leak\"@victim-domain.example`,
      'pii.leak@[192.0.2.1]',
      String.raw`pii.leak\\u0040victim-domain.example`,
      'pii.leak%40victim-domain.example',
    ]);
  });
});
