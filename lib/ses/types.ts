/**
 * The normalized feedback event: one per SES record, whatever the payload format or transport.
 * Field meanings are documented in docs/normalized-event.md; keep the two in step.
 */

/** Normalized event types: a closed vocabulary; anything SES adds later becomes `unknown`, never an error. */
export const EVENT_TYPES = [
  'bounce',
  'complaint',
  'delivery',
  'send',
  'reject',
  'open',
  'click',
  'rendering_failure',
  'delivery_delay',
  'subscription',
  'unknown',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** `notification`: legacy identity notification (`notificationType`); `event`: event publishing (`eventType`). */
export type PayloadFormat = 'notification' | 'event';

/** Where a record came from, with the ids an operator needs to find the original message. */
export type Transport =
  | { kind: 'raw' }
  | { kind: 'sns'; messageId: string | null; topicArn: string | null; subscriptionArn: string | null }
  | { kind: 'sns-http'; messageId: string | null; topicArn: string | null }
  | {
      kind: 'sqs';
      messageId: string | null;
      eventSourceArn: string | null;
      snsMessageId: string | null;
      topicArn: string | null;
    }
  | { kind: 'eventbridge'; id: string | null; account: string | null; region: string | null; detailType: string }
  | { kind: 'firehose'; recordId: string | null; deliveryStreamArn: string | null };

export type TransportKind = Transport['kind'];

export interface FeedbackEvent {
  schemaVersion: 1;
  type: EventType;
  /** The discriminator exactly as SES sent it: "Bounce", "Rendering Failure", "DeliveryDelay"... */
  sesEventType: string;
  format: PayloadFormat;
  messageId: string;
  /**
   * The same for every copy of one SES feedback event, legacy notification or event-publishing record
   * (`lib/ses/feedback-key.ts`): what de-duplication and the parity report match on.
   */
  feedbackKey: string;
  mailTimestamp: string;
  /** The event's own timestamp where SES gives one, else `mail.timestamp`. */
  timestamp: string;
  source: string | null;
  sourceArn: string | null;
  sendingAccountId: string | null;
  identity: string | null;
  callerIdentity: string | null;
  configurationSet: string | null;
  /** True when the identity's account differs from the sending account (sending authorization). */
  delegated: boolean | null;
  recipients: string[];
  tags: Record<string, string[]>;
  /** The SES type-specific object exactly as received (`bounce`, `failure`, `deliveryDelay`...). */
  detail: Record<string, unknown> | null;
  transport: Transport;
}

/** One SES record as unwrapped from its transport, before normalization. */
export interface SesRecord {
  /** The parsed SES record. */
  json: Record<string, unknown>;
  /** The SES record's original text, byte for byte; null where the transport had none (EventBridge). */
  text: string | null;
  transport: Transport;
  /** JSON path of the record inside the input document ('' for a bare record). */
  path: string;
  /** Index of the trigger item that carried it (Records[i], records[i]); 0 for single-record documents. */
  item: number;
  /**
   * Lets go of the parsed tree and text once the reader's consumers are done with them (they can still be asked
   * for, at the cost of parsing again): a batch then keeps only what its event holds anyway.
   */
  release?(): void;
}

/** An input that was rejected: what, where, and the original text so nothing is lost. */
export interface Problem {
  code: import('#lib/errors').ProblemCode;
  message: string;
  path: string;
  item: number;
  transport: Transport | null;
  /** The original text of the rejected piece (SQS body, SNS Message...), when there is one. */
  text: string | null;
}

/** A document deliberately not processed (subscription confirmations, SES test notices...). */
export interface Notice {
  message: string;
  path: string;
  item: number;
  transport: Transport | null;
}

/** What unwrapping yields, in input order. */
export type IntakeItem =
  | { kind: 'record'; record: SesRecord }
  | { kind: 'problem'; problem: Problem }
  | { kind: 'skipped'; notice: Notice };

/** What reading feedback yields, in input order: a normalized event, a rejection or a deliberate skip. */
export type Outcome =
  | { kind: 'event'; event: FeedbackEvent; record: SesRecord }
  | { kind: 'problem'; problem: Problem }
  | { kind: 'skipped'; notice: Notice };
