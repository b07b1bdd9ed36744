/**
 * The bridge's one path, shared by every trigger and the CLI:
 * outcomes (normalized events, rejections, skips) -> plan (route + render) -> publish -> park the poison.
 * Every record ends delivered, deliberately dropped/skipped, parked with its reason and original text, or marked
 * for retry by its trigger. Nothing is swallowed.
 * This module is the entry; the parts live in lib/pipeline/: plan.ts (route and render one record), batch.ts (the
 * batch engine), parking.ts (poison to the parking topic) and report.ts (what a batch reports).
 */
import { type TriggerItems, triggerItems } from '#lib/envelopes/index';
import { feedbackSink } from '#lib/intake';
import { Batch } from '#lib/pipeline/batch';
import type { BatchReport, BridgeDeps } from '#lib/pipeline/report';
import type { Outcome } from '#lib/ses/types';

export { parkingBodies } from '#lib/pipeline/parking';
export {
  itemOf,
  messageKey,
  type PlannedEvent,
  type PlannedOutcome,
  type PlannedRecord,
  type PlannedStep,
  PoisonCode,
  planOutcome,
} from '#lib/pipeline/plan';
export type {
  BatchCounts,
  BatchReport,
  BridgeDeps,
  ItemStatus,
  ParkedRecord,
  RouteCount,
} from '#lib/pipeline/report';

/**
 * Runs a batch of outcomes through routing, rendering, publishing and parking. Never throws for a record-level
 * failure: the report says, per trigger item, whether it must be retried.
 */
export async function processBatch(outcomes: Outcome[], deps: BridgeDeps): Promise<BatchReport> {
  const batch = new Batch(deps, (index) => outcomes[index]);
  for (const outcome of outcomes) batch.plan(outcome);
  return batch.finish();
}

/** Trigger items read between two pauses of {@link processDocument}. */
const ITEMS_BETWEEN_PAUSES = 256;

const pause = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * {@link processBatch} for one trigger document, as the handlers call it: each record is routed and rendered as soon
 * as it is read, while its parsed tree and text are young (no second parse for a conversion or a pass-through), and
 * its messages go to the publish session at once. Every few hundred trigger items the reader pauses for a turn of
 * the event loop, so the requests filled so far go out and their messages are let go of (docs/performance.md).
 * A record whose delivery fails is read again from its trigger item, for its parking message and logs.
 */
export async function processDocument(doc: unknown, text: string | null, deps: BridgeDeps): Promise<BatchReport> {
  return processItems(triggerItems(doc, text), deps);
}

/** {@link processDocument} over items a strict trigger reader gave (lib/envelopes/triggers). */
export async function processItems(items: TriggerItems, deps: BridgeDeps): Promise<BatchReport> {
  const batch = new Batch(deps, (_, item, nth) => {
    const outcomes: Outcome[] = [];
    items.unwrap(
      item,
      feedbackSink((outcome) => outcomes.push(outcome)),
    );
    return outcomes[nth];
  });
  const sink = feedbackSink((outcome) => batch.plan(outcome));
  for (let i = 0; i < items.count; i++) {
    items.unwrap(i, sink);
    if (i % ITEMS_BETWEEN_PAUSES === ITEMS_BETWEEN_PAUSES - 1) await pause();
  }
  return batch.finish();
}
