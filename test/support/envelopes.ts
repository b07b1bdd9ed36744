/**
 * Builders that wrap SES record text in each transport's envelope exactly as AWS delivers it. Used to generate the
 * sample events under events/ (npm run events) and by tests that need many records.
 * Shapes follow AWS's documented examples of each Lambda event (https://docs.aws.amazon.com/lambda/latest/dg/lambda-services.html).
 */
import { createHash } from 'node:crypto';

/** A deterministic UUID-shaped id, so generated events are stable across runs. */
export function stableUuid(seed: string): string {
  const h = createHash('sha256').update(seed).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

export const OWNER_ACCOUNT = '888888888888';
export const REGION = 'us-east-1';
export const INTAKE_TOPIC_ARN = `arn:aws:sns:${REGION}:${OWNER_ACCOUNT}:ses-feedback-intake`;
const CERT_URL = `https://sns.${REGION}.amazonaws.com/SimpleNotificationService-0000000000000000000000000000000000.pem`;

/** The SNS JSON envelope (HTTP body and SQS body spelling: SigningCertURL, UnsubscribeURL). */
export function snsEnvelope(message: string, topicArn = INTAKE_TOPIC_ARN, seed = message): Record<string, unknown> {
  const messageId = stableUuid(`sns:${seed}`);
  return {
    Type: 'Notification',
    MessageId: messageId,
    TopicArn: topicArn,
    Message: message,
    Timestamp: '2026-01-01T00:00:00.000Z',
    SignatureVersion: '1',
    Signature: 'EXAMPLE-not-signed',
    SigningCertURL: CERT_URL,
    UnsubscribeURL: `https://sns.${REGION}.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=${topicArn}:${stableUuid(`sub:${topicArn}`)}`,
  };
}

/** A Lambda SNS event (Lambda spells SigningCertUrl/UnsubscribeUrl; Subject is null when none was set). */
export function lambdaSnsEvent(messages: string[], topicArn = INTAKE_TOPIC_ARN): Record<string, unknown> {
  return {
    Records: messages.map((message, i) => {
      const env = snsEnvelope(message, topicArn, `${i}:${message}`);
      return {
        EventSource: 'aws:sns',
        EventVersion: '1.0',
        EventSubscriptionArn: `${topicArn}:${stableUuid(`sub:${topicArn}`)}`,
        Sns: {
          Type: env.Type,
          MessageId: env.MessageId,
          TopicArn: env.TopicArn,
          Subject: null,
          Message: message,
          Timestamp: env.Timestamp,
          SignatureVersion: env.SignatureVersion,
          Signature: env.Signature,
          SigningCertUrl: env.SigningCertURL,
          UnsubscribeUrl: env.UnsubscribeURL,
          MessageAttributes: {},
        },
      };
    }),
  };
}

export const INTAKE_QUEUE_ARN = `arn:aws:sqs:${REGION}:${OWNER_ACCOUNT}:ses-feedback-intake`;

/** A Lambda SQS event; each body is sent as given (an SNS envelope's JSON text, or raw SES text). */
export function lambdaSqsEvent(
  bodies: string[],
  queueArn = INTAKE_QUEUE_ARN,
): { Records: Array<Record<string, unknown>> } {
  return {
    Records: bodies.map((body, i) => ({
      messageId: stableUuid(`sqs:${i}:${body}`),
      receiptHandle: `AQEB${createHash('sha1').update(`${i}:${body}`).digest('base64')}`,
      body,
      attributes: {
        ApproximateReceiveCount: '1',
        SentTimestamp: '1767225600000',
        SenderId: 'AIDAIENQZJOLO23YVJ4VO',
        ApproximateFirstReceiveTimestamp: '1767225600001',
      },
      messageAttributes: {},
      md5OfBody: createHash('md5').update(body).digest('hex'),
      eventSource: 'aws:sqs',
      eventSourceARN: queueArn,
      awsRegion: REGION,
    })),
  };
}

/** The SQS body SNS writes when raw message delivery is off: the SNS envelope as JSON text. */
export function sqsBodyFromSns(message: string, topicArn = INTAKE_TOPIC_ARN): string {
  return JSON.stringify(snsEnvelope(message, topicArn));
}

const DETAIL_TYPES: Record<string, string> = {
  Send: 'Email Sent',
  Reject: 'Email Rejected',
  Bounce: 'Email Bounced',
  Complaint: 'Email Complaint Received',
  Delivery: 'Email Delivered',
  Open: 'Email Opened',
  Click: 'Email Clicked',
  'Rendering Failure': 'Email Rendering Failed',
  DeliveryDelay: 'Email Delivery Delayed',
  Subscription: 'Email Subscribed',
};

/** An EventBridge event from an SES event destination (detail is the event-publishing record). */
export function eventBridgeEvent(record: Record<string, unknown>): Record<string, unknown> {
  const eventType = String(record.eventType);
  const mail = (record.mail ?? {}) as Record<string, unknown>;
  return {
    version: '0',
    id: stableUuid(`eb:${JSON.stringify(record)}`),
    'detail-type': DETAIL_TYPES[eventType] ?? `Email ${eventType}`,
    source: 'aws.ses',
    account: typeof mail.sendingAccountId === 'string' ? mail.sendingAccountId : OWNER_ACCOUNT,
    time: typeof mail.timestamp === 'string' ? mail.timestamp.replace(/\.\d+Z$/, 'Z') : '2026-01-01T00:00:00Z',
    region: REGION,
    resources: [],
    detail: record,
  };
}

/** A Firehose data-transformation event: each record's data is base64 of the SES JSON plus the newline SES adds. */
export function firehoseEvent(texts: string[]): Record<string, unknown> {
  return {
    invocationId: stableUuid(`fh:${texts.length}`),
    deliveryStreamArn: `arn:aws:firehose:${REGION}:${OWNER_ACCOUNT}:deliverystream/ses-events`,
    region: REGION,
    records: texts.map((text, i) => ({
      recordId: `${49546986683135544286507457936321625675700192471156785154n + BigInt(i)}`,
      approximateArrivalTimestamp: 1767225600000 + i,
      data: Buffer.from(`${text}\n`, 'utf8').toString('base64'),
    })),
  };
}
