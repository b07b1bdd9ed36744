/**
 * The SNS HTTP/S message body: strict parsing and the canonical string that SNS signs.
 *
 * Docs: sns-message-and-json-formats (the three body formats), sns-verify-signature-of-message (string to sign).
 */
import { parseSnsTopicArn } from '#lib/arn';
import { BridgeError, ErrorCode } from '#lib/errors';
import { isObject } from '#lib/json';
import { findMembers } from '#lib/json-text';

/** The three message types SNS posts to HTTP/S endpoints (`x-amz-sns-message-type` and the body's `Type`). */
export const SnsMessageType = {
  subscriptionConfirmation: 'SubscriptionConfirmation',
  notification: 'Notification',
  unsubscribeConfirmation: 'UnsubscribeConfirmation',
} as const;
export type SnsMessageType = (typeof SnsMessageType)[keyof typeof SnsMessageType];

const MESSAGE_TYPES: ReadonlySet<string> = new Set(Object.values(SnsMessageType));

/** A parsed, shape-checked SNS HTTP body. Field names are SNS's HTTP spellings (SigningCertURL, SubscribeURL). */
export interface SnsHttpMessage {
  Type: SnsMessageType;
  MessageId: string;
  TopicArn: string;
  Message: string;
  Timestamp: string;
  SignatureVersion: string;
  Signature: string;
  SigningCertURL: string;
  Subject?: string;
  Token?: string;
  SubscribeURL?: string;
  /** The whole parsed body, including fields the bridge does not read (UnsubscribeURL, MessageAttributes). */
  body: Record<string, unknown>;
}

// Every field except Message and Subject has a fixed shape with no line break. That matters for the signature:
// the string to sign is "name\nvalue\n" pairs, so a value containing "\nTimestamp\n..." could otherwise make one
// signed string read as a different set of fields. With only Message free-form (and first in byte order) and
// Subject free of line breaks (SNS refuses line breaks in a Subject: Publish API reference), the split is unique.
const FIELD_PATTERNS = {
  MessageId: /^[A-Za-z0-9-]{1,128}$/,
  Timestamp: /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?Z$/,
  SignatureVersion: /^\d{1,3}$/,
  Signature: /^[A-Za-z0-9+/]+={0,2}$/,
  Token: /^[A-Za-z0-9._~+/=-]{1,2048}$/,
  SubscribeURL: /^https?:\/\/[^\s]{1,4096}$/,
  SigningCertURL: /^[^\s]{1,2048}$/,
} as const;

/**
 * The keys SNS writes in each kind of HTTP/S body (sns-message-and-json-formats); the signed ones and the few it does
 * not sign (SignatureVersion, Signature, SigningCertURL, UnsubscribeURL, MessageAttributes). Any other key was added
 * by someone else: unsigned, it may not change what the post means, so the post is refused rather than read around.
 */
const NOTIFICATION_KEYS = [
  'Type',
  'MessageId',
  'TopicArn',
  'Subject',
  'Message',
  'Timestamp',
  'SignatureVersion',
  'Signature',
  'SigningCertURL',
  'UnsubscribeURL',
  'MessageAttributes',
] as const;
const CONFIRMATION_KEYS = [
  'Type',
  'MessageId',
  'Token',
  'TopicArn',
  'Message',
  'SubscribeURL',
  'Timestamp',
  'SignatureVersion',
  'Signature',
  'SigningCertURL',
] as const;
const NOTIFICATION_KEY_SET: ReadonlySet<string> = new Set(NOTIFICATION_KEYS);
const CONFIRMATION_KEY_SET: ReadonlySet<string> = new Set(CONFIRMATION_KEYS);

/** Why a body was refused before any signature check; the message names the field to look at. */
export class MalformedMessageError extends BridgeError {
  override readonly name = 'MalformedMessageError';
  constructor(
    message: string,
    /** `unexpected_key`: a key SNS does not write; `duplicate_key`: a key written twice; else `malformed`. */
    readonly code:
      | typeof ErrorCode.malformed
      | typeof ErrorCode.unexpectedKey
      | typeof ErrorCode.duplicateKey = ErrorCode.malformed,
  ) {
    super(message);
  }
}

function shownKey(key: string): string {
  return JSON.stringify(key.length > 64 ? `${key.slice(0, 64)}...` : key);
}

/**
 * Refuses a key SNS does not write for this Type, and a key written twice: JSON.parse keeps the last of two, and a
 * reader that keeps the first (another service, a log viewer) would see another message than the one verified.
 */
function checkKeys(text: string, body: Record<string, unknown>, type: SnsMessageType): void {
  const notification = type === SnsMessageType.notification;
  const allowed = notification ? NOTIFICATION_KEY_SET : CONFIRMATION_KEY_SET;
  for (const key of Object.keys(body)) {
    if (!allowed.has(key)) {
      throw new MalformedMessageError(
        `the body has key ${shownKey(key)}, which SNS does not write in a ${type}: unsigned keys are refused`,
        'unexpected_key',
      );
    }
  }
  const members = findMembers(text, 0, notification ? NOTIFICATION_KEYS : CONFIRMATION_KEYS);
  if (members?.duplicate) {
    const seen = new Set<number>();
    const twice = members.members.find((m) => seen.size === seen.add(m.key).size);
    const name =
      twice === undefined ? 'a key' : shownKey((notification ? NOTIFICATION_KEYS : CONFIRMATION_KEYS)[twice.key]!);
    throw new MalformedMessageError(`the body has ${name} more than once`, 'duplicate_key');
  }
}

function requireString(body: Record<string, unknown>, field: string): string {
  const value = body[field];
  if (typeof value !== 'string') {
    throw new MalformedMessageError(value === undefined ? `the body has no ${field}` : `${field} is not a string`);
  }
  const pattern = (FIELD_PATTERNS as Record<string, RegExp>)[field];
  if (pattern !== undefined && !pattern.test(value)) throw new MalformedMessageError(`${field} is not well formed`);
  return value;
}

/**
 * Parses an SNS HTTP/S body (JSON posted as text/plain) and checks the shape of every field the signature covers.
 * Throws MalformedMessageError naming the first bad field.
 */
export function parseSnsHttpBody(text: string): SnsHttpMessage {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new MalformedMessageError('the body is not JSON');
  }
  if (!isObject(body)) throw new MalformedMessageError('the body is not a JSON object');
  const type = requireString(body, 'Type');
  if (!MESSAGE_TYPES.has(type))
    throw new MalformedMessageError(`Type "${type.slice(0, 64)}" is not an SNS HTTP message type`);
  checkKeys(text, body, type as SnsMessageType);
  const topicArn = requireString(body, 'TopicArn');
  if (parseSnsTopicArn(topicArn) === null) throw new MalformedMessageError('TopicArn is not an SNS topic ARN');
  const msg: SnsHttpMessage = {
    Type: type as SnsMessageType,
    MessageId: requireString(body, 'MessageId'),
    TopicArn: topicArn,
    Message: requireString(body, 'Message'),
    Timestamp: requireString(body, 'Timestamp'),
    SignatureVersion: requireString(body, 'SignatureVersion'),
    Signature: requireString(body, 'Signature'),
    SigningCertURL: requireString(body, 'SigningCertURL'),
    body,
  };
  if (Number.isNaN(Date.parse(msg.Timestamp))) throw new MalformedMessageError('Timestamp is not well formed');
  if (type === SnsMessageType.notification) {
    // "If no Subject was specified, then this name-value pair does not appear" (sns-message-and-json-formats).
    if (body.Subject !== undefined) {
      const subject = requireString(body, 'Subject');
      if (/[\r\n]/.test(subject)) throw new MalformedMessageError('Subject contains a line break');
      msg.Subject = subject;
    }
  } else {
    msg.Token = requireString(body, 'Token');
    msg.SubscribeURL = requireString(body, 'SubscribeURL');
  }
  return msg;
}

/**
 * The string SNS signs: "name\nvalue\n" for each signed field, in byte order of the names
 * (docs: sns-verify-signature-of-message). Notification: Message, MessageId, Subject (if present), Timestamp,
 * TopicArn, Type. SubscriptionConfirmation and UnsubscribeConfirmation: Message, MessageId, SubscribeURL,
 * Timestamp, Token, TopicArn, Type. Values are the JSON-unescaped strings, as JSON.parse returns them.
 */
export function stringToSign(
  msg: Pick<
    SnsHttpMessage,
    'Type' | 'Message' | 'MessageId' | 'Timestamp' | 'TopicArn' | 'Subject' | 'Token' | 'SubscribeURL'
  >,
): string {
  const pairs: Array<[string, string | undefined]> =
    msg.Type === SnsMessageType.notification
      ? [
          ['Message', msg.Message],
          ['MessageId', msg.MessageId],
          ['Subject', msg.Subject],
          ['Timestamp', msg.Timestamp],
          ['TopicArn', msg.TopicArn],
          ['Type', msg.Type],
        ]
      : [
          ['Message', msg.Message],
          ['MessageId', msg.MessageId],
          ['SubscribeURL', msg.SubscribeURL],
          ['Timestamp', msg.Timestamp],
          ['Token', msg.Token],
          ['TopicArn', msg.TopicArn],
          ['Type', msg.Type],
        ];
  let out = '';
  for (const [name, value] of pairs) if (value !== undefined) out += `${name}\n${value}\n`;
  return out;
}
