/**
 * SNS trigger (asynchronous invocation): throwing makes Lambda retry the event twice, then send it to the
 * function's on-failure destination (the stack's DLQ). Poison records are parked, not thrown.
 */
import type { Context, SNSEvent } from 'aws-lambda';
import { processEvent, throwIfRetry } from '#lib/runtime';

export async function handler(
  event: SNSEvent,
  context: Context,
): Promise<{ delivered: number; parked: number; skipped: number }> {
  const report = await processEvent(event, context);
  throwIfRetry(report);
  return {
    delivered: report.counts.delivered,
    parked: report.counts.parked,
    skipped: report.counts.skippedInputs + report.counts.dropped,
  };
}
