/**
 * SNS trigger (asynchronous invocation): throwing makes Lambda retry the event twice, then send it to the
 * function's on-failure destination (the stack's DLQ). Poison records are parked, not thrown.
 * Only SNS events are read (lib/envelopes/triggers.ts): any other event throws UnsupportedEventError before
 * anything is parked, so a retry of it parks nothing either.
 */
import type { Context, SNSEvent } from 'aws-lambda';
import { type BatchSummary, processEvent, summarize, throwIfRetry } from '#lib/runtime';

export async function handler(event: SNSEvent, context: Context): Promise<BatchSummary> {
  const report = await processEvent('sns', event, context);
  throwIfRetry(report);
  return summarize(report);
}
