/**
 * SQS trigger (ReportBatchItemFailures): only the messages that must be retried go back to the queue; after the
 * queue's maxReceiveCount they move to its dead-letter queue. Poison records are parked, not retried.
 * Only SQS events are read (lib/envelopes/triggers.ts): any other event throws UnsupportedEventError before
 * anything is parked, so a retry of it parks nothing either.
 */
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { processEvent } from '#lib/runtime';

export async function handler(event: SQSEvent, context: Context): Promise<SQSBatchResponse> {
  const report = await processEvent('sqs', event, context);
  const batchItemFailures = [];
  for (const [item, status] of report.items) {
    const messageId = event.Records[item]?.messageId;
    if (status === 'retry' && messageId !== undefined) batchItemFailures.push({ itemIdentifier: messageId });
  }
  return { batchItemFailures };
}
