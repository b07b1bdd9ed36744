/** What a batch reports: per trigger item ok or retry, the counts, and the records parked or not. */

import type { PlannedRecord } from '#lib/pipeline/plan';
import type { Publisher, PublishOutcome } from '#lib/publish/types';
import type { CompiledRoutes } from '#lib/routing/index';
import type { EventType, Transport } from '#lib/ses/types';

/** A record that could not be delivered and never will be as it is: kept with its reason and original text. */
export interface ParkedRecord {
  /**
   * Deterministic id of this (record, reason, destination): the same poison parked twice (a redelivered batch)
   * has the same parkId, and the parts of a record too large for one parking message share it.
   */
  parkId: string;
  parkedAt: string;
  code: string;
  reason: string;
  route: string | null;
  topicArn: string | null;
  messageId: string | null;
  type: EventType | null;
  path: string;
  transport: Transport | null;
  text: string | null;
}

export interface BridgeDeps {
  routes: CompiledRoutes;
  publisher: Publisher;
  /** SNS topic poison records are published to (the stack subscribes the parking queue); null: none. */
  parkingTopicArn: string | null;
  now?: () => Date;
}

/** The result for one trigger item (an SQS message, an SNS record...). */
export type ItemStatus = 'ok' | 'retry';

export interface BatchReport {
  /** Trigger item index -> status; `retry` when any of its deliveries may still succeed later. */
  items: Map<number, ItemStatus>;
  /**
   * The plans a reader of the report needs, in batch order: skipped inputs and the records that were not simply
   * delivered (poison, a failed or retried delivery). A delivered record's plan is not kept.
   */
  notable: PlannedRecord[];
  /** The publish outcomes other than `ok` (retryable, poison), per message key. */
  failed: Map<string, Exclude<PublishOutcome, { status: 'ok' }>>;
  parked: ParkedRecord[];
  /** Poison records that could not be parked (so their trigger item is retried, ending in its DLQ). */
  unparked: ParkedRecord[];
  /**
   * Trigger items of unparked records whose parking message SNS refused for good (not a failure that may pass): a
   * retry cannot park them. Firehose hands these back as ProcessingFailed instead of retrying the batch.
   */
  unparkable: ReadonlySet<number>;
  /**
   * Poison deliveries of items that are retried anyway (another of their deliveries may still succeed): not parked
   * now, or every redelivery would park them again. They are parked by the attempt that settles the item; if the
   * item ends in its DLQ instead, the DLQ holds the whole record.
   */
  deferred: ParkedRecord[];
  counts: BatchCounts;
}

export interface BatchCounts {
  records: number;
  delivered: number;
  skippedFormat: number;
  dropped: number;
  skippedInputs: number;
  parked: number;
  retry: number;
  /** Messages not published because a copy of their SES event to the same destination was (lib/dedupe). */
  suppressed: number;
  /** Per route ('(unmatched)' for the unmatched destination) and type: what was published and suppressed. */
  routed: RouteCount[];
}

export interface RouteCount {
  route: string;
  type: EventType;
  /** A shadow route's deliveries (to its shadow topic), counted apart from live ones. */
  shadow: boolean;
  delivered: number;
  suppressed: number;
}
