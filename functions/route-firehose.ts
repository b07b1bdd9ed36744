/**
 * Firehose data-transformation processor for an SES event-destination delivery stream: routes every record, then
 * hands each back to Firehose unchanged ("Ok"), so the stream still archives what SES sent. Throwing when a delivery
 * can still succeed makes Firehose retry the invocation (then write the batch to its processing-failed S3 prefix).
 * Poison records are parked, not thrown; one that cannot ever be parked (SNS refused its parking message) is handed
 * back as ProcessingFailed, so Firehose keeps it in that prefix without retrying the batch.
 * Only Firehose transformation events are read (lib/envelopes/triggers.ts): any other event throws
 * UnsupportedEventError before anything is parked, so a retry of it parks nothing either.
 */
import type { Context, FirehoseTransformationEvent, FirehoseTransformationResult } from 'aws-lambda';
import { firehoseRecordResults, processEvent } from '#lib/runtime';

export async function handler(
  event: FirehoseTransformationEvent,
  context: Context,
): Promise<FirehoseTransformationResult> {
  const results = firehoseRecordResults(await processEvent('firehose', event, context));
  return {
    records: event.records.map(({ recordId, data }, i) => ({ recordId, result: results.get(i) ?? 'Ok', data })),
  };
}
