/**
 * A realistic workload for the fault-injection runs: one example.com identity shared by two delegates and the owner,
 * a marketing team routing on a campaign tag, and a catch-all for the rest. Several formats, and records that match
 * two routes. The expected destinations of each record are worked out here by hand from the routes' intent, not by
 * calling the router, so the run checks the bridge against an independent oracle.
 */
import { createHash } from 'node:crypto';
import type { PublishedMessage } from '#test/support/fake-sns-server';
import { loadRawSamples } from '#test/support/sample-events';

export const REGION = 'us-east-1';
export const ACME = '111122223333';
export const BILLING = '444455556666';
export const OWNER = '888888888888';
/** A sender no route names: its records go to the unmatched destination. */
export const STRANGER = '222233334444';
const ACCOUNTS = [ACME, BILLING, OWNER, STRANGER] as const;

export type Format = 'original' | 'notification' | 'event' | 'normalized';

export interface Destination {
  topicArn: string;
  format: Format;
}

const topic = (account: string, name: string) => `arn:aws:sns:${REGION}:${account}:${name}`;

export const TOPICS = {
  acmeFeedback: { topicArn: topic(ACME, 'acme-ses-feedback'), format: 'notification' },
  acmeAnalytics: { topicArn: topic(ACME, 'acme-analytics'), format: 'normalized' },
  billingEvents: { topicArn: topic(BILLING, 'billing-ses-events'), format: 'event' },
  billingSuppression: { topicArn: topic(BILLING, 'billing-suppression'), format: 'original' },
  ownerFeedback: { topicArn: topic(OWNER, 'example-com-feedback'), format: 'original' },
  ownerCrm: { topicArn: topic(OWNER, 'crm-legacy'), format: 'notification' },
  marketing: { topicArn: topic(OWNER, 'marketing-events'), format: 'event' },
  unrouted: { topicArn: topic(OWNER, 'unrouted-feedback'), format: 'normalized' },
} as const satisfies Record<string, Destination>;

export const PARKING_TOPIC_ARN = topic(OWNER, 'ses-notification-bridge-test-parking');

/** The routes file of the workload (ROUTES_FILE). */
export function workloadRoutes(unmatched: unknown = { action: 'deliver', to: TOPICS.unrouted }) {
  return {
    routes: [
      {
        name: 'acme-legacy',
        when: { sendingAccountId: ACME, types: ['bounce', 'complaint', 'delivery'] },
        to: TOPICS.acmeFeedback,
      },
      { name: 'acme-analytics', when: { sendingAccountId: ACME }, to: TOPICS.acmeAnalytics },
      {
        name: 'billing-events',
        when: { sendingAccountId: BILLING, configurationSet: 'billing-events' },
        to: TOPICS.billingEvents,
      },
      {
        name: 'billing-suppression',
        when: { sendingAccountId: BILLING, types: ['bounce', 'complaint'] },
        to: TOPICS.billingSuppression,
      },
      {
        name: 'owner-bounces',
        when: { sendingAccountId: OWNER, types: ['bounce', 'complaint'] },
        to: TOPICS.ownerFeedback,
      },
      // Legacy consumers: types a legacy notification never carried are skipped (format_unsupported), not failed.
      { name: 'owner-crm', when: { sendingAccountId: OWNER }, to: TOPICS.ownerCrm },
      { name: 'spring-campaign', when: { tags: { campaign: ['spring-sale'] } }, to: TOPICS.marketing },
    ],
    unmatched,
  };
}

const LEGACY_TYPES = new Set(['bounce', 'complaint', 'delivery']);
const TYPE_OF: Record<string, string> = {
  Bounce: 'bounce',
  Complaint: 'complaint',
  Delivery: 'delivery',
  Send: 'send',
  Reject: 'reject',
  Open: 'open',
  Click: 'click',
  'Rendering Failure': 'rendering_failure',
  DeliveryDelay: 'delivery_delay',
  Subscription: 'subscription',
};

export interface WorkloadRecord {
  index: number;
  messageId: string;
  account: string;
  type: string;
  format: 'event' | 'notification';
  /** The SES record's text, as SES would publish it. */
  text: string;
  json: Record<string, any>;
  /** Destinations a message must reach (routes matched, minus formats that cannot carry the type). */
  expected: Destination[];
}

/** The destinations the routes above give a record: the oracle. */
export function expectedDestinations(
  account: string,
  type: string,
  configurationSet: string | null,
  campaign: string | null,
): Destination[] {
  const out: Destination[] = [];
  if (account === ACME) {
    if (LEGACY_TYPES.has(type)) out.push(TOPICS.acmeFeedback);
    out.push(TOPICS.acmeAnalytics);
  } else if (account === BILLING) {
    if (configurationSet === 'billing-events') out.push(TOPICS.billingEvents);
    if (type === 'bounce' || type === 'complaint') out.push(TOPICS.billingSuppression);
  } else if (account === OWNER) {
    if (type === 'bounce' || type === 'complaint') out.push(TOPICS.ownerFeedback);
    out.push(TOPICS.ownerCrm);
  }
  if (campaign === 'spring-sale') out.push(TOPICS.marketing);
  if (out.length === 0) out.push(TOPICS.unrouted);
  return out.filter((d) => d.format !== 'notification' || LEGACY_TYPES.has(type));
}

export interface WorkloadOptions {
  /** Only event-publishing records (EventBridge carries no legacy notifications). */
  eventFormatOnly?: boolean;
  /** Distinguishes the message ids of two workloads in one run. */
  label?: string;
}

/** `count` SES records cycling through the AWS samples, senders and tags; deterministic. */
export function buildWorkload(count: number, options: WorkloadOptions = {}): WorkloadRecord[] {
  const samples = [...loadRawSamples().entries()]
    .filter(([name]) => !options.eventFormatOnly || name.startsWith('event-'))
    .map(([, json]) => json);
  const label = options.label ?? 'fi';
  const out: WorkloadRecord[] = [];
  for (let i = 0; i < count; i++) {
    const json = structuredClone(samples[i % samples.length]!) as Record<string, any>;
    const account = ACCOUNTS[Math.floor(i / samples.length) % ACCOUNTS.length]!;
    const format = json.eventType !== undefined ? 'event' : 'notification';
    const type = TYPE_OF[(json.eventType ?? json.notificationType) as string]!;
    const messageId = `0100019${label}${String(i).padStart(7, '0')}-${createHash('sha1').update(`${label}:${i}`).digest('hex').slice(0, 24)}-000000`;
    json.mail.messageId = messageId;
    json.mail.sendingAccountId = account;
    json.mail.sourceArn = `arn:aws:ses:${REGION}:${OWNER}:identity/example.com`;
    let configurationSet: string | null = null;
    let campaign: string | null = null;
    if (format === 'event') {
      // Event-publishing records carry tags: half of billing's go through its configuration set, every 7th record
      // is part of the spring campaign.
      json.mail.tags ??= {};
      delete json.mail.tags['ses:configuration-set'];
      if (account === BILLING && i % 2 === 0) {
        configurationSet = 'billing-events';
        json.mail.tags['ses:configuration-set'] = [configurationSet];
      }
      if (i % 7 === 0) {
        campaign = 'spring-sale';
        json.mail.tags.campaign = [campaign];
      }
    }
    out.push({
      index: i,
      messageId,
      account,
      type,
      format,
      text: JSON.stringify(json),
      json,
      expected: expectedDestinations(account, type, configurationSet, campaign),
    });
  }
  return out;
}

/** Every destination topic of the workload. */
export const DESTINATION_TOPICS: string[] = [...new Set(Object.values(TOPICS).map((d) => d.topicArn))];

/** The SES message id a delivered message is about, whatever its format. */
export function sesMessageIdOf(message: PublishedMessage): string {
  const body = JSON.parse(message.body) as { messageId?: string; mail?: { messageId?: string } };
  return (body.mail?.messageId ?? body.messageId) as string;
}

/** Deliveries per (SES message id, topic): how many copies arrived and under which bridgeIds. */
export interface Tally {
  copies: Map<string, number>;
  bridgeIds: Map<string, Set<string>>;
  /** Messages that arrived and belong to no expected (record, destination) pair. */
  unexpected: string[];
  messages: number;
}

export const pairKey = (messageId: string, topicArn: string) => `${messageId}|${topicArn}`;

/** Counts what reached each destination topic against the records' expected destinations. */
export function tally(published: readonly PublishedMessage[], records: readonly WorkloadRecord[]): Tally {
  const expected = new Set(records.flatMap((r) => r.expected.map((d) => pairKey(r.messageId, d.topicArn))));
  const copies = new Map<string, number>();
  const bridgeIds = new Map<string, Set<string>>();
  const unexpected: string[] = [];
  let messages = 0;
  const destinations = new Set(DESTINATION_TOPICS);
  for (const message of published) {
    if (!destinations.has(message.topicArn)) continue;
    messages++;
    const key = pairKey(sesMessageIdOf(message), message.topicArn);
    if (!expected.has(key)) {
      unexpected.push(key);
      continue;
    }
    copies.set(key, (copies.get(key) ?? 0) + 1);
    const ids = bridgeIds.get(key) ?? new Set<string>();
    ids.add(message.attributes.bridgeId?.StringValue ?? '(none)');
    bridgeIds.set(key, ids);
  }
  return { copies, bridgeIds, unexpected, messages };
}
