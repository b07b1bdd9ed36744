/**
 * EventBridge trigger (rule on source aws.ses, asynchronous invocation): throwing makes Lambda retry, then send the
 * event to the on-failure destination (the stack's DLQ). Poison records are parked, not thrown.
 * Only EventBridge events are read (lib/envelopes/triggers.ts): any other event throws UnsupportedEventError before
 * anything is parked, so a retry of it parks nothing either.
 */
import type { Context, EventBridgeEvent } from 'aws-lambda';
import { type BatchSummary, processEvent, summarize, throwIfRetry } from '#lib/runtime';

export async function handler(event: EventBridgeEvent<string, unknown>, context: Context): Promise<BatchSummary> {
  const report = await processEvent('eventbridge', event, context);
  throwIfRetry(report);
  return summarize(report);
}
