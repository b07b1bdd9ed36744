/**
 * Firehose data-transformation processor for an SES event-destination delivery stream: routes every record, then
 * hands each back to Firehose unchanged ("Ok"), so the stream still archives what SES sent. Throwing when a delivery
 * can still succeed makes Firehose retry the invocation (then write the batch to its processing-failed S3 prefix).
 * Poison records are parked, not thrown.
 */
import type { Context, FirehoseTransformationEvent, FirehoseTransformationResult } from 'aws-lambda';
import { processEvent, throwIfRetry } from '#lib/runtime';

export async function handler(
  event: FirehoseTransformationEvent,
  context: Context,
): Promise<FirehoseTransformationResult> {
  throwIfRetry(await processEvent(event, context));
  return { records: event.records.map(({ recordId, data }) => ({ recordId, result: 'Ok', data })) };
}
