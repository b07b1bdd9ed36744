/**
 * The intake's decision: from one HTTP request to what to do and which status SNS gets. No side effects other
 * than fetching a signing certificate through the injected store.
 *
 * Status policy (SendMessageToHttp.prepare: SNS treats a status outside 200-4xx as a failed attempt and retries):
 * 2xx handled or deliberately ignored; 4xx forged, unknown-topic, stale or malformed (a retry cannot help);
 * 5xx only when a retry can help (certificate host unreachable, publish or confirmation failed).
 */
import { ErrorCode } from '#lib/errors';
import { isObject } from '#lib/json';
import type { CertificateStore } from '#lib/sns-https/certs';
import type { SnsHttpsConfig } from '#lib/sns-https/config';
import { MalformedMessageError, parseSnsHttpBody, type SnsHttpMessage, SnsMessageType } from '#lib/sns-https/message';
import { basicAuthMatches, type HttpRequest } from '#lib/sns-https/request';
import { checkTimestamp, verifySignature } from '#lib/sns-https/verify';

/** Why a request was refused; each code has one HTTP status (REJECT_STATUS). */
export const RejectCode = {
  topicNotAllowed: ErrorCode.topicNotAllowed,
  methodNotAllowed: ErrorCode.methodNotAllowed,
  unauthorized: ErrorCode.unauthorized,
  rawDeliveryDisabled: ErrorCode.rawDeliveryDisabled,
  tooLarge: ErrorCode.tooLarge,
  malformed: ErrorCode.malformed,
  unexpectedKey: ErrorCode.unexpectedKey,
  duplicateKey: ErrorCode.duplicateKey,
  typeMismatch: ErrorCode.typeMismatch,
  topicMismatch: ErrorCode.topicMismatch,
  untrustedCertUrl: ErrorCode.untrustedCertUrl,
  badSignature: ErrorCode.badSignature,
  signatureVersionRefused: ErrorCode.signatureVersionRefused,
  staleTimestamp: ErrorCode.staleTimestamp,
  certUnavailable: ErrorCode.certUnavailable,
} as const;
export type RejectCode = (typeof RejectCode)[keyof typeof RejectCode];

/** The HTTP status of each rejection: 4xx never retried by SNS, 5xx retried. */
export const REJECT_STATUS: Readonly<Record<RejectCode, number>> = {
  topic_not_allowed: 403,
  method_not_allowed: 405,
  unauthorized: 401,
  raw_delivery_disabled: 403,
  too_large: 413,
  malformed: 400,
  unexpected_key: 400,
  duplicate_key: 400,
  type_mismatch: 400,
  topic_mismatch: 403,
  untrusted_cert_url: 403,
  bad_signature: 403,
  signature_version_refused: 403,
  stale_timestamp: 403,
  // The certificate host did not answer: the post may well be genuine, and SNS will retry it.
  cert_unavailable: 503,
};

/**
 * An SNS HTTP/S envelope is a few hundred bytes plus the message (at most 256 KiB for HTTP/S subscriptions,
 * sns-large-payload-raw-message-delivery / Publish limits), JSON escaping can double it.
 */
export const MAX_BODY_BYTES = 1024 * 1024;

/** What to do with a request: refuse it, confirm, ignore an unsubscribe, or hand a notification to the pipeline. */
export type Decision =
  | {
      action: 'reject';
      code: RejectCode;
      status: number;
      reason: string;
      topicArn: string | null;
      messageId: string | null;
    }
  | { action: 'confirm'; message: SnsHttpMessage }
  | { action: 'ignore-unsubscribe'; message: SnsHttpMessage }
  | NotifyDecision;

/**
 * A notification to hand to the pipeline: a verified post (only its signed fields are read from then on), or an
 * authenticated raw-delivery post (its text is the SES record; the topic is the allowlisted header's).
 */
export type NotifyDecision =
  | { action: 'notify'; raw: false; message: SnsHttpMessage }
  | { action: 'notify'; raw: true; text: string; topicArn: string; messageId: string | null };

function reject(
  code: RejectCode,
  reason: string,
  topicArn: string | null = null,
  messageId: string | null = null,
): Decision {
  return { action: 'reject', code, status: REJECT_STATUS[code], reason, topicArn, messageId };
}

const TOPIC_HEADER = 'x-amz-sns-topic-arn';
const TYPE_HEADER = 'x-amz-sns-message-type';
const RAW_HEADER = 'x-amz-sns-rawdelivery';

/**
 * Decides what to do with one request, checking in this order: basic auth (when configured: 401 before anything
 * else), topic allowlist, method, body size, raw delivery, body shape (no key SNS does not write, none
 * twice), `x-amz-sns-message-type` against the body's `Type`, the body's TopicArn against the header, the
 * SignatureVersion policy, the Timestamp window (age, future skew), then the signature (the certificate URL pin,
 * and only then a certificate fetch).
 * `now` is in milliseconds.
 */
export async function decide(
  req: HttpRequest,
  config: SnsHttpsConfig,
  certs: CertificateStore,
  now: number,
): Promise<Decision> {
  const headerTopic = req.headers[TOPIC_HEADER];
  // With basic auth on, a caller without the credentials learns nothing else, not even which topics are allowed.
  if (config.basicAuth !== null && !basicAuthMatches(req.headers.authorization, config.basicAuth)) {
    return reject(
      RejectCode.unauthorized,
      'HTTP basic auth credentials are missing or wrong',
      headerTopic?.slice(0, 300) ?? null,
    );
  }
  if (headerTopic === undefined || headerTopic === '')
    return reject(RejectCode.topicNotAllowed, `the ${TOPIC_HEADER} header is missing`);
  if (!config.allowedTopicArns.has(headerTopic)) {
    return reject(
      RejectCode.topicNotAllowed,
      `topic ${headerTopic.slice(0, 300)} is not on the allowlist`,
      headerTopic.slice(0, 300),
    );
  }
  if (req.method !== 'POST')
    return reject(
      RejectCode.methodNotAllowed,
      `method ${req.method.slice(0, 16)} is not allowed: SNS posts`,
      headerTopic,
    );
  if (Buffer.byteLength(req.body, 'utf8') > MAX_BODY_BYTES) {
    return reject(RejectCode.tooLarge, `the body is larger than ${MAX_BODY_BYTES} bytes`, headerTopic);
  }
  const headerType = req.headers[TYPE_HEADER];

  // Raw message delivery (sns-large-payload-raw-message-delivery): the body is the bare message, with no
  // envelope and so no signature; only basic auth (required by config) says who sent it.
  if ((req.headers[RAW_HEADER] ?? '').toLowerCase() === 'true') {
    if (!config.rawDelivery) {
      return reject(
        RejectCode.rawDeliveryDisabled,
        'raw-delivery posts carry no signature and raw delivery is not enabled on this endpoint',
        headerTopic,
      );
    }
    if (headerType !== SnsMessageType.notification) {
      return reject(
        RejectCode.typeMismatch,
        `a raw-delivery post must have ${TYPE_HEADER} Notification, got "${(headerType ?? '').slice(0, 64)}"`,
        headerTopic,
      );
    }
    let body: unknown;
    try {
      body = JSON.parse(req.body);
    } catch {
      return reject(RejectCode.malformed, 'the raw-delivery body is not JSON', headerTopic);
    }
    if (!isObject(body)) return reject(RejectCode.malformed, 'the raw-delivery body is not a JSON object', headerTopic);
    return {
      action: 'notify',
      raw: true,
      text: req.body,
      topicArn: headerTopic,
      messageId: req.headers['x-amz-sns-message-id'] ?? null,
    };
  }

  let msg: SnsHttpMessage;
  try {
    msg = parseSnsHttpBody(req.body);
  } catch (err) {
    if (err instanceof MalformedMessageError) return reject(err.code, err.message, headerTopic);
    throw err;
  }
  if (headerType !== msg.Type) {
    const reason =
      headerType === undefined
        ? `the ${TYPE_HEADER} header is missing`
        : `${TYPE_HEADER} "${headerType.slice(0, 64)}" does not match the body's Type "${msg.Type}"`;
    return reject(RejectCode.typeMismatch, reason, headerTopic, msg.MessageId);
  }
  if (msg.TopicArn !== headerTopic) {
    return reject(
      RejectCode.topicMismatch,
      `the body's TopicArn ${msg.TopicArn} does not match the ${TOPIC_HEADER} header ${headerTopic}`,
      headerTopic,
      msg.MessageId,
    );
  }
  // Everything that needs no certificate comes first: a stale or replayed post never causes a fetch.
  if (
    (msg.SignatureVersion === '1' || msg.SignatureVersion === '2') &&
    !config.signatureVersions.has(msg.SignatureVersion)
  ) {
    return reject(
      RejectCode.signatureVersionRefused,
      `SignatureVersion ${msg.SignatureVersion} (SHA1) is refused: this endpoint accepts SignatureVersion ${[...config.signatureVersions].join(', ')}; set the topic's SignatureVersion attribute to 2`,
      headerTopic,
      msg.MessageId,
    );
  }
  const fresh = checkTimestamp(msg, now, config.maxAgeSeconds, config.maxFutureSkewSeconds);
  if (!fresh.ok) return reject(fresh.code, fresh.reason, headerTopic, msg.MessageId);
  const signature = await verifySignature(msg, certs, now);
  if (!signature.ok) return reject(signature.code, signature.reason, headerTopic, msg.MessageId);

  switch (msg.Type) {
    case SnsMessageType.subscriptionConfirmation:
      return { action: 'confirm', message: msg };
    case SnsMessageType.unsubscribeConfirmation:
      return { action: 'ignore-unsubscribe', message: msg };
    case SnsMessageType.notification:
      return { action: 'notify', raw: false, message: msg };
    default: {
      const never: never = msg.Type;
      throw new Error(`unhandled message type ${String(never)}`);
    }
  }
}
