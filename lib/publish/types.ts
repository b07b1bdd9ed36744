/**
 * The contract between rendering and publishing. Rendering produces OutboundMessages; a Publisher delivers them
 * (SNS PublishBatch in production, a dry-run sink locally) and reports one outcome per message, never throwing for a
 * per-message failure.
 */

/** An SNS message attribute as PublishBatch takes it. Only String attributes are used by the bridge. */
export interface MessageAttribute {
  DataType: 'String';
  StringValue: string;
}

export interface OutboundMessage {
  /** Caller's correlation key, unique within one publish call; echoed in the outcome. */
  key: string;
  topicArn: string;
  body: string;
  attributes: Record<string, MessageAttribute>;
  /** The de-duplication table key of this (SES event, destination), when its route de-duplicates (lib/dedupe). */
  dedupeKey?: string;
}

/** Why a message could not be delivered. `retryable` failures may succeed later; `poison` ones never will. */
export type PublishOutcome =
  | { key: string; status: 'ok'; messageId: string }
  | { key: string; status: 'retryable'; code: string; reason: string }
  | { key: string; status: 'poison'; code: string; reason: string }
  /**
   * Settled without publishing: a copy of the same SES event to the same destination is pending or was delivered
   * (lib/dedupe). Nothing is left to do for it, like a delivered message, but it is counted apart.
   */
  | { key: string; status: 'ok'; messageId: null; suppressed: true };

/**
 * One batch's publishing: messages are added as they are rendered, and the publisher may send a full request
 * before `finish`, so a batch never has to hold all of its messages at once (docs/performance.md).
 */
export interface PublishSession {
  add(message: OutboundMessage): void;
  /**
   * Sends what is left and resolves to one outcome per added message, in the order they were added. Never rejects
   * for a message's failure; the session is done afterwards.
   */
  finish(): Promise<PublishOutcome[]>;
}

export interface Publisher {
  open(): PublishSession;
}

/** SNS's limit for one message and for one PublishBatch request, body plus attributes (256 KiB). */
export const SNS_MAX_PAYLOAD_BYTES = 262_144;
/** SNS's limit of entries per PublishBatch request. */
export const SNS_MAX_BATCH_ENTRIES = 10;
