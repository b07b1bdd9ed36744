import 'aws-sdk-client-mock-vitest/extend';
import { ConfirmSubscriptionCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { CertFetchError, CertificateStore } from '#lib/sns-https/certs';
import { loadSnsHttpsConfig } from '#lib/sns-https/config';
import { confirmWithSns } from '#lib/sns-https/confirm';
import { type NotificationOutcome, RecentMessageIds, type SnsHttpsDeps } from '#lib/sns-https/handle';
import {
  confirmationBody,
  FOREIGN_SIGNER,
  functionUrlEvent,
  notificationBody,
  SNS_TEST_SIGNER,
  signBody,
  signedEvent,
  snsHeaders,
  TEST_TOPIC_ARN,
  testCertStore,
  testCertUrl,
} from '#test/support/sns-signing';
import { createSnsHttpsHandler, defaultSnsHttpsDeps } from '../../../functions/sns-https';

const NOW = Date.parse('2026-06-01T12:00:00.000Z');
const FRESH = '2026-06-01T11:59:30.000Z';
const OTHER_TOPIC = 'arn:aws:sns:eu-west-1:111122223333:other-feedback';
const SES_BOUNCE = JSON.stringify({
  notificationType: 'Bounce',
  mail: { messageId: 'm-1', destination: ['jane.recipient@example.com'] },
  bounce: { bounceType: 'Permanent' },
});

const snsMock = mockClient(SNSClient);
// Module-level stubs patch the client class for the whole process: give it back for the files that follow.
afterAll(() => {
  snsMock.restore();
});

interface Harness {
  handler: (event: unknown) => Promise<{ statusCode: number; headers: Record<string, string>; body: string }>;
  /** What each notification handed to the pipeline: the signed fields, or the raw-delivery text. */
  notifications: Array<Record<string, unknown>>;
  logs: Array<{ level: string; message: string; extra: Record<string, unknown> }>;
  certs: ReturnType<typeof testCertStore>;
  regions: string[];
  outcome: { next: NotificationOutcome | Error };
}

function harness(env: Record<string, string> = {}, certs = testCertStore()): Harness {
  const h: Harness = {
    handler: undefined as never,
    notifications: [],
    logs: [],
    certs,
    regions: [],
    outcome: { next: 'delivered' },
  };
  const log = (level: string) => (message: string, extra: Record<string, unknown>) =>
    h.logs.push({ level, message, extra });
  const deps: SnsHttpsDeps = {
    // The password a SecureString would hold (read from SSM in production: test/integration/sns-https-secret.test.ts).
    config: loadSnsHttpsConfig(
      { SNS_HTTPS_ALLOWED_TOPIC_ARNS: `${TEST_TOPIC_ARN},${OTHER_TOPIC}`, ...env },
      { basicAuthPassword: 'correct horse' },
    ),
    certs,
    confirm: confirmWithSns((region) => {
      h.regions.push(region);
      return new SNSClient({ region });
    }),
    onNotification: async (post) => {
      h.notifications.push(
        post.raw
          ? { raw: true, text: post.text, topicArn: post.topicArn }
          : { raw: false, Message: post.message.Message, MessageId: post.message.MessageId },
      );
      if (h.outcome.next instanceof Error) throw h.outcome.next;
      return h.outcome.next;
    },
    logger: { info: log('info'), warn: log('warn'), error: log('error') },
    now: () => NOW,
    recent: new RecentMessageIds(),
  };
  h.handler = createSnsHttpsHandler(() => deps);
  return h;
}

function notification(fields: Partial<Parameters<typeof notificationBody>[0]> = {}) {
  return notificationBody({ message: SES_BOUNCE, timestamp: FRESH, ...fields });
}

/** Sends `body` (already signed) with SNS's headers, optionally changed. */
function post(
  h: Harness,
  body: Record<string, unknown>,
  headerChanges: Record<string, string | undefined> = {},
  method = 'POST',
) {
  const headers: Record<string, string> = { ...snsHeaders(body) };
  for (const [name, value] of Object.entries(headerChanges)) {
    if (value === undefined) delete headers[name];
    else headers[name] = value;
  }
  return h.handler(functionUrlEvent(JSON.stringify(body), headers, method));
}

function answer(res: { statusCode: number; body: string }) {
  return { status: res.statusCode, ...(JSON.parse(res.body) as { code: string; reason: string }) };
}

beforeEach(() => {
  snsMock.reset();
});

describe('accepting genuine posts', () => {
  it.each(['1', '2'] as const)(
    'delivers a Notification signed with SignatureVersion %s to the pipeline',
    async (version) => {
      const h = harness();
      const { event, body } = signedEvent(notification({ subject: 'Amazon SES Email Event Notification' }), {
        version,
      });
      const res = await h.handler(event);
      expect(answer(res)).toEqual({
        status: 200,
        code: 'delivered',
        reason: `message ${String(body.MessageId)} delivered`,
      });
      expect(h.notifications).toEqual([{ raw: false, Message: body.Message, MessageId: body.MessageId }]);
    },
  );

  it('confirms a SubscriptionConfirmation with ConfirmSubscription in the topic region, authenticated on unsubscribe', async () => {
    snsMock
      .on(ConfirmSubscriptionCommand)
      .resolves({ SubscriptionArn: `${OTHER_TOPIC}:5305644e-d04e-ca8e-e1e5-53e766c390ac` });
    const h = harness();
    const body = signBody(
      confirmationBody('SubscriptionConfirmation', { topicArn: OTHER_TOPIC, timestamp: FRESH, token: 'abc123' }),
      { certUrl: testCertUrl('eu-west-1') },
    );
    h.certs.add(testCertUrl('eu-west-1'), SNS_TEST_SIGNER.certPem);
    const res = await post(h, body);
    expect(answer(res)).toEqual({
      status: 200,
      code: 'confirmed',
      reason: `subscription to ${OTHER_TOPIC} confirmed with AuthenticateOnUnsubscribe=true`,
    });
    expect(snsMock).toHaveReceivedCommandWith(ConfirmSubscriptionCommand, {
      TopicArn: OTHER_TOPIC,
      Token: 'abc123',
      AuthenticateOnUnsubscribe: 'true',
    });
    expect(h.regions).toEqual(['eu-west-1']);
    expect(h.notifications).toEqual([]);
  });

  it('never fetches the SubscribeURL: the only URL it reads is the pinned certificate', async () => {
    snsMock.on(ConfirmSubscriptionCommand).resolves({ SubscriptionArn: `${TEST_TOPIC_ARN}:1` });
    const h = harness();
    const body = signBody(
      confirmationBody('SubscriptionConfirmation', {
        timestamp: FRESH,
        subscribeUrl: 'https://169.254.169.254/latest/meta-data/',
      }),
    );
    expect((await post(h, body)).statusCode).toBe(200);
    expect(h.certs.fetches).toEqual([testCertUrl('us-east-1')]);
  });

  it('logs an UnsubscribeConfirmation and never acts on it', async () => {
    const h = harness();
    const body = signBody(confirmationBody('UnsubscribeConfirmation', { timestamp: FRESH }));
    const res = await post(h, body);
    expect(answer(res)).toEqual({
      status: 200,
      code: 'ignored',
      reason: `UnsubscribeConfirmation for ${TEST_TOPIC_ARN} logged and not acted on`,
    });
    expect(snsMock).not.toHaveReceivedCommand(ConfirmSubscriptionCommand);
    expect(h.logs).toEqual([
      {
        level: 'warn',
        message: 'SNS UnsubscribeConfirmation received: logged, not acted on',
        extra: { topicArn: TEST_TOPIC_ARN, messageId: body.MessageId },
      },
    ]);
  });

  it('reads a base64-encoded body', async () => {
    const h = harness();
    const { event } = signedEvent(notification());
    const res = await h.handler({
      ...event,
      body: Buffer.from(String(event.body)).toString('base64'),
      isBase64Encoded: true,
    });
    expect(res.statusCode).toBe(200);
  });

  it('acknowledges a repeat of a delivered MessageId without publishing it again', async () => {
    const h = harness();
    const body = signBody(notification());
    await post(h, body);
    const res = await post(h, body);
    expect(answer(res)).toEqual({
      status: 200,
      code: 'duplicate',
      reason: `message ${String(body.MessageId)} was already delivered`,
    });
    expect(h.notifications).toHaveLength(1);
  });
});

describe('rejecting forged, unknown-topic, stale and malformed posts', () => {
  const tamper = (field: string, value: string) => async () => {
    const h = harness();
    const body = { ...signBody(notification({ subject: 'Amazon SES Email Event Notification' })), [field]: value };
    const res = await post(h, body);
    expect(answer(res)).toEqual({
      status: 403,
      code: 'bad_signature',
      reason: 'the SignatureVersion 2 signature does not match the message',
    });
    expect(h.notifications).toEqual([]);
  };

  it('rejects a tampered Message', tamper('Message', SES_BOUNCE.replace('Permanent', 'Transient')));
  it('rejects a tampered Subject', tamper('Subject', 'Hello'));
  it('rejects a tampered Timestamp', tamper('Timestamp', '2026-06-01T11:59:31.000Z'));

  it('rejects a TopicArn changed to another allowlisted topic (header changed to match)', async () => {
    const h = harness();
    const body = { ...signBody(notification()), TopicArn: OTHER_TOPIC, SigningCertURL: testCertUrl('eu-west-1') };
    h.certs.add(testCertUrl('eu-west-1'), SNS_TEST_SIGNER.certPem);
    const res = await post(h, body);
    expect(answer(res)).toEqual({
      status: 403,
      code: 'bad_signature',
      reason: 'the SignatureVersion 2 signature does not match the message',
    });
  });

  it('rejects a message signed with a key that is not SNS', async () => {
    const h = harness();
    const res = await post(h, signBody(notification(), { signer: FOREIGN_SIGNER }));
    expect(answer(res)).toEqual({
      status: 403,
      code: 'bad_signature',
      reason: 'the SignatureVersion 2 signature does not match the message',
    });
  });

  it('rejects a certificate on a foreign host without fetching it', async () => {
    const h = harness();
    const res = await post(
      h,
      signBody(notification(), {
        certUrl: 'https://attacker.example/SimpleNotificationService-0123456789abcdef0123456789abcdef.pem',
      }),
    );
    expect(answer(res)).toEqual({
      status: 403,
      code: 'untrusted_cert_url',
      reason: 'SigningCertURL host "attacker.example" is not an SNS host (sns.<region>.amazonaws.com)',
    });
    expect(h.certs.fetches).toEqual([]);
  });

  it('rejects an http: certificate URL', async () => {
    const h = harness();
    const url = testCertUrl('us-east-1').replace('https:', 'http:');
    const res = await post(h, signBody(notification(), { certUrl: url }));
    expect(answer(res)).toEqual({
      status: 403,
      code: 'untrusted_cert_url',
      reason: `SigningCertURL ${url} is not an https URL`,
    });
  });

  it('rejects a certificate path that is not an SNS certificate', async () => {
    const h = harness();
    const url = 'https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=x';
    const res = await post(h, signBody(notification(), { certUrl: url }));
    expect(answer(res)).toEqual({
      status: 403,
      code: 'untrusted_cert_url',
      reason: `SigningCertURL ${url} is not an SNS certificate path (/SimpleNotificationService-*.pem)`,
    });
    expect(h.certs.fetches).toEqual([]);
  });

  it('rejects a stale Timestamp even with a valid signature', async () => {
    const h = harness();
    const res = await post(h, signBody(notification({ timestamp: '2026-06-01T10:00:00.000Z' })));
    expect(answer(res)).toEqual({
      status: 403,
      code: 'stale_timestamp',
      reason: 'Timestamp 2026-06-01T10:00:00.000Z is 7200 s old, more than the 3600 s allowed',
    });
    expect(h.notifications).toEqual([]);
  });

  it('uses the configured window', async () => {
    const h = harness({ SNS_HTTPS_MAX_AGE_SECONDS: '10' });
    const res = await post(h, signBody(notification()));
    expect(answer(res)).toEqual({
      status: 403,
      code: 'stale_timestamp',
      reason: `Timestamp ${FRESH} is 30 s old, more than the 10 s allowed`,
    });
  });

  it('rejects a topic not on the allowlist before doing anything else', async () => {
    const h = harness();
    const topic = 'arn:aws:sns:us-east-1:999999999999:someone-else';
    const res = await post(h, signBody(notification({ topicArn: topic })));
    expect(answer(res)).toEqual({
      status: 403,
      code: 'topic_not_allowed',
      reason: `topic ${topic} is not on the allowlist`,
    });
    expect(h.certs.fetches).toEqual([]);
  });

  it('rejects a post with no topic header, whatever the method', async () => {
    const h = harness();
    const res = await post(h, signBody(notification()), { 'x-amz-sns-topic-arn': undefined }, 'GET');
    expect(answer(res)).toEqual({
      status: 403,
      code: 'topic_not_allowed',
      reason: 'the x-amz-sns-topic-arn header is missing',
    });
  });

  it('rejects a body whose TopicArn is not the topic the header names', async () => {
    const h = harness();
    const res = await post(h, signBody(notification()), { 'x-amz-sns-topic-arn': OTHER_TOPIC });
    expect(answer(res)).toEqual({
      status: 403,
      code: 'topic_mismatch',
      reason: `the body's TopicArn ${TEST_TOPIC_ARN} does not match the x-amz-sns-topic-arn header ${OTHER_TOPIC}`,
    });
  });

  it('rejects a message type header that does not match the body', async () => {
    const h = harness();
    const res = await post(h, signBody(notification()), { 'x-amz-sns-message-type': 'SubscriptionConfirmation' });
    expect(answer(res)).toEqual({
      status: 400,
      code: 'type_mismatch',
      reason: 'x-amz-sns-message-type "SubscriptionConfirmation" does not match the body\'s Type "Notification"',
    });
  });

  it('rejects a post with no message type header', async () => {
    const h = harness();
    const res = await post(h, signBody(notification()), { 'x-amz-sns-message-type': undefined });
    expect(answer(res)).toEqual({
      status: 400,
      code: 'type_mismatch',
      reason: 'the x-amz-sns-message-type header is missing',
    });
  });

  it('rejects a body that is not JSON', async () => {
    const h = harness();
    const res = await h.handler(
      functionUrlEvent('hello', { 'x-amz-sns-topic-arn': TEST_TOPIC_ARN, 'x-amz-sns-message-type': 'Notification' }),
    );
    expect(answer(res)).toEqual({ status: 400, code: 'malformed', reason: 'the body is not JSON' });
  });

  it('rejects a method other than POST', async () => {
    const h = harness();
    const res = await post(h, signBody(notification()), {}, 'GET');
    expect(answer(res)).toEqual({
      status: 405,
      code: 'method_not_allowed',
      reason: 'method GET is not allowed: SNS posts',
    });
  });

  it('never logs the message body or a recipient address', async () => {
    const h = harness();
    await post(h, signBody(notification()));
    await post(h, { ...signBody(notification()), Message: SES_BOUNCE.replace('m-1', 'm-2') });
    expect(JSON.stringify(h.logs)).not.toContain('jane.recipient@example.com');
    expect(h.logs.map((l) => l.message)).toEqual(['SNS notification delivered', 'SNS HTTPS post rejected']);
  });
});

describe('raw message delivery', () => {
  const rawHeaders = {
    'x-amz-sns-rawdelivery': 'true',
    'x-amz-sns-message-type': 'Notification',
    'x-amz-sns-topic-arn': TEST_TOPIC_ARN,
    'x-amz-sns-message-id': 'raw-1',
  };
  const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

  it('is rejected when not enabled', async () => {
    const h = harness();
    const res = await h.handler(functionUrlEvent(SES_BOUNCE, rawHeaders));
    expect(answer(res)).toEqual({
      status: 403,
      code: 'raw_delivery_disabled',
      reason: 'raw-delivery posts carry no signature and raw delivery is not enabled on this endpoint',
    });
  });

  it('cannot be enabled without basic auth', () => {
    expect(() =>
      loadSnsHttpsConfig({ SNS_HTTPS_ALLOWED_TOPIC_ARNS: TEST_TOPIC_ARN, SNS_HTTPS_RAW_DELIVERY: 'true' }),
    ).toThrow(
      'SNS_HTTPS_RAW_DELIVERY: raw-delivery posts carry no signature, so they are accepted only with HTTP basic auth',
    );
  });

  const enabled = {
    SNS_HTTPS_RAW_DELIVERY: 'true',
    SNS_HTTPS_BASIC_AUTH_USER: 'sns',
    SNS_HTTPS_BASIC_AUTH_PASSWORD_PARAMETER: '/bridge/sns-https/basic-auth-password',
  };

  it('is delivered with the right basic auth credentials', async () => {
    const h = harness(enabled);
    const res = await h.handler(
      functionUrlEvent(SES_BOUNCE, { ...rawHeaders, authorization: basic('sns', 'correct horse') }),
    );
    expect(answer(res)).toEqual({ status: 200, code: 'delivered', reason: 'message raw-1 delivered' });
    expect(h.notifications).toEqual([{ raw: true, text: SES_BOUNCE, topicArn: TEST_TOPIC_ARN }]);
  });

  it('is refused with wrong credentials, with a basic auth challenge', async () => {
    const h = harness(enabled);
    const res = await h.handler(functionUrlEvent(SES_BOUNCE, { ...rawHeaders, authorization: basic('sns', 'wrong') }));
    expect(answer(res)).toEqual({
      status: 401,
      code: 'unauthorized',
      reason: 'HTTP basic auth credentials are missing or wrong',
    });
    expect(res.headers['www-authenticate']).toBe('Basic realm="ses-bridge", charset="UTF-8"');
  });

  it('answers a caller without the credentials the same whatever topic it names: the allowlist stays unknown', async () => {
    const h = harness(enabled);
    const answers = [];
    for (const topic of [TEST_TOPIC_ARN, 'arn:aws:sns:us-east-1:999999999999:guess', '']) {
      const res = await h.handler(functionUrlEvent(SES_BOUNCE, { ...rawHeaders, 'x-amz-sns-topic-arn': topic }));
      answers.push({ ...answer(res), challenge: res.headers['www-authenticate'] });
    }
    expect(new Set(answers.map((a) => JSON.stringify(a))).size).toBe(1);
    expect(answers[0]).toMatchObject({ status: 401, code: 'unauthorized' });
  });

  it('makes basic auth required on signed posts too once credentials are configured', async () => {
    const h = harness(enabled);
    const res = await post(h, signBody(notification()));
    expect(answer(res).code).toBe('unauthorized');
  });
});

describe('asking SNS to retry only when a retry can help', () => {
  it('answers 500 when publishing failed', async () => {
    const h = harness();
    h.outcome.next = 'retry';
    const res = await post(h, signBody(notification()));
    expect(answer(res)).toEqual({
      status: 500,
      code: 'retry',
      reason: 'publishing failed for some records; SNS will retry the notification',
    });
  });

  it('answers 500 when the pipeline threw, and delivers the retry', async () => {
    const h = harness();
    const body = signBody(notification());
    h.outcome.next = new Error('boom');
    expect((await post(h, body)).statusCode).toBe(500);
    h.outcome.next = 'delivered';
    expect((await post(h, body)).statusCode).toBe(200);
  });

  it('answers 503 when the certificate host cannot be reached', async () => {
    const certs = new CertificateStore(async (url) => {
      throw new CertFetchError(`fetching ${url} failed: getaddrinfo EAI_AGAIN`, true);
    });
    const h = harness({}, Object.assign(certs, { fetches: [] as string[] }));
    const res = await post(h, signBody(notification()));
    expect(answer(res)).toEqual({
      status: 503,
      code: 'cert_unavailable',
      reason: `the signing certificate could not be fetched: fetching ${testCertUrl('us-east-1')} failed: getaddrinfo EAI_AGAIN`,
    });
  });

  it('answers 500 when ConfirmSubscription failed for a reason that may pass', async () => {
    snsMock
      .on(ConfirmSubscriptionCommand)
      .rejects(Object.assign(new Error('Internal error'), { name: 'InternalErrorException' }));
    const h = harness();
    const res = await post(h, signBody(confirmationBody('SubscriptionConfirmation', { timestamp: FRESH })));
    expect(answer(res)).toEqual({
      status: 500,
      code: 'confirm_failed',
      reason: `ConfirmSubscription for ${TEST_TOPIC_ARN} failed: Internal error`,
    });
  });

  it('masks addresses an SNS error quotes in its answer, which goes back to whoever posted', async () => {
    snsMock
      .on(ConfirmSubscriptionCommand)
      .rejects(
        Object.assign(new Error('Endpoint jane@example.com is not allowed'), { name: 'InternalErrorException' }),
      );
    const h = harness();
    const res = await post(h, signBody(confirmationBody('SubscriptionConfirmation', { timestamp: FRESH })));
    expect(answer(res).reason).toBe(
      `ConfirmSubscription for ${TEST_TOPIC_ARN} failed: Endpoint j***@example.com is not allowed`,
    );
  });

  it('answers 400 when SNS refuses the token itself', async () => {
    snsMock
      .on(ConfirmSubscriptionCommand)
      .rejects(Object.assign(new Error('Invalid token'), { name: 'InvalidParameterException' }));
    const h = harness();
    const res = await post(h, signBody(confirmationBody('SubscriptionConfirmation', { timestamp: FRESH })));
    expect(answer(res)).toEqual({
      status: 400,
      code: 'confirm_rejected',
      reason: `ConfirmSubscription for ${TEST_TOPIC_ARN} failed: Invalid token`,
    });
  });
});

describe('configuration', () => {
  it('is read on the first invocation, not when the module loads, and names the variable to fix', async () => {
    const handler = createSnsHttpsHandler(() => defaultSnsHttpsDeps({ SNS_HTTPS_BASIC_AUTH_PASSWORD: 'plaintext' }));
    await expect(handler(functionUrlEvent('{}', {}))).rejects.toThrow(
      'SNS_HTTPS_BASIC_AUTH_PASSWORD: is no longer read, so the password stays out of the environment and the template: store it as an SSM SecureString and set SNS_HTTPS_BASIC_AUTH_PASSWORD_PARAMETER to its name',
    );
  });

  it('names the allowlist when it is missing', async () => {
    const handler = createSnsHttpsHandler(() => defaultSnsHttpsDeps({}));
    await expect(handler(functionUrlEvent('{}', {}))).rejects.toThrow(
      'SNS_HTTPS_ALLOWED_TOPIC_ARNS: is empty: set it to the comma-separated ARNs of the SNS topics allowed to post to this endpoint',
    );
  });

  it.each([
    [
      { SNS_HTTPS_ALLOWED_TOPIC_ARNS: 'arn:aws:sns:us-east-1:888888888888:*' },
      'SNS_HTTPS_ALLOWED_TOPIC_ARNS: entry 1 "arn:aws:sns:us-east-1:888888888888:*" is not an SNS topic ARN (arn:aws:sns:<region>:<account>:<topic>)',
    ],
    [
      { SNS_HTTPS_ALLOWED_TOPIC_ARNS: TEST_TOPIC_ARN, SNS_HTTPS_MAX_AGE_SECONDS: '1h' },
      'SNS_HTTPS_MAX_AGE_SECONDS: must be a whole number of seconds of at least 1, got "1h"',
    ],
    [
      { SNS_HTTPS_ALLOWED_TOPIC_ARNS: TEST_TOPIC_ARN, SNS_HTTPS_BASIC_AUTH_USER: 'sns' },
      'SNS_HTTPS_BASIC_AUTH_PASSWORD_PARAMETER: set both SNS_HTTPS_BASIC_AUTH_USER and SNS_HTTPS_BASIC_AUTH_PASSWORD_PARAMETER, or neither',
    ],
    [
      { SNS_HTTPS_ALLOWED_TOPIC_ARNS: TEST_TOPIC_ARN, SNS_HTTPS_BASIC_AUTH_PASSWORD_PARAMETER: '/p' },
      'SNS_HTTPS_BASIC_AUTH_USER: set both SNS_HTTPS_BASIC_AUTH_USER and SNS_HTTPS_BASIC_AUTH_PASSWORD_PARAMETER, or neither',
    ],
    [
      {
        SNS_HTTPS_ALLOWED_TOPIC_ARNS: TEST_TOPIC_ARN,
        SNS_HTTPS_BASIC_AUTH_USER: 'sns',
        SNS_HTTPS_BASIC_AUTH_PASSWORD_PARAMETER: 'password please',
      },
      'SNS_HTTPS_BASIC_AUTH_PASSWORD_PARAMETER: is not an SSM parameter name or ARN (letters, digits and _.-/), got "password please"',
    ],
    [
      { SNS_HTTPS_ALLOWED_TOPIC_ARNS: TEST_TOPIC_ARN, SNS_HTTPS_RAW_DELIVERY: 'yes' },
      'SNS_HTTPS_RAW_DELIVERY: must be "true" or "false", got "yes"',
    ],
    [
      { SNS_HTTPS_ALLOWED_TOPIC_ARNS: TEST_TOPIC_ARN, SNS_HTTPS_TRUST_TEST_CERT: 'true' },
      'SNS_HTTPS_TRUST_TEST_CERT: is a test-only switch for `serverless invoke local` (IS_LOCAL=true); unset it in deployed functions',
    ],
    // IS_LOCAL left in a deployed function's environment: the Lambda runtime's own variable still tells.
    [
      {
        SNS_HTTPS_ALLOWED_TOPIC_ARNS: TEST_TOPIC_ARN,
        SNS_HTTPS_TRUST_TEST_CERT: 'true',
        IS_LOCAL: 'true',
        AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
      },
      'SNS_HTTPS_TRUST_TEST_CERT: is a test-only switch for `serverless invoke local` (IS_LOCAL=true); unset it in deployed functions',
    ],
  ])('refuses %o', (env, message) => {
    expect(() => loadSnsHttpsConfig(env)).toThrow(message);
  });

  it('reads a list of topics with spaces and the defaults', () => {
    const config = loadSnsHttpsConfig({ SNS_HTTPS_ALLOWED_TOPIC_ARNS: ` ${TEST_TOPIC_ARN} , ${OTHER_TOPIC} ` });
    expect(config).toEqual({
      allowedTopicArns: new Set([TEST_TOPIC_ARN, OTHER_TOPIC]),
      maxAgeSeconds: 3600,
      maxFutureSkewSeconds: 300,
      signatureVersions: new Set(['1', '2']),
      rawDelivery: false,
      basicAuth: null,
      trustTestCertificate: false,
    });
  });

  it('trusts the test certificate only under invoke local', async () => {
    const deps = await defaultSnsHttpsDeps({
      SNS_HTTPS_ALLOWED_TOPIC_ARNS: TEST_TOPIC_ARN,
      SNS_HTTPS_TRUST_TEST_CERT: 'true',
      IS_LOCAL: 'true',
    });
    expect(deps.certs.size).toBe(1);
    expect((await defaultSnsHttpsDeps({ SNS_HTTPS_ALLOWED_TOPIC_ARNS: TEST_TOPIC_ARN })).certs.size).toBe(0);
  });
});
