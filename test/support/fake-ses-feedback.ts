/**
 * The feedback SES publishes for a message to the mailbox simulator, as the SNS message body it would be: a legacy
 * notification (`notificationType`, identity topics and legacy cross-account topics) or an event-publishing record
 * (`eventType`, configuration-set SNS destinations, with `mail.tags`). Built from the sample records under
 * events/raw (real shapes), with the sent message's id, source, identity ARN, account and recipient.
 */
import { randomUUID } from 'node:crypto';
import type { FakeFeedback, FakeNotificationType, FakeSentMessage } from './fake-ses-server';
import type { FakeSnsState, FakeTopic, PublishedMessage } from './fake-sns-server';
import { loadEvent } from './fixtures';

const LEGACY: Record<FakeNotificationType, string> = {
  Bounce: 'raw/legacy-bounce-without-dsn.json',
  Complaint: 'raw/legacy-complaint-without-feedback-report.json',
  Delivery: 'raw/legacy-delivery.json',
};
const EVENT: Record<FakeNotificationType, string> = {
  Bounce: 'raw/event-bounce.json',
  Complaint: 'raw/event-complaint.json',
  Delivery: 'raw/event-delivery.json',
};

/**
 * One SES feedback event per sent message, type and recipient: every copy SES publishes of it (identity topic, legacy
 * cross-account topic, configuration-set destination) carries the same feedbackId and timestamps, as SES's do.
 */
const events = new WeakMap<FakeSentMessage, Map<string, { now: string; feedbackId: string }>>();

function feedbackEvent(sent: FakeSentMessage, type: string, recipient: string): { now: string; feedbackId: string } {
  const perMessage = events.get(sent) ?? new Map();
  events.set(sent, perMessage);
  const key = `${type}|${recipient}`;
  const found = perMessage.get(key) ?? { now: new Date().toISOString(), feedbackId: `${randomUUID()}-000000` };
  perMessage.set(key, found);
  return found;
}

/** The SNS message body SES publishes for one feedback item of a sent message. */
export function feedbackBody(sent: FakeSentMessage, feedback: FakeFeedback, recipient: string): string {
  const record = loadEvent(feedback.via === 'configuration-set' ? EVENT[feedback.type] : LEGACY[feedback.type]);
  const { now, feedbackId } = feedbackEvent(sent, feedback.type, recipient);
  const mail = record.mail;
  mail.timestamp = now;
  mail.messageId = sent.messageId;
  mail.source = sent.from;
  mail.sourceArn = sent.identityArn;
  mail.sendingAccountId = sent.accountId;
  mail.destination = [recipient];
  if (mail.commonHeaders) {
    mail.commonHeaders.from = [sent.from];
    mail.commonHeaders.to = [recipient];
    mail.commonHeaders.messageId = `<${sent.messageId}@email.amazonses.com>`;
  }
  if (feedback.via === 'configuration-set') {
    mail.tags = {
      'ses:operation': ['SendEmail'],
      'ses:configuration-set': [sent.configurationSetName],
      'ses:source-ip': ['192.0.2.10'],
      'ses:from-domain': [sent.from.split('@')[1]],
      'ses:caller-identity': ['canary'],
    };
  }
  const detail = record.bounce ?? record.complaint ?? record.delivery;
  if (detail) {
    detail.timestamp = now;
    for (const list of ['bouncedRecipients', 'complainedRecipients'] as const)
      if (Array.isArray(detail[list])) detail[list] = [{ ...detail[list][0], emailAddress: recipient }];
    if (Array.isArray(detail.recipients)) detail.recipients = [recipient];
    if (detail.feedbackId !== undefined) detail.feedbackId = feedbackId;
  }
  return JSON.stringify(record);
}

/**
 * Publishes feedback on the SNS test server as SES would: only to a topic that exists (SES cannot publish to a
 * missing topic; the feedback is lost). Returns false when the topic does not exist.
 */
export function publishFeedback(sns: FakeSnsState, topicArn: string, body: string): boolean {
  const topic: FakeTopic | undefined = sns.topic(topicArn);
  if (!topic) return false;
  const message: PublishedMessage = {
    topicArn,
    messageId: randomUUID(),
    body,
    attributes: {},
    action: 'Publish',
    requestId: randomUUID(),
  };
  sns.published.push(message);
  sns.events.emit('publish', topic, message);
  return true;
}
