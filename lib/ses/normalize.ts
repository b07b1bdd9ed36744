/**
 * Normalizes one SES record (legacy notification or event-publishing record) into a FeedbackEvent.
 * Hand-written guards rather than a schema library: this is the bridge's hot path, and the guards give exact field
 * paths. Field paths are only built when a record is rejected.
 */
import { InvalidRecordError, ProblemCode } from '#lib/errors';
import { isObject, type JsonObject, kindOf } from '#lib/json';
import { feedbackKeyOf } from '#lib/ses/feedback-key';
import type { EventType, FeedbackEvent, PayloadFormat, SesRecord } from '#lib/ses/types';

type Json = JsonObject;

interface TypeSpec {
  type: EventType;
  /** Key of the type-specific object in the record (`failure` for "Rendering Failure"). */
  key: string;
  /** Whether the type-specific object carries its own timestamp. */
  ownTimestamp: boolean;
  /**
   * Where the affected recipients are: an array of {emailAddress} objects, an array of strings, or
   * mail.destination.
   */
  recipients: { list: string; objects: boolean; path: string } | null;
  /** Field paths, built once here rather than for every record. */
  timestampPath: string;
  /** Send's object is documented as always empty; tolerate its absence. */
  detailOptional: boolean;
}

function spec(
  type: EventType,
  key: string,
  ownTimestamp: boolean,
  recipients: { list: string; objects: boolean } | null,
  detailOptional = false,
): TypeSpec {
  return {
    type,
    key,
    ownTimestamp,
    recipients: recipients && { ...recipients, path: `${key}.${recipients.list}` },
    detailOptional,
    timestampPath: `${key}.timestamp`,
  };
}

// Discriminator values as SES writes them, in both formats (docs: event-publishing-retrieving-sns-contents).
const TYPE_SPECS: ReadonlyMap<string, TypeSpec> = new Map([
  ['Bounce', spec('bounce', 'bounce', true, { list: 'bouncedRecipients', objects: true })],
  ['Complaint', spec('complaint', 'complaint', true, { list: 'complainedRecipients', objects: true })],
  ['Delivery', spec('delivery', 'delivery', true, { list: 'recipients', objects: false })],
  ['Send', spec('send', 'send', false, null, true)],
  ['Reject', spec('reject', 'reject', false, null)],
  ['Open', spec('open', 'open', true, null)],
  ['Click', spec('click', 'click', true, null)],
  ['Rendering Failure', spec('rendering_failure', 'failure', false, null)],
  ['DeliveryDelay', spec('delivery_delay', 'deliveryDelay', true, { list: 'delayedRecipients', objects: true })],
  ['Subscription', spec('subscription', 'subscription', true, null)],
]);

/** Where each normalized type's object lives in an SES record (`failure` for rendering_failure); null for unknown. */
export const DETAIL_KEY_OF: Readonly<Record<EventType, string | null>> = Object.freeze({
  ...(Object.fromEntries([...TYPE_SPECS.values()].map((s) => [s.type, s.key])) as Record<EventType, string>),
  unknown: null,
});

/**
 * The types legacy identity notifications carry (notificationType): all they ever had (docs:
 * notification-contents).
 */
export const LEGACY_TYPES: ReadonlySet<EventType> = new Set(['bounce', 'complaint', 'delivery']);

const NO_TAGS: Record<string, string[]> = Object.freeze({}) as Record<string, string[]>;

function reject(message: string, path: string): never {
  throw new InvalidRecordError(ProblemCode.invalidRecord, message, path);
}

function requireString(obj: Json, key: string, path: string): string {
  const value = obj[key];
  if (typeof value !== 'string') {
    reject(value === undefined ? `${path} is missing` : `${path} must be a string, got ${kindOf(value)}`, path);
  }
  return value;
}

function optionalString(obj: Json, key: string, path: string): string | null {
  const value = obj[key];
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') reject(`${path} must be a string, got ${kindOf(value)}`, path);
  return value;
}

function stringArray(value: unknown, path: string): string[] {
  if (!Array.isArray(value)) reject(`${path} must be an array of strings, got ${kindOf(value)}`, path);
  for (let i = 0; i < value.length; i++) {
    if (typeof value[i] !== 'string')
      reject(`${path}[${i}] must be a string, got ${kindOf(value[i])}`, `${path}[${i}]`);
  }
  return value as string[];
}

function addressList(value: unknown, path: string): string[] {
  if (!Array.isArray(value)) reject(`${path} must be an array, got ${kindOf(value)}`, path);
  const out = new Array<string>(value.length);
  for (let i = 0; i < value.length; i++) {
    const entry = value[i];
    if (!isObject(entry)) reject(`${path}[${i}] must be an object, got ${kindOf(entry)}`, `${path}[${i}]`);
    const address = entry.emailAddress;
    if (typeof address !== 'string') {
      const at = `${path}[${i}].emailAddress`;
      reject(address === undefined ? `${at} is missing` : `${at} must be a string, got ${kindOf(address)}`, at);
    }
    out[i] = address;
  }
  return out;
}

function readTags(mail: Json): Record<string, string[]> {
  const tags = mail.tags;
  if (tags === undefined || tags === null) return NO_TAGS;
  if (!isObject(tags)) reject(`mail.tags must be an object of string arrays, got ${kindOf(tags)}`, 'mail.tags');
  for (const name in tags) {
    const values = tags[name];
    if (!Array.isArray(values))
      reject(
        `mail.tags[${JSON.stringify(name)}] must be an array of strings, got ${kindOf(values)}`,
        `mail.tags[${JSON.stringify(name)}]`,
      );
    for (let i = 0; i < values.length; i++) {
      if (typeof values[i] !== 'string') {
        const at = `mail.tags[${JSON.stringify(name)}][${i}]`;
        reject(`${at} must be a string, got ${kindOf(values[i])}`, at);
      }
    }
  }
  return tags as Record<string, string[]>;
}

/** The first value of a (validated) tag, or null. */
export function firstTag(tags: Record<string, string[]>, name: string): string | null {
  const values = tags[name];
  return values !== undefined && values.length > 0 ? (values[0] as string) : null;
}

interface IdentityArn {
  account: string | null;
  identity: string | null;
}

// A batch names a handful of identities many times over: each ARN is taken apart once per container.
const IDENTITY_ARNS = new Map<string, IdentityArn>();
const MAX_IDENTITY_ARNS = 1_000;

/** `arn:aws:ses:us-east-1:888888888888:identity/example.com` -> account and identity; nulls when not that shape. */
let lastArn = '';
let lastParsed: IdentityArn = { account: null, identity: null };

function parseIdentityArn(arn: string): IdentityArn {
  // Records of a batch often name the identity of the record before: a string compare spares hashing a fresh one.
  if (arn === lastArn) return lastParsed;
  let parsed = IDENTITY_ARNS.get(arn);
  if (parsed === undefined) {
    const parts = arn.split(':', 6);
    const account = parts.length >= 6 && /^\d{12}$/.test(parts[4] as string) ? (parts[4] as string) : null;
    const marker = arn.indexOf(':identity/');
    const identity = marker >= 0 ? arn.slice(marker + ':identity/'.length) || null : null;
    parsed = { account, identity };
    // Bounded: the cache must not grow with whatever ARNs a stream of records may carry.
    if (IDENTITY_ARNS.size >= MAX_IDENTITY_ARNS) IDENTITY_ARNS.clear();
    IDENTITY_ARNS.set(arn, parsed);
  }
  lastArn = arn;
  lastParsed = parsed;
  return parsed;
}

/**
 * Normalizes one unwrapped SES record. Throws InvalidRecordError (code `invalid_record`, path relative to the
 * record) when a field SES always sends is missing or of the wrong type. Unknown event types are not errors.
 */
export function normalizeRecord(record: SesRecord): FeedbackEvent {
  const json = record.json;
  let format: PayloadFormat;
  let discriminator: unknown;
  let discriminatorPath: string;
  if (json.eventType !== undefined) {
    format = 'event';
    discriminator = json.eventType;
    discriminatorPath = 'eventType';
  } else if (json.notificationType !== undefined) {
    format = 'notification';
    discriminator = json.notificationType;
    discriminatorPath = 'notificationType';
  } else {
    reject('record has neither eventType nor notificationType', 'eventType');
  }
  if (typeof discriminator !== 'string')
    reject(`${discriminatorPath} must be a string, got ${kindOf(discriminator)}`, discriminatorPath);

  const mail = json.mail;
  if (!isObject(mail))
    reject(mail === undefined ? 'mail is missing' : `mail must be an object, got ${kindOf(mail)}`, 'mail');
  const messageId = requireString(mail, 'messageId', 'mail.messageId');
  if (messageId === '') reject('mail.messageId is empty', 'mail.messageId');
  const mailTimestamp = requireString(mail, 'timestamp', 'mail.timestamp');
  const source = optionalString(mail, 'source', 'mail.source');
  const sourceArn = optionalString(mail, 'sourceArn', 'mail.sourceArn');
  const sendingAccountId = optionalString(mail, 'sendingAccountId', 'mail.sendingAccountId');
  const destination = mail.destination === undefined ? null : stringArray(mail.destination, 'mail.destination');
  const tags = readTags(mail);

  const typeSpec = TYPE_SPECS.get(discriminator);
  let type: EventType = 'unknown';
  let detail: Json | null = null;
  let timestamp = mailTimestamp;
  let recipients: string[] = destination ?? [];
  if (typeSpec !== undefined) {
    type = typeSpec.type;
    const raw = json[typeSpec.key];
    if (isObject(raw)) {
      detail = raw;
    } else if (!(raw === undefined && typeSpec.detailOptional)) {
      reject(
        raw === undefined
          ? `${typeSpec.key} is missing for ${discriminatorPath} "${discriminator}"`
          : `${typeSpec.key} must be an object, got ${kindOf(raw)}`,
        typeSpec.key,
      );
    }
    if (detail !== null && typeSpec.ownTimestamp) {
      const own = optionalString(detail, 'timestamp', typeSpec.timestampPath);
      if (own !== null) timestamp = own;
    }
    if (typeSpec.recipients !== null && detail !== null) {
      const { list, objects, path } = typeSpec.recipients;
      recipients = objects ? addressList(detail[list], path) : stringArray(detail[list], path);
    }
  }

  const mailCaller = optionalString(mail, 'callerIdentity', 'mail.callerIdentity');
  let delegated: boolean | null = null;
  let identity: string | null = null;
  if (sourceArn !== null) {
    const arn = parseIdentityArn(sourceArn);
    identity = arn.identity;
    if (arn.account !== null && sendingAccountId !== null) delegated = arn.account !== sendingAccountId;
  }

  return {
    schemaVersion: 1,
    type,
    sesEventType: discriminator,
    format,
    messageId,
    feedbackKey: feedbackKeyOf(type, discriminator, messageId, timestamp, detail, recipients),
    mailTimestamp,
    timestamp,
    source,
    sourceArn,
    sendingAccountId,
    identity,
    callerIdentity: mailCaller ?? firstTag(tags, 'ses:caller-identity'),
    configurationSet: firstTag(tags, 'ses:configuration-set'),
    delegated,
    recipients,
    tags,
    detail,
    transport: record.transport,
  };
}
