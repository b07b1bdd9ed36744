/**
 * Signs SNS HTTP/S bodies exactly like SNS (sns-verify-signature-of-message) with the committed TEST-ONLY keys in
 * test/fixtures/sns-https/, and wraps them in function URL events. Shared by the unit tests, the fake SNS server's
 * HTTP delivery and the sample events under events/sns-https/.
 */
import { randomUUID, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { CertFetchError, CertificateStore } from '#lib/sns-https/certs';
import { type SnsMessageType, stringToSign } from '#lib/sns-https/message';
import { TEST_CERT_URL } from '#lib/sns-https/test-certificate';

const FIXTURES = path.resolve(__dirname, '../fixtures/sns-https');

/** A test key pair: the private key signs, the certificate verifies. */
export interface TestSigner {
  keyPem: string;
  certPem: string;
  certUrl: string;
}

function readFixture(name: string): string {
  return readFileSync(path.join(FIXTURES, name), 'utf8');
}

/** Stands in for SNS's own signing key in us-east-1 (its certificate is TEST_CERT_URL). */
export const SNS_TEST_SIGNER: TestSigner = {
  keyPem: readFixture('sns-test.key.pem'),
  certPem: readFixture('sns-test.cert.pem'),
  certUrl: TEST_CERT_URL,
};

/** A key an attacker holds; its certificate is never served from an SNS URL. */
export const FOREIGN_SIGNER: TestSigner = {
  keyPem: readFixture('foreign.key.pem'),
  certPem: readFixture('foreign.cert.pem'),
  certUrl: TEST_CERT_URL,
};

export const TEST_REGION = 'us-east-1';
export const TEST_TOPIC_ARN = 'arn:aws:sns:us-east-1:888888888888:ses-feedback-intake';

/** The certificate URL SNS would use for a region, with a test file name. */
export function testCertUrl(region: string, partitionSuffix = ''): string {
  return `https://sns.${region}.amazonaws.com${partitionSuffix}/SimpleNotificationService-TESTONLY000000000000000000000000.pem`;
}

export interface SignOptions {
  signer?: TestSigner;
  version?: '1' | '2';
  certUrl?: string;
}

/** The fields SNS signs, plus whatever else the body carries (UnsubscribeURL, MessageAttributes...). */
export type UnsignedBody = {
  Type: SnsMessageType;
  MessageId: string;
  TopicArn: string;
  Message: string;
  Timestamp: string;
  Subject?: string;
  Token?: string;
  SubscribeURL?: string;
} & Record<string, unknown>;

/**
 * Adds SignatureVersion, Signature and SigningCertURL to a body, signed like SNS: the canonical string of the
 * signed fields, SHA1withRSA (version 1) or SHA256withRSA (version 2), base64.
 */
export function signBody(body: UnsignedBody, options: SignOptions = {}): Record<string, unknown> {
  const signer = options.signer ?? SNS_TEST_SIGNER;
  const version = options.version ?? '2';
  const signature = sign(
    version === '1' ? 'sha1' : 'sha256',
    Buffer.from(stringToSign(body), 'utf8'),
    signer.keyPem,
  ).toString('base64');
  return {
    ...body,
    SignatureVersion: version,
    Signature: signature,
    SigningCertURL: options.certUrl ?? signer.certUrl,
  };
}

export interface NotificationFields {
  message: string;
  topicArn?: string;
  subject?: string;
  timestamp?: string;
  messageId?: string;
}

/** An unsigned Notification body in SNS's field order. */
export function notificationBody(fields: NotificationFields): UnsignedBody {
  const topicArn = fields.topicArn ?? TEST_TOPIC_ARN;
  const body: UnsignedBody = {
    Type: 'Notification',
    MessageId: fields.messageId ?? randomUUID(),
    TopicArn: topicArn,
    Message: fields.message,
    Timestamp: fields.timestamp ?? new Date().toISOString(),
    UnsubscribeURL: `https://sns.${topicArn.split(':')[3]}.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=${topicArn}:00000000-0000-4000-8000-000000000000`,
  };
  if (fields.subject !== undefined) body.Subject = fields.subject;
  return body;
}

/** An unsigned SubscriptionConfirmation or UnsubscribeConfirmation body. */
export function confirmationBody(
  type: 'SubscriptionConfirmation' | 'UnsubscribeConfirmation',
  fields: {
    topicArn?: string;
    token?: string;
    timestamp?: string;
    messageId?: string;
    subscribeUrl?: string;
    subscriptionArn?: string;
  } = {},
): UnsignedBody {
  const topicArn = fields.topicArn ?? TEST_TOPIC_ARN;
  const token = fields.token ?? '2336412f37fb687f5d51e6e2425c464de12884ef4fbbb79cb6f04d3bb5aa9e0fb6d9a7bf9a';
  const region = topicArn.split(':')[3];
  const message =
    type === 'SubscriptionConfirmation'
      ? `You have chosen to subscribe to the topic ${topicArn}.\nTo confirm the subscription, visit the SubscribeURL included in this message.`
      : `You have chosen to deactivate subscription ${fields.subscriptionArn ?? `${topicArn}:00000000-0000-4000-8000-000000000000`}.\nTo cancel this operation and restore the subscription, visit the SubscribeURL included in this message.`;
  return {
    Type: type,
    MessageId: fields.messageId ?? randomUUID(),
    Token: token,
    TopicArn: topicArn,
    Message: message,
    SubscribeURL:
      fields.subscribeUrl ??
      `https://sns.${region}.amazonaws.com/?Action=ConfirmSubscription&TopicArn=${topicArn}&Token=${token}`,
    Timestamp: fields.timestamp ?? new Date().toISOString(),
  };
}

/** The headers SNS sends with a body (sns-message-and-json-formats, "HTTP/HTTPS headers"). */
export function snsHeaders(body: Record<string, unknown>): Record<string, string> {
  const headers: Record<string, string> = {
    'content-type': 'text/plain; charset=UTF-8',
    'user-agent': 'Amazon Simple Notification Service Agent',
    'x-amz-sns-message-type': String(body.Type),
    'x-amz-sns-message-id': String(body.MessageId),
    'x-amz-sns-topic-arn': String(body.TopicArn),
  };
  if (body.Type !== 'SubscriptionConfirmation')
    headers['x-amz-sns-subscription-arn'] = `${String(body.TopicArn)}:00000000-0000-4000-8000-000000000000`;
  return headers;
}

/** A Lambda function URL (HTTP API payload v2) event carrying an SNS post. */
export function functionUrlEvent(
  bodyText: string,
  headers: Record<string, string>,
  method = 'POST',
): Record<string, unknown> {
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: '/',
    rawQueryString: '',
    headers: {
      host: 'abcdefghij0123456789abcdefghij01.lambda-url.us-east-1.on.aws',
      'content-length': String(Buffer.byteLength(bodyText)),
      ...headers,
    },
    requestContext: {
      accountId: 'anonymous',
      apiId: 'abcdefghij0123456789abcdefghij01',
      domainName: 'abcdefghij0123456789abcdefghij01.lambda-url.us-east-1.on.aws',
      domainPrefix: 'abcdefghij0123456789abcdefghij01',
      http: {
        method,
        path: '/',
        protocol: 'HTTP/1.1',
        sourceIp: '54.240.197.1',
        userAgent: headers['user-agent'] ?? 'test',
      },
      requestId: '5d1a2b3c-0000-4000-8000-000000000000',
      routeKey: '$default',
      stage: '$default',
      time: '01/Jan/2026:00:00:00 +0000',
      timeEpoch: 1767225600000,
    },
    body: bodyText,
    isBase64Encoded: false,
  };
}

/** A signed body and the function URL event SNS would produce for it. */
export function signedEvent(
  body: UnsignedBody,
  options: SignOptions = {},
): { body: Record<string, unknown>; text: string; event: Record<string, unknown> } {
  const signed = signBody(body, options);
  const text = JSON.stringify(signed, null, 2);
  return { body: signed, text, event: functionUrlEvent(text, snsHeaders(signed)) };
}

/**
 * A certificate store that never reaches the network: it serves the test certificate for `urls` (default: the test
 * URL in us-east-1) and answers 404 for anything else, counting fetches.
 */
export function testCertStore(
  urls: string[] = [TEST_CERT_URL],
  certPem = SNS_TEST_SIGNER.certPem,
  maxEntries = 20,
): CertificateStore & { fetches: string[] } {
  const fetches: string[] = [];
  const store = new CertificateStore(
    async (url) => {
      fetches.push(url);
      if (urls.includes(url)) return certPem;
      throw new CertFetchError(`fetching ${url} answered HTTP 404`, false);
    },
    { maxEntries },
  );
  return Object.assign(store, { fetches });
}
