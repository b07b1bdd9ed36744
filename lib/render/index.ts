/**
 * Rendering: the message body a destination's consumers already parse, plus the SNS message attributes delegates
 * can filter on. Records already in the requested format are passed through as their original text, byte for byte
 * (and without the cost of re-serializing them).
 */
import crypto from 'node:crypto';
import { isObject, type JsonObject } from '#lib/json';
import type { OutputFormat } from '#lib/routing/config';
import { DETAIL_KEY_OF, LEGACY_TYPES, firstTag } from '#lib/ses/normalize';
import type { FeedbackEvent, SesRecord } from '#lib/ses/types';
import { type MessageAttribute, SNS_MAX_PAYLOAD_BYTES, payloadBytes, payloadBytesBound } from '#lib/publish/index';

export type Rendered =
  | { kind: 'message'; body: string; attributes: Record<string, MessageAttribute> }
  | { kind: 'skip'; reason: 'format_unsupported' }
  | { kind: 'too_large'; bytes: number };

/**
 * Legacy `mail`: no tags; sourceIp and callerIdentity restored from the auto-tags SES moved them into (`tags` is
 * the event's, validated by the normalizer).
 */
function legacyMail(mail: JsonObject, tags: Record<string, string[]>): JsonObject {
  const { tags: _tags, ...out } = mail;
  if (out.sourceIp === undefined) {
    const ip = firstTag(tags, 'ses:source-ip');
    if (ip !== null) out.sourceIp = ip;
  }
  if (out.callerIdentity === undefined) {
    const caller = firstTag(tags, 'ses:caller-identity');
    if (caller !== null) out.callerIdentity = caller;
  }
  return out;
}

/** Event-publishing `mail`: sourceIp and callerIdentity move into the ses:source-ip / ses:caller-identity tags. */
function eventMail(mail: JsonObject): JsonObject {
  const { sourceIp, callerIdentity, ...rest } = mail;
  const tags: Record<string, unknown> = isObject(mail.tags) ? { ...mail.tags } : {};
  if (typeof sourceIp === 'string' && tags['ses:source-ip'] === undefined) tags['ses:source-ip'] = [sourceIp];
  if (typeof callerIdentity === 'string' && tags['ses:caller-identity'] === undefined) tags['ses:caller-identity'] = [callerIdentity];
  return { ...rest, tags };
}

/** Builds the body in `format`, or null when the format cannot carry this event type. */
function buildBody(event: FeedbackEvent, record: SesRecord, format: OutputFormat, dropHeaders: boolean): string | null {
  const original = () => record.text ?? JSON.stringify(record.json);
  switch (format) {
    case 'original':
      return original();
    case 'normalized':
      return JSON.stringify(event);
    case 'notification': {
      if (!LEGACY_TYPES.has(event.type)) return null;
      const key = DETAIL_KEY_OF[event.type] as string;
      if (event.format === 'notification' && !dropHeaders) return original();
      const mail = legacyMail(record.json.mail as JsonObject, event.tags);
      return JSON.stringify({ notificationType: event.sesEventType, [key]: event.detail, mail: dropHeaders ? withoutHeaders(mail) : mail });
    }
    case 'event': {
      if (event.format === 'event' && !dropHeaders) return original();
      const mail = eventMail(record.json.mail as JsonObject);
      const key = DETAIL_KEY_OF[event.type];
      const body: JsonObject = { eventType: event.sesEventType, mail: dropHeaders ? withoutHeaders(mail) : mail };
      if (key !== null && event.detail !== null) body[key] = event.detail;
      return JSON.stringify(body);
    }
    default: {
      const unreachable: never = format;
      throw new Error(`unknown format ${String(unreachable)}`);
    }
  }
}

function withoutHeaders(mail: JsonObject): JsonObject {
  const { headers: _dropped, ...rest } = mail;
  return { ...rest, headersTruncated: true };
}

// Attribute values repeat from message to message (types, accounts, identities, configuration sets): one frozen
// object per value serves them all, instead of one more object per message kept until the batch is published.
const SHARED_ATTRIBUTES = new Map<string, MessageAttribute>();
const MAX_SHARED_ATTRIBUTES = 1_000;

function attribute(value: string): MessageAttribute {
  return { DataType: 'String', StringValue: value };
}

function sharedAttribute(value: string): MessageAttribute {
  let attr = SHARED_ATTRIBUTES.get(value);
  if (attr === undefined) {
    // Bounded: a container lives for many batches, and identities are as many as the owner verified.
    if (SHARED_ATTRIBUTES.size >= MAX_SHARED_ATTRIBUTES) SHARED_ATTRIBUTES.clear();
    attr = Object.freeze(attribute(value)) as MessageAttribute;
    SHARED_ATTRIBUTES.set(value, attr);
  }
  return attr;
}

// One-shot hashing (Node >= 20.12) skips the Hash object createHash builds per call; same digest.
const sha256Hex: (data: string) => string =
  typeof crypto.hash === 'function' ? (data) => crypto.hash('sha256', data, 'hex') : (data) => crypto.createHash('sha256').update(data).digest('hex');

/**
 * The deterministic idempotency key of one delivery: the same SES record to the same destination always gets the
 * same key, so consumers can drop the duplicates that at-least-once delivery produces.
 */
export function bridgeId(event: FeedbackEvent, topicArn: string, format: OutputFormat): string {
  return sha256Hex(`${event.messageId}\n${event.sesEventType}\n${event.timestamp}\n${event.recipients.join(',')}\n${topicArn}\n${format}`).slice(0, 32);
}

/**
 * SNS message attributes: at most 7 (type, sesEventType, and when known sendingAccountId, identity, configurationSet,
 * bounceType, plus bridgeId), within the 10 that raw-delivery SQS subscribers accept (docs: sns-message-attributes).
 */
export function messageAttributes(event: FeedbackEvent, id: string): Record<string, MessageAttribute> {
  const attrs: Record<string, MessageAttribute> = { type: sharedAttribute(event.type), sesEventType: sharedAttribute(event.sesEventType) };
  if (event.sendingAccountId) attrs.sendingAccountId = sharedAttribute(event.sendingAccountId);
  if (event.identity) attrs.identity = sharedAttribute(event.identity);
  if (event.configurationSet) attrs.configurationSet = sharedAttribute(event.configurationSet);
  const bounceType = event.type === 'bounce' ? event.detail?.bounceType : undefined;
  if (typeof bounceType === 'string' && bounceType !== '') attrs.bounceType = sharedAttribute(bounceType);
  attrs.bridgeId = attribute(id);
  return attrs;
}

/**
 * Renders one event for one destination. A converted message (notification/event format) over the SNS size limit
 * loses `mail.headers` and gets `mail.headersTruncated: true`; anything still too large is `too_large`.
 */
export function render(event: FeedbackEvent, record: SesRecord, topicArn: string, format: OutputFormat): Rendered {
  let body = buildBody(event, record, format, false);
  // Skipped before any per-message work: the notification format skips a third of a typical batch.
  if (body === null) return { kind: 'skip', reason: 'format_unsupported' };
  const attributes = messageAttributes(event, bridgeId(event, topicArn, format));
  // Almost every message fits even at 3 bytes per code unit: the exact UTF-8 count is only needed near the limit.
  if (payloadBytesBound({ body, attributes }) <= SNS_MAX_PAYLOAD_BYTES) return { kind: 'message', body, attributes };
  let bytes = payloadBytes({ body, attributes });
  if (bytes > SNS_MAX_PAYLOAD_BYTES && (format === 'notification' || format === 'event')) {
    body = buildBody(event, record, format, true) as string;
    bytes = payloadBytes({ body, attributes });
  }
  return bytes > SNS_MAX_PAYLOAD_BYTES ? { kind: 'too_large', bytes } : { kind: 'message', body, attributes };
}
