/**
 * The benchmark corpus: seeded, so every run (and every machine) measures the same bytes.
 *
 * Records look like production SES feedback, not like the short documentation examples: 2-6 KB each, most of it
 * `mail.headers` (Received chains, DKIM signatures, list headers), in the mix a delegate sender sees (about 45%
 * delivery, 20% send, 15% bounce, 5% complaint, 15% open/click/delay/other). Bounce, complaint and delivery come in
 * both payload formats; the other types only as event-publishing records, since legacy identity notifications never
 * carried them (docs: notification-contents). Records are wrapped the way SES -> SNS -> SQS delivers them: the SQS
 * body is SNS's pretty-printed JSON envelope with the record as its `Message` text.
 */
import { createHash } from 'node:crypto';
import type { RoutesConfig } from '#lib/routing/config';

/** The identity owner: delegates send from their own accounts through its identity (sending authorization). */
export const OWNER_ACCOUNT = '888888888888';
export const REGION = 'us-east-1';
export const INTAKE_TOPIC_ARN = `arn:aws:sns:${REGION}:${OWNER_ACCOUNT}:ses-feedback-intake`;
export const INTAKE_QUEUE_ARN = `arn:aws:sqs:${REGION}:${OWNER_ACCOUNT}:ses-feedback-intake`;

/** 20 sending accounts, one route each; two accounts share each of the 10 destination topics. */
export const SENDING_ACCOUNTS: readonly string[] = Array.from({ length: 20 }, (_, i) =>
  String(210000000000 + i * 1_010_101),
);
export const DESTINATION_TOPICS: readonly string[] = Array.from(
  { length: 10 },
  (_, i) => `arn:aws:sns:${REGION}:${SENDING_ACCOUNTS[i * 2]}:ses-feedback-${i}`,
);

/** SES record types the generator writes, with their share of the mix and the formats they come in. */
export const MIX = [
  { type: 'Delivery', share: 0.45, legacy: true },
  { type: 'Send', share: 0.2, legacy: false },
  { type: 'Bounce', share: 0.15, legacy: true },
  { type: 'Complaint', share: 0.05, legacy: true },
  { type: 'Open', share: 0.06, legacy: false },
  { type: 'Click', share: 0.05, legacy: false },
  { type: 'DeliveryDelay', share: 0.025, legacy: false },
  { type: 'Reject', share: 0.005, legacy: false },
  { type: 'Rendering Failure', share: 0.005, legacy: false },
  { type: 'Subscription', share: 0.005, legacy: false },
] as const;
export type CorpusType = (typeof MIX)[number]['type'];

/** Share of bounce/complaint/delivery records still arriving as legacy identity notifications (mid-migration). */
export const LEGACY_SHARE = 0.5;
export const MIN_RECORD_BYTES = 2048;
export const MAX_RECORD_BYTES = 6144;

export interface CorpusRecord {
  /** The SES record's JSON text, compact as SES writes it. */
  text: string;
  type: CorpusType;
  format: 'notification' | 'event';
  sendingAccountId: string;
}

/** xorshift32 with a splitmix-style seed scramble: small, fast, and the same sequence on every platform. */
export function seededRandom(seed: number): () => number {
  let x = Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 4_294_967_296;
  };
}

type Random = () => number;

function pick<T>(random: Random, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)] as T;
}

function hex(random: Random, length: number): string {
  let out = '';
  while (out.length < length)
    out += Math.floor(random() * 0x1_0000_0000)
      .toString(16)
      .padStart(8, '0');
  return out.slice(0, length);
}

function base64(random: Random, length: number): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[Math.floor(random() * 64)];
  return out;
}

function uuid(random: Random): string {
  const h = hex(random, 32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

const FIRST_NAMES = [
  'jane',
  'mary',
  'richard',
  'ahmed',
  'li',
  'sofia',
  'kwame',
  'olga',
  'pedro',
  'yuki',
  'noah',
  'amara',
];
const DOMAINS = ['example.com', 'example.net', 'example.org', 'mail.example.com', 'corp.example.net'];
const SUBJECTS = [
  'Your order has shipped',
  'Weekly digest',
  'Reset your password',
  'Invoice 2026-0142 is ready',
  'Welcome aboard',
  'Action required: confirm your address',
];
const USER_AGENTS = [
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/121.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Safari/605.1.15',
];

function address(random: Random): string {
  return `${pick(random, FIRST_NAMES)}.${hex(random, 4)}@${pick(random, DOMAINS)}`;
}

function isoAt(baseMs: number): string {
  return new Date(baseMs).toISOString();
}

function rfc2822(ms: number): string {
  return new Date(ms).toUTCString().replace('GMT', '+0000');
}

/** One Received header as MTAs write them: these chains are most of a real record's bytes. */
function receivedHeader(random: Random, ms: number): { name: string; value: string } {
  const host = `${pick(random, ['mx', 'smtp', 'relay', 'mta'])}${Math.floor(random() * 90) + 10}.${pick(random, DOMAINS)}`;
  const ip = `198.51.100.${Math.floor(random() * 254) + 1}`;
  return {
    name: 'Received',
    value: `from ${host} (${host} [${ip}]) by inbound-smtp.${REGION}.amazonaws.com with SMTP id ${hex(random, 26)} for <${address(random)}>; ${rfc2822(ms)}`,
  };
}

function dkimHeader(random: Random, domain: string, ms: number): { name: string; value: string } {
  return {
    name: 'DKIM-Signature',
    value: `v=1; a=rsa-sha256; q=dns/txt; c=relaxed/simple; s=${hex(random, 32)}; d=${domain}; t=${Math.floor(ms / 1000)}; h=From:To:Subject:MIME-Version:Content-Type:Message-ID:Date:List-Unsubscribe; bh=${base64(random, 43)}=; b=${base64(random, 342)}==`,
  };
}

interface MailParts {
  mail: Record<string, unknown>;
  recipients: string[];
  ms: number;
}

/** The `mail` object: legacy notifications carry sourceIp and callerIdentity, event records carry tags instead. */
function buildMail(
  random: Random,
  format: 'notification' | 'event',
  account: string,
  ms: number,
  targetBytes: number,
): MailParts {
  const delegated = random() < 0.8;
  const domain = delegated ? 'example.com' : `sender${account.slice(-3)}.example.org`;
  const identityAccount = delegated ? OWNER_ACCOUNT : account;
  const source = `${pick(random, ['no-reply', 'news', 'billing', 'support'])}@${domain}`;
  const recipients = Array.from({ length: 1 + Math.floor(random() * 3) }, () => address(random));
  const messageId = `0100018d${hex(random, 8)}-${uuid(random)}-000000`;
  const subject = pick(random, SUBJECTS);
  const configurationSet = `cs-${account.slice(-4)}`;
  const headerMessageId = `<${uuid(random)}@${domain}>`;
  const headers: Array<{ name: string; value: string }> = [
    { name: 'Return-Path', value: `<${source}>` },
    { name: 'From', value: `"Example ${account.slice(-3)}" <${source}>` },
    { name: 'To', value: recipients.join(', ') },
    { name: 'Subject', value: subject },
    { name: 'Date', value: rfc2822(ms) },
    { name: 'Message-ID', value: headerMessageId },
    { name: 'MIME-Version', value: '1.0' },
    { name: 'Content-Type', value: `multipart/alternative; boundary="----=_Part_${hex(random, 12)}"` },
    {
      name: 'List-Unsubscribe',
      value: `<https://${domain}/unsubscribe?u=${hex(random, 24)}>, <mailto:unsubscribe@${domain}?subject=${hex(random, 16)}>`,
    },
    { name: 'List-Unsubscribe-Post', value: 'List-Unsubscribe=One-Click' },
    { name: 'X-SES-CONFIGURATION-SET', value: configurationSet },
    { name: 'Feedback-ID', value: `1.${REGION}.${base64(random, 44)}=:AmazonSES` },
    dkimHeader(random, domain, ms),
  ];
  const mail: Record<string, unknown> = {
    timestamp: isoAt(ms),
    source,
    sourceArn: `arn:aws:ses:${REGION}:${identityAccount}:identity/${domain}`,
    sendingAccountId: account,
    messageId,
    destination: recipients,
    headersTruncated: false,
    headers,
    commonHeaders: {
      from: [`"Example ${account.slice(-3)}" <${source}>`],
      date: rfc2822(ms),
      to: recipients,
      messageId: headerMessageId,
      subject,
    },
  };
  const sourceIp = `203.0.113.${Math.floor(random() * 254) + 1}`;
  const caller = `delegate-${account.slice(-4)}`;
  if (format === 'notification') {
    Object.assign(mail, { sourceIp, callerIdentity: caller });
  } else {
    mail.tags = {
      'ses:configuration-set': [configurationSet],
      'ses:source-ip': [sourceIp],
      'ses:from-domain': [domain],
      'ses:caller-identity': [caller],
      'ses:outgoing-ip': [`54.240.8.${Math.floor(random() * 254) + 1}`],
      campaign: [`c-${hex(random, 6)}`],
    };
  }
  // Received chains grow a record to its size, as relays do in production.
  let size = JSON.stringify(mail).length;
  let hop = 0;
  while (size + 260 < targetBytes) {
    const header = receivedHeader(random, ms - ++hop * 1000);
    headers.unshift(header);
    size += header.name.length + header.value.length + 22;
  }
  return { mail, recipients, ms };
}

function detailFor(random: Random, type: CorpusType, parts: MailParts): Record<string, unknown> {
  const { recipients, ms } = parts;
  const at = isoAt(ms + 2000 + Math.floor(random() * 60_000));
  const mta = `dsn; a${Math.floor(random() * 90) + 10}-${Math.floor(random() * 90) + 10}.smtp-out.amazonses.com`;
  switch (type) {
    case 'Delivery':
      return {
        timestamp: at,
        processingTimeMillis: Math.floor(random() * 4000),
        recipients,
        smtpResponse: '250 2.6.0 Message received',
        remoteMtaIp: `192.0.2.${Math.floor(random() * 254) + 1}`,
        reportingMTA: mta.slice(5),
      };
    case 'Bounce': {
      const permanent = random() < 0.7;
      return {
        bounceType: permanent ? 'Permanent' : 'Transient',
        bounceSubType: permanent
          ? pick(random, ['General', 'NoEmail', 'Suppressed'])
          : pick(random, ['General', 'MailboxFull']),
        bouncedRecipients: recipients.slice(0, 1).map((emailAddress) => ({
          emailAddress,
          action: 'failed',
          status: '5.1.1',
          diagnosticCode: `smtp; 550 5.1.1 <${emailAddress}>: Recipient address rejected: User unknown in virtual mailbox table`,
        })),
        timestamp: at,
        feedbackId: `0100018d${hex(random, 8)}-${uuid(random)}-000000`,
        remoteMtaIp: `192.0.2.${Math.floor(random() * 254) + 1}`,
        reportingMTA: mta,
      };
    }
    case 'Complaint':
      return {
        feedbackId: `0100018d${hex(random, 8)}-${uuid(random)}-000000`,
        complaintSubType: null,
        complainedRecipients: recipients.slice(0, 1).map((emailAddress) => ({ emailAddress })),
        timestamp: at,
        userAgent: 'Yahoo!-Mail-Feedback/2.0',
        complaintFeedbackType: 'abuse',
        arrivalDate: at,
      };
    case 'Send':
      return {};
    case 'Open':
      return {
        timestamp: at,
        userAgent: pick(random, USER_AGENTS),
        ipAddress: `192.0.2.${Math.floor(random() * 254) + 1}`,
      };
    case 'Click':
      return {
        timestamp: at,
        ipAddress: `192.0.2.${Math.floor(random() * 254) + 1}`,
        userAgent: pick(random, USER_AGENTS),
        link: `https://example.com/p/${hex(random, 12)}?utm_source=ses`,
        linkTags: { campaign: [`c-${hex(random, 6)}`] },
      };
    case 'DeliveryDelay':
      return {
        timestamp: at,
        delayType: 'TransientCommunicationFailure',
        expirationTime: isoAt(ms + 86_400_000),
        delayedRecipients: recipients.map((emailAddress) => ({
          emailAddress,
          status: '4.4.1',
          diagnosticCode: 'smtp; 421 4.4.1 Unable to connect to remote host',
        })),
      };
    case 'Reject':
      return { reason: 'Bad content' };
    case 'Rendering Failure':
      return {
        templateName: `template-${hex(random, 4)}`,
        errorMessage: "Attribute 'attributeName' is not present in the rendering data.",
      };
    case 'Subscription':
      return {
        contactList: 'newsletter',
        timestamp: at,
        source: 'UnsubscribeHeader',
        newTopicPreferences: {
          unsubscribeAll: true,
          topicSubscriptionStatus: [{ topicName: 'weekly', subscriptionStatus: 'OptOut' }],
        },
        oldTopicPreferences: {
          unsubscribeAll: false,
          topicSubscriptionStatus: [{ topicName: 'weekly', subscriptionStatus: 'OptIn' }],
        },
      };
    default: {
      const unreachable: never = type;
      throw new Error(`no generator for ${String(unreachable)}`);
    }
  }
}

const DETAIL_KEY: Record<CorpusType, string> = {
  Delivery: 'delivery',
  Send: 'send',
  Bounce: 'bounce',
  Complaint: 'complaint',
  Open: 'open',
  Click: 'click',
  DeliveryDelay: 'deliveryDelay',
  Reject: 'reject',
  'Rendering Failure': 'failure',
  Subscription: 'subscription',
};

function pickType(random: Random): (typeof MIX)[number] {
  let r = random();
  for (const entry of MIX) {
    if (r < entry.share) return entry;
    r -= entry.share;
  }
  return MIX[0];
}

/** One SES record in the key order SES writes: discriminator, then (legacy) detail before mail, or mail first. */
export function generateRecord(random: Random, index: number): CorpusRecord {
  const entry = pickType(random);
  const format = entry.legacy && random() < LEGACY_SHARE ? 'notification' : 'event';
  const sendingAccountId = pick(random, SENDING_ACCOUNTS);
  const targetBytes = MIN_RECORD_BYTES + Math.floor(random() * (MAX_RECORD_BYTES - MIN_RECORD_BYTES));
  const parts = buildMail(random, format, sendingAccountId, Date.UTC(2026, 0, 1) + index * 1500, targetBytes);
  const detail = detailFor(random, entry.type, parts);
  const key = DETAIL_KEY[entry.type];
  const record =
    format === 'notification'
      ? { notificationType: entry.type, [key]: detail, mail: parts.mail }
      : { eventType: entry.type, mail: parts.mail, [key]: detail };
  let text = JSON.stringify(record);
  // The detail object was not in the mail's size budget: give back Received hops until the record is in range.
  const headers = parts.mail.headers as Array<{ name: string }>;
  while (text.length > Math.max(targetBytes, MIN_RECORD_BYTES + 256) && headers[0]?.name === 'Received') {
    headers.shift();
    text = JSON.stringify(record);
  }
  return { text, type: entry.type, format, sendingAccountId };
}

/** `count` records from `seed`: the same seed always gives the same records. */
export function generateRecords(count: number, seed: number): CorpusRecord[] {
  const random = seededRandom(seed);
  return Array.from({ length: count }, (_, i) => generateRecord(random, i));
}

/**
 * The SQS body SNS writes when raw message delivery is off: pretty-printed, with " : " separators, as SNS does.
 * The signature is random bytes of the right length; nothing in the bridge's SQS path checks it.
 */
export function snsSqsBody(message: string, index: number, random: Random): string {
  const messageId = uuid(random);
  const fields: Array<[string, string]> = [
    ['Type', 'Notification'],
    ['MessageId', messageId],
    ['TopicArn', INTAKE_TOPIC_ARN],
    ['Message', message],
    ['Timestamp', isoAt(Date.UTC(2026, 0, 1) + index * 1500 + 3000)],
    ['SignatureVersion', '1'],
    ['Signature', `${base64(random, 342)}==`],
    ['SigningCertURL', `https://sns.${REGION}.amazonaws.com/SimpleNotificationService-${hex(random, 32)}.pem`],
    [
      'UnsubscribeURL',
      `https://sns.${REGION}.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=${INTAKE_TOPIC_ARN}:${uuid(random)}`,
    ],
  ];
  return `{\n${fields.map(([k, v]) => `  ${JSON.stringify(k)} : ${JSON.stringify(v)}`).join(',\n')}\n}`;
}

export interface SqsRecord {
  messageId: string;
  receiptHandle: string;
  body: string;
  attributes: Record<string, string>;
  messageAttributes: Record<string, never>;
  md5OfBody: string;
  eventSource: 'aws:sqs';
  eventSourceARN: string;
  awsRegion: string;
}

/** A Lambda SQS event as the runtime hands it to the handler (already parsed from the invoke payload). */
export interface SqsEvent {
  Records: SqsRecord[];
}

/** Wraps records as SES -> SNS -> SQS delivers them, one SQS message per record. */
export function sqsOfSnsEvent(records: readonly CorpusRecord[], seed: number): SqsEvent {
  const random = seededRandom(seed ^ 0x5f3759df);
  return {
    Records: records.map((record, i) => {
      const body = snsSqsBody(record.text, i, random);
      return {
        messageId: uuid(random),
        receiptHandle: `AQEB${base64(random, 380)}`,
        body,
        attributes: {
          ApproximateReceiveCount: '1',
          SentTimestamp: String(Date.UTC(2026, 0, 1) + i * 1500 + 3100),
          SenderId: 'AIDAIENQZJOLO23YVJ4VO',
          ApproximateFirstReceiveTimestamp: String(Date.UTC(2026, 0, 1) + i * 1500 + 3200),
        },
        messageAttributes: {},
        md5OfBody: createHash('md5').update(body).digest('hex'),
        eventSource: 'aws:sqs',
        eventSourceARN: INTAKE_QUEUE_ARN,
        awsRegion: REGION,
      };
    }),
  };
}

/** Lambda's limit for a synchronous invocation payload, which bounds one SQS batch (6 MB). */
export const LAMBDA_PAYLOAD_LIMIT_BYTES = 6 * 1024 * 1024;

/** The largest SQS-of-SNS event from `seed` whose JSON stays within `limitBytes`. Returns the event and its text. */
export function eventUpToBytes(limitBytes: number, seed: number): { event: SqsEvent; text: string } {
  // Size per record varies (2-6 KB plus the envelopes); overshoot, then trim to the limit.
  const records = generateRecords(Math.ceil(limitBytes / 2500), seed);
  const event = sqsOfSnsEvent(records, seed);
  let bytes = 15; // {"Records":[]}
  let keep = 0;
  for (const record of event.Records) {
    const next = Buffer.byteLength(JSON.stringify(record)) + (keep > 0 ? 1 : 0);
    if (bytes + next > limitBytes) break;
    bytes += next;
    keep++;
  }
  event.Records.length = keep;
  return { event, text: JSON.stringify(event) };
}

/**
 * 20 routes keyed on the sending account (one per delegate), two delegates per destination topic.
 * `notification` is what delegates migrating off cross-account notifications ask for: legacy records pass through
 * as their original text, event records of the three legacy types are converted, the other types are skipped.
 */
export function benchRoutes(
  format: 'notification' | 'event' | 'original' | 'normalized' = 'notification',
): RoutesConfig {
  return {
    routes: SENDING_ACCOUNTS.map((account, i) => ({
      name: `delegate-${i}`,
      when: { sendingAccountId: [account] },
      to: { topicArn: DESTINATION_TOPICS[Math.floor(i / 2)] as string, format },
    })),
    unmatched: { action: 'drop' },
  };
}
