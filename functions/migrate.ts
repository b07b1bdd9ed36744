/**
 * The migration inside AWS: one identity, one plan, one step or one journal entry per invocation (a Step Functions
 * map with MaxConcurrency 1, or a manual `aws lambda invoke`). Dry run unless the event says `"execute": true`.
 * Failures throw, so the state machine sees them; module load does nothing that can throw.
 */
import type { Context } from 'aws-lambda';
import { sesClient, sesv2Client } from '#lib/aws-clients';
import { accountOfInvocation, handleMigrationEvent, paceFromEnv } from '#lib/migration/lambda';

export async function handler(event: unknown, context: Context): Promise<unknown> {
  return handleMigrationEvent(event, {
    accountId: accountOfInvocation(context.invokedFunctionArn, process.env),
    // One retry policy: the migration's own (throttling backoff), not the SDK's on top of it.
    clients: (region) => ({
      ses: sesClient(region, { maxAttempts: 1 }),
      sesv2: sesv2Client(region, { maxAttempts: 1 }),
    }),
    paceMs: paceFromEnv(process.env),
  });
}
