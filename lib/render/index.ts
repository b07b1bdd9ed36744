/**
 * Rendering: the message body a destination's consumers already parse, plus the SNS message attributes delegates
 * can filter on. Records already in the requested format are passed through as their original text, byte for byte
 * (and without the cost of re-serializing them); conversions splice that text too (lib/json-text).
 */
import crypto from 'node:crypto';
import { isObject, type JsonObject } from '#lib/json';
import { findMembers, memberOf, type ObjectMembers, rewriteMembers } from '#lib/json-text';
import { type MessageAttribute, payloadBytes, payloadBytesBound, SNS_MAX_PAYLOAD_BYTES } from '#lib/publish/index';
import { findLoneSurrogate, isWellFormed } from '#lib/render/well-formed';
import type { OutputFormat } from '#lib/routing/config';
import { DETAIL_KEY_OF, firstTag, LEGACY_TYPES } from '#lib/ses/normalize';
import type { FeedbackEvent, SesRecord } from '#lib/ses/types';

export type Rendered =
  | { kind: 'message'; body: string; attributes: Record<string, MessageAttribute> }
  | { kind: 'skip'; reason: 'format_unsupported' }
  | { kind: 'too_large'; bytes: number }
  /**
   * The body or an attribute would hold a lone surrogate: `path` is where it is in the record, trigger prefix
   * included.
   */
  | { kind: 'invalid'; path: string; reason: string };

/** Legacy `mail` members that event publishing moved into auto-tags, each with its tag. */
const MOVED_TO_TAGS = [
  ['sourceIp', 'ses:source-ip'],
  ['callerIdentity', 'ses:caller-identity'],
] as const;

/**
 * What legacy `mail` gets back from the auto-tags SES moved them into: sourceIp and callerIdentity, each when mail
 * lacks it and the tag is there (`tags` is the event's, validated by the normalizer).
 */
function restoredMembers(mail: JsonObject, tags: Record<string, string[]>): Record<string, string> {
  const restored: Record<string, string> = {};
  for (const [member, tag] of MOVED_TO_TAGS) {
    if (mail[member] !== undefined) continue;
    const value = firstTag(tags, tag);
    if (value !== null) restored[member] = value;
  }
  return restored;
}

/** Legacy `mail`: no tags, with the members restored from them last. */
function legacyMail(mail: JsonObject, tags: Record<string, string[]>): JsonObject {
  const { tags: _tags, ...out } = mail;
  return Object.assign(out, restoredMembers(mail, tags));
}

/** Event-publishing `mail.tags`: mail's own, plus sourceIp and callerIdentity as the tags they become. */
function eventTags(mail: JsonObject): Record<string, unknown> {
  const tags: Record<string, unknown> = isObject(mail.tags) ? { ...mail.tags } : {};
  for (const [member, tag] of MOVED_TO_TAGS) {
    const value = mail[member];
    if (typeof value === 'string' && tags[tag] === undefined) tags[tag] = [value];
  }
  return tags;
}

/** Event-publishing `mail`: no sourceIp or callerIdentity; `tags` in place of mail's own, or last. */
function eventMail(mail: JsonObject): JsonObject {
  const { sourceIp: _sourceIp, callerIdentity: _callerIdentity, ...rest } = mail;
  return { ...rest, tags: eventTags(mail) };
}

/**
 * The legacy notification body of an event-publishing record, re-serialized from its parsed `mail`: what records
 * without text (EventBridge) and the drop-headers retry get, and what the splice below must read the same as.
 */
export function reserializedNotificationBody(event: FeedbackEvent, mail: JsonObject, dropHeaders: boolean): string {
  const key = DETAIL_KEY_OF[event.type] as string;
  const legacy = legacyMail(mail, event.tags);
  return JSON.stringify({
    notificationType: event.sesEventType,
    [key]: event.detail,
    mail: dropHeaders ? withoutHeaders(legacy) : legacy,
  });
}

/** The event-publishing body of a legacy record, re-serialized from its parsed `mail` (see above). */
export function reserializedEventBody(event: FeedbackEvent, mail: JsonObject, dropHeaders: boolean): string {
  const converted = eventMail(mail);
  const key = DETAIL_KEY_OF[event.type];
  const body: JsonObject = { eventType: event.sesEventType, mail: dropHeaders ? withoutHeaders(converted) : converted };
  if (key !== null && event.detail !== null) body[key] = event.detail;
  return JSON.stringify(body);
}

// Keys the splices look for, at the record's top level and in its mail; replacements go by the same positions.
const MAIL = 'mail';
const MAIL_ONLY = [MAIL];
const TAGS_ONLY = ['tags'];
const REMOVE_TAGS = [''];
const TAGS_AND_MOVED = ['tags', ...MOVED_TO_TAGS.map(([member]) => member)];

/**
 * The members `mailKeys` of a record text's `mail`, and the text of its type object (when `key` is given); null when
 * one is missing or a key occurs twice, since the text would not then read as the parsed record.
 */
function splicedParts(
  text: string,
  key: string | null,
  mailKeys: readonly string[],
): { mail: ObjectMembers; detail: string } | null {
  const record = findMembers(text, 0, key === null ? MAIL_ONLY : [MAIL, key], mailKeys);
  if (record === null || record.duplicate || record.inner === null || record.inner.duplicate) return null;
  if (key === null) return { mail: record.inner, detail: '' };
  const detail = memberOf(record, 1);
  return detail === null ? null : { mail: record.inner, detail: text.slice(detail.valueStart, detail.valueEnd) };
}

/**
 * {@link reserializedNotificationBody} built from the record's original text instead: its type object and its
 * mail (less `tags`, plus the restored members) pass through as they were written, `mail.headers` above all, which
 * is most of a record and what re-serializing spent its time on. Null when the text cannot be spliced.
 */
export function splicedNotificationBody(event: FeedbackEvent, text: string, mail: JsonObject): string | null {
  const key = DETAIL_KEY_OF[event.type] as string;
  const parts = splicedParts(text, key, TAGS_ONLY);
  if (parts === null) return null;
  // The restored members as JSON.stringify writes them, braces off: the same text and order legacyMail gives.
  const restored = JSON.stringify(restoredMembers(mail, event.tags)).slice(1, -1);
  return `{"notificationType":${JSON.stringify(event.sesEventType)},"${key}":${parts.detail},"mail":${rewriteMembers(text, parts.mail, REMOVE_TAGS, restored)}}`;
}

/**
 * {@link reserializedEventBody} built from the record's original text: mail less sourceIp and callerIdentity, its
 * `tags` replaced where it stands (or added last) by the merged tags, and the type object, as written.
 */
export function splicedEventBody(event: FeedbackEvent, text: string, mail: JsonObject): string | null {
  const key = event.detail === null ? null : DETAIL_KEY_OF[event.type];
  const parts = splicedParts(text, key, TAGS_AND_MOVED);
  if (parts === null) return null;
  const tags = `"tags":${JSON.stringify(eventTags(mail))}`;
  // By the positions of TAGS_AND_MOVED: tags replaced, sourceIp and callerIdentity removed.
  const mailText = rewriteMembers(text, parts.mail, [tags, '', ''], memberOf(parts.mail, 0) === null ? tags : '');
  const head = `{"eventType":${JSON.stringify(event.sesEventType)},"mail":${mailText}`;
  return key === null ? `${head}}` : `${head},"${key}":${parts.detail}}`;
}

/** The record's original text; re-serialized only where the transport had none (EventBridge). */
function originalText(record: SesRecord): string {
  return record.text ?? JSON.stringify(record.json);
}

/**
 * Builds the body in `format`, or null when the format cannot carry this event type. A conversion splices the
 * record's original text when there is one, and re-serializes when there is none, when headers are dropped (the
 * retry is rare), or when the text cannot be spliced.
 */
function buildBody(event: FeedbackEvent, record: SesRecord, format: OutputFormat, dropHeaders: boolean): string | null {
  switch (format) {
    case 'original':
      return originalText(record);
    case 'normalized':
      return JSON.stringify(event);
    case 'notification': {
      if (!LEGACY_TYPES.has(event.type)) return null;
      if (event.format === 'notification' && !dropHeaders) return originalText(record);
      const mail = record.json.mail as JsonObject;
      const spliced = dropHeaders || record.text === null ? null : splicedNotificationBody(event, record.text, mail);
      return spliced ?? reserializedNotificationBody(event, mail, dropHeaders);
    }
    case 'event': {
      if (event.format === 'event' && !dropHeaders) return originalText(record);
      const mail = record.json.mail as JsonObject;
      const spliced = dropHeaders || record.text === null ? null : splicedEventBody(event, record.text, mail);
      return spliced ?? reserializedEventBody(event, mail, dropHeaders);
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
  typeof crypto.hash === 'function'
    ? (data) => crypto.hash('sha256', data, 'hex')
    : (data) => crypto.createHash('sha256').update(data).digest('hex');

/**
 * The deterministic idempotency key of one delivery: the same SES record to the same destination always gets the
 * same key, so consumers can drop the duplicates that at-least-once delivery produces.
 */
export function bridgeId(event: FeedbackEvent, topicArn: string, format: OutputFormat): string {
  return sha256Hex(
    `${event.messageId}\n${event.sesEventType}\n${event.timestamp}\n${event.recipients.join(',')}\n${topicArn}\n${format}`,
  ).slice(0, 32);
}

/**
 * SNS message attributes: at most 8 (type, sesEventType, and when known sendingAccountId, identity, configurationSet,
 * bounceType, plus bridgeId, and shadow on a shadow route's deliveries), within the 10 that raw-delivery SQS
 * subscribers accept (docs: sns-message-attributes).
 */
export function messageAttributes(event: FeedbackEvent, id: string, shadow = false): Record<string, MessageAttribute> {
  const attrs: Record<string, MessageAttribute> = {
    type: sharedAttribute(event.type),
    sesEventType: sharedAttribute(event.sesEventType),
  };
  if (event.sendingAccountId) attrs.sendingAccountId = sharedAttribute(event.sendingAccountId);
  if (event.identity) attrs.identity = sharedAttribute(event.identity);
  if (event.configurationSet) attrs.configurationSet = sharedAttribute(event.configurationSet);
  const bounceType = event.type === 'bounce' ? event.detail?.bounceType : undefined;
  if (typeof bounceType === 'string' && bounceType !== '') attrs.bounceType = sharedAttribute(bounceType);
  attrs.bridgeId = attribute(id);
  if (shadow) attrs.shadow = sharedAttribute('true');
  return attrs;
}

function wellFormedAttributes(attributes: Record<string, MessageAttribute>): boolean {
  for (const name in attributes) if (!isWellFormed((attributes[name] as MessageAttribute).StringValue)) return false;
  return true;
}

/** Where the record holds the lone surrogate that made its message ill-formed (the record's own path if unseen). */
function illFormed(record: SesRecord): Rendered {
  const found = findLoneSurrogate(record.json, record.path);
  const where = found === null ? '' : ` (${found.unit})`;
  return {
    kind: 'invalid',
    path: found?.path ?? record.path,
    reason: `the record holds a lone surrogate${where}: text that is not well-formed UTF-16 cannot be sent to SNS`,
  };
}

/**
 * Renders one event for one destination. A converted message (notification/event format) over the SNS size limit
 * loses `mail.headers` and gets `mail.headersTruncated: true`; anything still too large is `too_large`.
 */
export function render(
  event: FeedbackEvent,
  record: SesRecord,
  topicArn: string,
  format: OutputFormat,
  shadow = false,
): Rendered {
  let body = buildBody(event, record, format, false);
  // Skipped before any per-message work: the notification format skips a third of a typical batch.
  if (body === null) return { kind: 'skip', reason: 'format_unsupported' };
  const attributes = messageAttributes(event, bridgeId(event, topicArn, format), shadow);
  if (!isWellFormed(body) || !wellFormedAttributes(attributes)) return illFormed(record);
  // Almost every message fits even at 3 bytes per code unit: the exact UTF-8 count is only needed near the limit.
  if (payloadBytesBound({ body, attributes }) <= SNS_MAX_PAYLOAD_BYTES) return { kind: 'message', body, attributes };
  let bytes = payloadBytes({ body, attributes });
  if (bytes > SNS_MAX_PAYLOAD_BYTES && (format === 'notification' || format === 'event')) {
    body = buildBody(event, record, format, true) as string;
    bytes = payloadBytes({ body, attributes });
  }
  return bytes > SNS_MAX_PAYLOAD_BYTES ? { kind: 'too_large', bytes } : { kind: 'message', body, attributes };
}
