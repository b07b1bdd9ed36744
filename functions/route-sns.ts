/**
 * SNS trigger (asynchronous invocation): throwing makes Lambda retry the event twice, then send it to the
 * function's on-failure destination (the stack's DLQ). Poison records are parked, not thrown.
 * Only SNS events are read (lib/envelopes/triggers.ts): any other event throws UnsupportedEventError before
 * anything is parked, so a retry of it parks nothing either.
 */
import type { Context, SNSEvent } from 'aws-lambda';
import { processEvent, throwIfRetry } from '#lib/runtime';

export async function handler(
  event: SNSEvent,
  context: Context,
): Promise<{ delivered: number; parked: number; skipped: number }> {
  const report = await processEvent('sns', event, context);
  throwIfRetry(report);
  return {
    delivered: report.counts.delivered,
    parked: report.counts.parked,
    skipped: report.counts.skippedInputs + report.counts.dropped,
  };
}
