/**
 * The competitor: a handler written today on `@aws-lambda-powertools/parser` with zod, for the same SES records at
 * the same level of detail as lib/ses/normalize.ts, and producing the same normalized fields (transport aside:
 * the SnsSqsEnvelope hands the schema only the SNS `Message`).
 *
 * Written the way the Powertools docs show it: `parse(event, SnsSqsEnvelope, schema)`, the record schema wrapped in
 * `JSONStringified` because the envelope passes `Message` as text, one object schema per SES type, discriminated
 * on `eventType` / `notificationType`, loose objects so unknown fields are kept (the bridge keeps `detail` as it
 * came), and a `.transform` to the normalized event.
 */
import { parse } from '@aws-lambda-powertools/parser';
import { SnsSqsEnvelope } from '@aws-lambda-powertools/parser/envelopes/sns-sqs';
import { JSONStringified } from '@aws-lambda-powertools/parser/helpers';
import { z } from 'zod';
import { feedbackKeyOf } from '#lib/ses/feedback-key';
import type { EventType, FeedbackEvent } from '#lib/ses/types';

const optionalString = z.string().nullish();
const stringList = z.array(z.string());

const Mail = z.looseObject({
  messageId: z.string().min(1),
  timestamp: z.string(),
  source: optionalString,
  sourceArn: optionalString,
  sendingAccountId: optionalString,
  callerIdentity: optionalString,
  destination: stringList.optional(),
  tags: z.record(z.string(), stringList).nullish(),
});

const Addressed = z.array(z.looseObject({ emailAddress: z.string() }));
const Timed = z.looseObject({ timestamp: optionalString });

/** The type-specific objects, with the fields the normalizer reads. */
const DETAILS = {
  Bounce: {
    key: 'bounce',
    type: 'bounce',
    schema: Timed.extend({ bouncedRecipients: Addressed }),
    recipients: 'bouncedRecipients',
  },
  Complaint: {
    key: 'complaint',
    type: 'complaint',
    schema: Timed.extend({ complainedRecipients: Addressed }),
    recipients: 'complainedRecipients',
  },
  Delivery: {
    key: 'delivery',
    type: 'delivery',
    schema: Timed.extend({ recipients: stringList }),
    recipients: 'recipients',
  },
  Send: { key: 'send', type: 'send', schema: z.looseObject({}).optional(), recipients: null },
  Reject: { key: 'reject', type: 'reject', schema: z.looseObject({}), recipients: null },
  Open: { key: 'open', type: 'open', schema: Timed, recipients: null },
  Click: { key: 'click', type: 'click', schema: Timed, recipients: null },
  'Rendering Failure': { key: 'failure', type: 'rendering_failure', schema: z.looseObject({}), recipients: null },
  DeliveryDelay: {
    key: 'deliveryDelay',
    type: 'delivery_delay',
    schema: Timed.extend({ delayedRecipients: Addressed }),
    recipients: 'delayedRecipients',
  },
  Subscription: { key: 'subscription', type: 'subscription', schema: Timed, recipients: null },
} as const;
type SesType = keyof typeof DETAILS;
const LEGACY: readonly SesType[] = ['Bounce', 'Complaint', 'Delivery'];

function recordSchema(discriminator: 'eventType' | 'notificationType', type: SesType) {
  const { key, schema } = DETAILS[type];
  return z.looseObject({ [discriminator]: z.literal(type), mail: Mail, [key]: schema });
}

const EventRecord = z.discriminatedUnion(
  'eventType',
  (Object.keys(DETAILS) as SesType[]).map((type) => recordSchema('eventType', type)) as unknown as [
    ReturnType<typeof recordSchema>,
    ...Array<ReturnType<typeof recordSchema>>,
  ],
);
const NotificationRecord = z.discriminatedUnion(
  'notificationType',
  LEGACY.map((type) => recordSchema('notificationType', type)) as unknown as [
    ReturnType<typeof recordSchema>,
    ...Array<ReturnType<typeof recordSchema>>,
  ],
);
/** A type SES adds later is kept as `unknown`, as the bridge does, rather than failing the batch. */
const FutureRecord = z.looseObject({ eventType: z.string(), mail: Mail });

export const SesRecordSchema = z.union([EventRecord, NotificationRecord, FutureRecord]);
type Json = Record<string, unknown>;
// The computed keys make zod's inferred type a loose record; what every option shares is spelled out here.
type SesRecord = Json & { mail: z.infer<typeof Mail> };

function firstTag(tags: Record<string, string[]> | null | undefined, name: string): string | null {
  return tags?.[name]?.[0] ?? null;
}

/** The normalized event, from a record the schema has already validated. */
function toEvent(record: SesRecord): Omit<FeedbackEvent, 'transport'> {
  const json = record as Json;
  const format = typeof json.eventType === 'string' ? 'event' : 'notification';
  const sesEventType = (format === 'event' ? json.eventType : json.notificationType) as string;
  const mail = record.mail;
  const spec = Object.hasOwn(DETAILS, sesEventType) ? DETAILS[sesEventType as SesType] : undefined;
  const detail = spec !== undefined ? ((json[spec.key] as Json | undefined) ?? null) : null;
  const ownTimestamp = detail !== null && typeof detail.timestamp === 'string' ? detail.timestamp : null;
  let recipients = mail.destination ?? [];
  if (spec?.recipients && detail !== null) {
    const list = detail[spec.recipients] as Array<string | { emailAddress: string }>;
    recipients = list.map((entry) => (typeof entry === 'string' ? entry : entry.emailAddress));
  }
  const arn = mail.sourceArn?.split(':') ?? [];
  const arnAccount = arn.length >= 6 && /^\d{12}$/.test(arn[4] as string) ? (arn[4] as string) : null;
  const marker = mail.sourceArn?.indexOf(':identity/') ?? -1;
  const tags = mail.tags ?? {};
  const type = (spec?.type ?? 'unknown') as EventType;
  return {
    schemaVersion: 1,
    type,
    sesEventType,
    format,
    messageId: mail.messageId,
    feedbackKey: feedbackKeyOf(type, sesEventType, mail.messageId, ownTimestamp ?? mail.timestamp, detail, recipients),
    mailTimestamp: mail.timestamp,
    timestamp: ownTimestamp ?? mail.timestamp,
    source: mail.source ?? null,
    sourceArn: mail.sourceArn ?? null,
    sendingAccountId: mail.sendingAccountId ?? null,
    identity: marker >= 0 ? mail.sourceArn!.slice(marker + ':identity/'.length) || null : null,
    callerIdentity: mail.callerIdentity ?? firstTag(tags, 'ses:caller-identity'),
    configurationSet: firstTag(tags, 'ses:configuration-set'),
    delegated: arnAccount !== null && mail.sendingAccountId ? arnAccount !== mail.sendingAccountId : null,
    recipients,
    tags,
    detail,
  };
}

/** What the SnsSqsEnvelope gives the schema: the SNS `Message` text, parsed, validated and normalized. */
export const SesMessageSchema = JSONStringified(SesRecordSchema).transform((record) => toEvent(record as SesRecord));

/** The whole handler's parsing step: an SQS-of-SNS Lambda event to normalized events. Throws ParseError. */
export function parseWithPowertools(event: unknown): Array<Omit<FeedbackEvent, 'transport'>> {
  return parse(event, SnsSqsEnvelope, SesMessageSchema);
}

/** The same, without throwing: Powertools' safeParse, for comparing error paths. */
export function safeParseWithPowertools(event: unknown) {
  return parse(event, SnsSqsEnvelope, SesMessageSchema, true);
}
