/**
 * Adversarial inputs through every handler, against the SNS test server: each case asserts the exact answer (HTTP
 * status and code, a thrown error, or what was delivered and parked) AND that nothing forged reached any delegate's
 * topic. The forged record is a bounce for another delegate's account (test/support/adversarial.ts): a hole in any
 * trigger's reader would publish it to that delegate's topic.
 */
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CertFetchError, CertificateStore } from '#lib/sns-https/certs';
import { loadSnsHttpsConfig, type SnsHttpsConfig } from '#lib/sns-https/config';
import type { SnsHttpsDeps } from '#lib/sns-https/handle';
import { RecentMessageIds } from '#lib/sns-https/handle';
import { pipelineOnNotification } from '#lib/sns-https/notify';
import {
  ADVERSARIAL_ROUTES,
  DELEGATE_TOPIC,
  FORGED,
  FORGED_JSON,
  forgedDeliveries,
  GENUINE,
  PARKING_TOPIC,
  SMUGGLED,
  VICTIM_TOPIC,
} from '#test/support/adversarial';
import { type BridgeHarness, startBridge } from '#test/support/bridge-harness';
import {
  eventBridgeEvent,
  firehoseEvent,
  lambdaSnsEvent,
  lambdaSqsEvent,
  snsEnvelope,
  sqsBodyFromSns,
} from '#test/support/envelopes';
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

type HandlerName = 'route-sqs' | 'route-sns' | 'route-eventbridge' | 'route-firehose';
const HANDLERS: Record<HandlerName, (event: never, context: Context) => Promise<unknown>> = {
  'route-sqs': sqsHandler as never,
  'route-sns': snsHandler as never,
  'route-eventbridge': eventBridgeHandler as never,
  'route-firehose': firehoseHandler as never,
};

const CERT_URL = testCertUrl('us-east-1');
let bridge: BridgeHarness;

beforeAll(async () => {
  bridge = await startBridge({
    routes: ADVERSARIAL_ROUTES,
    topics: [DELEGATE_TOPIC, VICTIM_TOPIC],
    parkingTopicArn: PARKING_TOPIC,
    seed: 11,
  });
});
afterAll(() => bridge.close());
beforeEach(() => bridge.fake.state.clearRecords());

const published = () => bridge.fake.state.published;
const delivered = () => bridge.fake.state.messagesFor(DELEGATE_TOPIC).map((m) => m.body);
const parked = () =>
  bridge.fake.state.messagesFor(PARKING_TOPIC).map((m) => {
    const body = JSON.parse(m.body) as { code: string; path: string };
    return [body.code, body.path];
  });

// --- The Lambda triggers -----------------------------------------------------------------------------------------

interface HandlerCase {
  name: string;
  handler: HandlerName;
  event: unknown;
  /** The error message thrown, or what is delivered (texts on the delegate's topic) and parked ([code, path]). */
  expected: { throws: string } | { delivered: string[]; parked: string[][] };
}

const sqsOf = (...bodies: string[]) => lambdaSqsEvent(bodies);
const snsOf = (...messages: string[]) => lambdaSnsEvent(messages) as { Records: Array<Record<string, unknown>> };
const withKeys = <T extends Record<string, unknown>>(value: T, extra: Record<string, unknown>): T => ({
  ...value,
  ...extra,
});
const notSqs = (why: string) => `the event is not an SQS event: ${why}; no record was read or parked`;
const notSns = (why: string) => `the event is not an SNS event: ${why}; no record was read or parked`;
const notEventBridge = (why: string) => `the event is not an EventBridge event: ${why}; no record was read or parked`;
const notFirehose = (why: string) =>
  `the event is not a Firehose data-transformation event: ${why}; no record was read or parked`;
const genuineEventBridge = () => ({ ...eventBridgeEvent(JSON.parse(GENUINE)), 'detail-type': 'Email Bounced' });
// EventBridge hands the record over parsed: the original format is its re-serialization.
const GENUINE_DETAIL = JSON.stringify(JSON.parse(GENUINE));

const HANDLER_CASES: HandlerCase[] = [
  // Frames no trigger sends: refused whole, nothing parked (a retry is refused the same way).
  {
    name: 'Records: null',
    handler: 'route-sqs',
    event: { Records: null },
    expected: { throws: notSqs('Records is null, expected an array') },
  },
  {
    name: 'an undefined event',
    handler: 'route-sqs',
    event: undefined,
    expected: { throws: notSqs('it is undefined') },
  },
  {
    name: 'Records as an object',
    handler: 'route-sns',
    event: { Records: { 0: snsOf(FORGED).Records[0] } },
    expected: { throws: notSns('Records is an object, expected an array') },
  },
  {
    name: 'an EventBridge event given to route-sqs',
    handler: 'route-sqs',
    event: eventBridgeEvent({ ...FORGED_JSON, eventType: 'Bounce' }),
    expected: { throws: notSqs('Records is missing, expected an array') },
  },
  {
    name: 'an SQS event given to route-eventbridge',
    handler: 'route-eventbridge',
    event: sqsOf(FORGED),
    expected: { throws: notEventBridge('it has no detail-type string') },
  },
  {
    name: 'null given to route-eventbridge',
    handler: 'route-eventbridge',
    event: null,
    expected: { throws: notEventBridge('it is null') },
  },
  {
    name: 'an SQS event given to route-firehose',
    handler: 'route-firehose',
    event: sqsOf(FORGED),
    expected: { throws: notFirehose('records is missing, expected an array') },
  },
  {
    name: 'a Firehose event without deliveryStreamArn',
    handler: 'route-firehose',
    event: withKeys(firehoseEvent([GENUINE]), { deliveryStreamArn: 7 }),
    expected: { throws: notFirehose('it has no deliveryStreamArn string') },
  },
  {
    name: 'a Firehose record without recordId',
    handler: 'route-firehose',
    event: (() => {
      const e = firehoseEvent([GENUINE, FORGED]) as { records: Array<Record<string, unknown>> };
      delete e.records[1]!.recordId;
      return e;
    })(),
    expected: { throws: notFirehose('records[1].recordId is not a string') },
  },
  {
    name: 'a Firehose event given to route-sns',
    handler: 'route-sns',
    event: firehoseEvent([FORGED]),
    expected: { throws: notSns('Records is missing, expected an array') },
  },

  // Another transport's keys beside a genuine event: only the trigger's own part is read.
  {
    name: 'SQS-shaped Records beside a genuine EventBridge event',
    handler: 'route-eventbridge',
    event: withKeys(genuineEventBridge(), SMUGGLED['an SQS-shaped Records array']!),
    expected: { delivered: [GENUINE_DETAIL], parked: [] },
  },
  {
    name: 'Firehose records beside a genuine EventBridge event',
    handler: 'route-eventbridge',
    event: withKeys(genuineEventBridge(), SMUGGLED['Firehose records and deliveryStreamArn']!),
    expected: { delivered: [GENUINE_DETAIL], parked: [] },
  },
  {
    name: 'SQS-shaped Records beside a genuine Firehose event',
    handler: 'route-firehose',
    event: withKeys(firehoseEvent([GENUINE]), SMUGGLED['an SQS-shaped Records array']!),
    expected: { delivered: [GENUINE], parked: [] },
  },
  {
    name: 'EventBridge detail beside a genuine SQS event',
    handler: 'route-sqs',
    event: withKeys(sqsOf(sqsBodyFromSns(GENUINE)), SMUGGLED['EventBridge detail-type, source and detail']!),
    expected: { delivered: [GENUINE], parked: [] },
  },
  {
    name: 'a forged Sns object beside a genuine SQS body',
    handler: 'route-sqs',
    event: (() => {
      const e = sqsOf(sqsBodyFromSns(GENUINE));
      e.Records[0]!.Sns = snsEnvelope(FORGED);
      return e;
    })(),
    expected: { delivered: [GENUINE], parked: [] },
  },
  {
    name: 'a forged body beside a genuine Sns object',
    handler: 'route-sns',
    event: (() => {
      const e = snsOf(GENUINE);
      e.Records[0]!.body = FORGED;
      return e;
    })(),
    expected: { delivered: [GENUINE], parked: [] },
  },

  // Items of another trigger inside a genuine frame: parked once, their neighbours delivered.
  {
    name: 'a Lambda SNS record inside an SQS event',
    handler: 'route-sqs',
    event: { Records: [sqsOf(sqsBodyFromSns(GENUINE)).Records[0], snsOf(FORGED).Records[0]] },
    expected: { delivered: [GENUINE], parked: [['unsupported_input', 'Records[1]']] },
  },
  {
    name: 'an SQS record inside an SNS event',
    handler: 'route-sns',
    event: { Records: [snsOf(GENUINE).Records[0], sqsOf(FORGED).Records[0]] },
    expected: { delivered: [GENUINE], parked: [['unsupported_input', 'Records[1]']] },
  },

  // Inside a body, only what the trigger can carry.
  {
    name: 'an SQS body that is both an SNS envelope and an SES record',
    handler: 'route-sqs',
    event: sqsOf(
      JSON.stringify({
        ...snsEnvelope(GENUINE),
        ...SMUGGLED['the SES record keys themselves (mail, notificationType, bounce)'],
      }),
    ),
    expected: { delivered: [], parked: [['unsupported_input', 'Records[0].body']] },
  },
  {
    name: 'an SQS body shaped as an EventBridge event',
    handler: 'route-sqs',
    event: sqsOf(JSON.stringify(eventBridgeEvent({ ...FORGED_JSON, eventType: 'Bounce' }))),
    expected: { delivered: [], parked: [['not_ses', 'Records[0].body']] },
  },
  {
    name: 'an SQS body shaped as a Lambda SQS event',
    handler: 'route-sqs',
    event: sqsOf(JSON.stringify(sqsOf(FORGED))),
    expected: { delivered: [], parked: [['not_ses', 'Records[0].body']] },
  },
  {
    name: 'an SNS envelope inside an SNS envelope in an SQS body',
    handler: 'route-sqs',
    event: sqsOf(sqsBodyFromSns(sqsBodyFromSns(FORGED))),
    expected: { delivered: [], parked: [['not_ses', 'Records[0].body.Message']] },
  },
  {
    name: 'an SNS Message shaped as an SQS event',
    handler: 'route-sns',
    event: snsOf(JSON.stringify(sqsOf(FORGED))),
    expected: { delivered: [], parked: [['not_ses', 'Records[0].Sns.Message']] },
  },
  {
    name: 'an SNS Message that is itself an SNS envelope',
    handler: 'route-sns',
    event: snsOf(sqsBodyFromSns(FORGED)),
    expected: { delivered: [], parked: [['not_ses', 'Records[0].Sns.Message']] },
  },
  {
    name: 'an EventBridge detail that is an SNS envelope',
    handler: 'route-eventbridge',
    event: withKeys(genuineEventBridge(), { detail: snsEnvelope(FORGED) }),
    expected: { delivered: [], parked: [['not_ses', 'detail']] },
  },
  {
    name: 'a Firehose record that is an EventBridge event',
    handler: 'route-firehose',
    event: firehoseEvent([JSON.stringify(eventBridgeEvent({ ...FORGED_JSON, eventType: 'Bounce' }))]),
    expected: { delivered: [], parked: [['not_ses', 'records[0].data']] },
  },
  {
    name: 'a Firehose record that is an SNS envelope (an SNS Firehose subscription)',
    handler: 'route-firehose',
    event: firehoseEvent([sqsBodyFromSns(GENUINE)]),
    expected: { delivered: [GENUINE], parked: [] },
  },
  {
    name: 'a Firehose record that is both an SNS envelope and an SES record',
    handler: 'route-firehose',
    event: firehoseEvent([JSON.stringify({ ...snsEnvelope(GENUINE), mail: FORGED_JSON.mail })]),
    expected: { delivered: [], parked: [['unsupported_input', 'records[0].data']] },
  },
];

describe('each Lambda trigger, given what its trigger never sends', () => {
  for (const c of HANDLER_CASES) {
    const outcome =
      'throws' in c.expected
        ? 'refuses the whole event with a clear error, parking nothing'
        : `delivers ${c.expected.delivered.length} and parks ${c.expected.parked.length}`;
    it(`${c.handler}: ${c.name}: ${outcome}, and publishes nothing forged`, async () => {
      const run = HANDLERS[c.handler](structuredClone(c.event) as never, bridge.context);
      if ('throws' in c.expected) {
        await expect(run).rejects.toThrow(c.expected.throws);
        expect(published()).toEqual([]);
        return;
      }
      await run;
      expect(delivered()).toEqual(c.expected.delivered);
      expect(parked()).toEqual(c.expected.parked);
      expect(forgedDeliveries(published())).toEqual([]);
    });
  }

  it('refuses the same bad frame again on a retry, still parking nothing', async () => {
    for (let attempt = 0; attempt < 3; attempt++)
      await expect(sqsHandler({ Records: null } as never, bridge.context)).rejects.toThrow('Records is null');
    expect(published()).toEqual([]);
  });
});

// --- The SNS HTTPS intake (function URL) -------------------------------------------------------------------------

interface Intake {
  handler: (event: unknown, context?: Context) => Promise<{ statusCode: number; body: string }>;
  fetches: string[];
}

function intake(overrides: Partial<SnsHttpsConfig> = {}, options: { now?: () => number } = {}): Intake {
  const fetches: string[] = [];
  const certs = new CertificateStore(async (url) => {
    fetches.push(url);
    if (url === CERT_URL) return SNS_TEST_SIGNER.certPem;
    throw new CertFetchError(`fetching ${url} answered HTTP 404`, false);
  });
  const quiet = () => undefined;
  const deps: SnsHttpsDeps = {
    config: { ...loadSnsHttpsConfig({ SNS_HTTPS_ALLOWED_TOPIC_ARNS: TEST_TOPIC_ARN }), ...overrides },
    certs,
    confirm: async () => ({ subscriptionArn: null }),
    onNotification: pipelineOnNotification,
    logger: { info: quiet, warn: quiet, error: quiet },
    recent: new RecentMessageIds(),
    ...(options.now ? { now: options.now } : {}),
  };
  return { handler: createSnsHttpsHandler(() => deps) as Intake['handler'], fetches };
}

/** A genuine notification of the intake topic carrying `message`, signed with SNS's (test) key. */
function signed(message = GENUINE, fields: Partial<Parameters<typeof notificationBody>[0]> = {}) {
  return signBody(notificationBody({ message, ...fields }), { certUrl: CERT_URL });
}

function postText(text: string, body: Record<string, unknown>) {
  return functionUrlEvent(text, snsHeaders(body));
}

const answerOf = (res: { statusCode: number; body: string }) => {
  const { code } = JSON.parse(res.body) as { code: string };
  return [res.statusCode, code];
};

interface IntakeCase {
  name: string;
  /** The function URL event. */
  event: () => Record<string, unknown>;
  status: number;
  code: string;
  /** Certificate fetches the request may cause (default: none for a refused post, one for an accepted one). */
  fetches?: number;
  /** The intake's configuration, when not the default. */
  config?: Partial<SnsHttpsConfig>;
}

const SHA256_ONLY: Partial<SnsHttpsConfig> = { signatureVersions: new Set(['2']) };
const secondsAhead = (s: number) => new Date(Date.now() + s * 1000).toISOString();

const unsignedKeyCases: IntakeCase[] = Object.entries(SMUGGLED).map(([what, keys]) => ({
  name: `${what} added beside a genuine signed notification`,
  event: () => {
    const body = { ...signed(), ...keys };
    return postText(JSON.stringify(body), body);
  },
  status: 400,
  code: 'unexpected_key',
}));

const INTAKE_CASES: IntakeCase[] = [
  ...unsignedKeyCases,
  {
    name: 'a second Message key after the signed one',
    event: () => {
      const body = signed();
      return postText(`${JSON.stringify(body).slice(0, -1)},"Message":${JSON.stringify(FORGED)}}`, body);
    },
    status: 400,
    code: 'duplicate_key',
  },
  {
    name: 'a forged Message key before the signed one (a first-wins reader would see it)',
    event: () => {
      const body = signed();
      return postText(`{"Message":${JSON.stringify(FORGED)},${JSON.stringify(body).slice(1)}`, body);
    },
    status: 400,
    code: 'duplicate_key',
  },
  {
    name: 'a duplicate key spelled with a unicode escape',
    event: () => {
      const body = signed();
      return postText(`{"T\\u0079pe":"Notification",${JSON.stringify(body).slice(1)}`, body);
    },
    status: 400,
    code: 'duplicate_key',
  },
  {
    name: 'Message as an object (type confusion)',
    event: () => {
      const body = { ...signed(), Message: FORGED_JSON };
      return postText(JSON.stringify(body), body);
    },
    status: 400,
    code: 'malformed',
  },
  {
    name: 'TopicArn as an array',
    event: () => {
      const body = signed();
      const text = JSON.stringify({ ...body, TopicArn: [TEST_TOPIC_ARN] });
      return postText(text, body);
    },
    status: 400,
    code: 'malformed',
  },
  {
    name: 'SignatureVersion as a number',
    event: () => {
      const body = { ...signed(), SignatureVersion: 2 };
      return postText(JSON.stringify(body), body);
    },
    status: 400,
    code: 'malformed',
  },
  {
    name: 'a forged Message under the genuine signature',
    event: () => {
      const body = { ...signed(), Message: FORGED };
      return postText(JSON.stringify(body), body);
    },
    status: 403,
    code: 'bad_signature',
    fetches: 1,
  },
  ...[
    ['plain http', CERT_URL.replace('https://', 'http://')],
    ['a look-alike host', CERT_URL.replace('amazonaws.com', 'amazonaws.com.evil.example')],
    ['user info before the host', CERT_URL.replace('https://', 'https://sns.us-east-1.amazonaws.com@')],
    ['a port', CERT_URL.replace('amazonaws.com/', 'amazonaws.com:8443/')],
    ['a query string', `${CERT_URL}?x=1`],
    ['the SNS query API', 'https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&Token=x'],
    ['another region', testCertUrl('eu-west-1')],
    ['path traversal', CERT_URL.replace('/SimpleNotificationService', '/a/../SimpleNotificationService')],
  ].map(
    ([what, url]): IntakeCase => ({
      name: `a SigningCertURL with ${what}`,
      event: () => {
        const body = signBody(notificationBody({ message: FORGED }), { certUrl: url });
        return postText(JSON.stringify(body), body);
      },
      status: 403,
      code: 'untrusted_cert_url',
    }),
  ),
  {
    name: 'a SignatureVersion 1 (SHA1) post where only version 2 is accepted',
    event: () => {
      const body = signBody(notificationBody({ message: FORGED }), { certUrl: CERT_URL, version: '1' });
      return postText(JSON.stringify(body), body);
    },
    status: 403,
    code: 'signature_version_refused',
    config: SHA256_ONLY,
  },
  {
    name: 'a genuine SignatureVersion 2 post where only version 2 is accepted (routed from its signed Message)',
    event: () => {
      const body = signed(JSON.stringify(sqsOf(FORGED)));
      return postText(JSON.stringify(body), body);
    },
    status: 200,
    code: 'delivered',
    config: SHA256_ONLY,
  },
  {
    name: 'SignatureVersion "3"',
    event: () => {
      const body = { ...signed(FORGED), SignatureVersion: '3' };
      return postText(JSON.stringify(body), body);
    },
    status: 403,
    code: 'bad_signature',
  },
  {
    name: 'a Timestamp 310 s ahead, past the 300 s of clock skew (inside the one-hour age window)',
    event: () => {
      const body = signed(FORGED, { timestamp: secondsAhead(310) });
      return postText(JSON.stringify(body), body);
    },
    status: 403,
    code: 'stale_timestamp',
  },
  {
    name: 'a Timestamp a day ahead where the clock skew allowed is 0',
    event: () => {
      const body = signed(FORGED, { timestamp: secondsAhead(86_400) });
      return postText(JSON.stringify(body), body);
    },
    status: 403,
    code: 'stale_timestamp',
    config: { maxFutureSkewSeconds: 0 },
  },
  {
    name: 'a genuine notification whose signed Message is an SNS envelope around a forged record',
    event: () => {
      const body = signed(sqsBodyFromSns(FORGED));
      return postText(JSON.stringify(body), body);
    },
    status: 200,
    code: 'delivered',
    fetches: 1,
  },
  {
    name: 'a genuine notification whose signed Message is shaped as an SQS event',
    event: () => {
      const body = signed(JSON.stringify(sqsOf(FORGED)));
      return postText(JSON.stringify(body), body);
    },
    status: 200,
    code: 'delivered',
    fetches: 1,
  },
];

describe('the SNS HTTPS intake, given posts built around a genuine signed notification', () => {
  for (const c of INTAKE_CASES) {
    it(`${c.name}: answers ${c.status} ${c.code} and publishes nothing forged`, async () => {
      const { handler, fetches } = intake(c.config);
      const res = await handler(c.event(), bridge.context);
      expect(answerOf(res)).toEqual([c.status, c.code]);
      expect(fetches).toHaveLength(c.fetches ?? (c.status === 200 ? 1 : 0));
      expect(delivered()).toEqual([]);
      expect(forgedDeliveries(published())).toEqual([]);
    });
  }

  it('refuses a stale notification, genuinely signed, before fetching any certificate', async () => {
    const { handler, fetches } = intake();
    const body = signBody(
      notificationBody({ message: FORGED, timestamp: new Date(Date.now() - 3_601_000).toISOString() }),
      {
        certUrl: testCertUrl('us-east-1').replace('TESTONLY', 'NEVERFETCHED'),
      },
    );
    expect(answerOf(await handler(postText(JSON.stringify(body), body), bridge.context))).toEqual([
      403,
      'stale_timestamp',
    ]);
    expect(fetches).toEqual([]);
    expect(published()).toEqual([]);
  });

  it('bounds a fetch storm of 30 posts naming made-up certificates to 10 fetches; the rest are answered 503', async () => {
    const { handler, fetches } = intake();
    const answers: string[] = [];
    for (let i = 0; i < 30; i++) {
      const body = signBody(notificationBody({ message: FORGED }), {
        certUrl: testCertUrl('us-east-1').replace('TESTONLY', `STORM${i}`),
      });
      answers.push(answerOf(await handler(postText(JSON.stringify(body), body), bridge.context)).join(' '));
    }
    expect(fetches).toHaveLength(10);
    expect(answers).toEqual([
      ...Array<string>(10).fill('403 untrusted_cert_url'),
      ...Array<string>(20).fill('503 cert_unavailable'),
    ]);
    expect(published()).toEqual([]);
  });

  it('answers a repeated made-up certificate from its remembered failure, without a second fetch', async () => {
    const { handler, fetches } = intake();
    const certUrl = testCertUrl('us-east-1').replace('TESTONLY', 'MADEUP');
    for (let i = 0; i < 5; i++) {
      const body = signBody(notificationBody({ message: FORGED }), { certUrl });
      expect(answerOf(await handler(postText(JSON.stringify(body), body), bridge.context))).toEqual([
        403,
        'untrusted_cert_url',
      ]);
    }
    expect(fetches).toEqual([certUrl]);
  });

  it('delivers a genuine signed notification byte for byte, read from its signed Message only', async () => {
    const { handler } = intake();
    const body = signed();
    const res = await handler(postText(JSON.stringify(body, null, 2), body), bridge.context);
    expect(answerOf(res)).toEqual([200, 'delivered']);
    expect(delivered()).toEqual([GENUINE]);
    expect(parked()).toEqual([]);
  });

  it('parks the signed Message that is not an SES record as not_ses at "Message", publishing nothing forged', async () => {
    const { handler } = intake();
    const body = signed(JSON.stringify(sqsOf(FORGED)));
    await handler(postText(JSON.stringify(body), body), bridge.context);
    expect(parked()).toEqual([['not_ses', 'Message']]);
  });

  // The bare SES record keys are what a raw-delivery body is: there, the basic auth credentials are the trust.
  it.each(Object.entries(SMUGGLED).filter(([, keys]) => !('mail' in keys)))(
    'reads an authenticated raw-delivery post only as an SES record: %s is parked as not_ses',
    async (_what, keys) => {
      const { handler } = intake({ rawDelivery: true, basicAuth: { user: 'sns', password: 'pw' } });
      const res = await handler(
        functionUrlEvent(JSON.stringify(keys), {
          'x-amz-sns-rawdelivery': 'true',
          'x-amz-sns-message-type': 'Notification',
          'x-amz-sns-topic-arn': TEST_TOPIC_ARN,
          authorization: `Basic ${Buffer.from('sns:pw').toString('base64')}`,
        }),
        bridge.context,
      );
      expect(answerOf(res)).toEqual([200, 'delivered']);
      expect(parked()).toEqual([['not_ses', '']]);
      expect(forgedDeliveries(published())).toEqual([]);
    },
  );
});
