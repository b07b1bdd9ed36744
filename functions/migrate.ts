/**
 * The migration inside AWS: one identity, one plan, one step or one journal entry per invocation (`aws lambda invoke`,
 * one step after the other in plan order). Dry run unless the event says `"execute": true`.
 * Failures throw, so the invoker sees them; module load does nothing that can throw.
 */
import type { Context } from 'aws-lambda';
import { sesClient, sesv2Client, stsClient } from '#lib/aws-clients';
import { stsCallerAccount } from '#lib/migration/identity';
import { accountOfInvocation, handleMigrationEvent, paceFromEnv } from '#lib/migration/lambda';
import { PLAN_HMAC_KEY_ENV } from '#lib/migration/seal';

export async function handler(event: unknown, context: Context): Promise<unknown> {
  const region = process.env.AWS_REGION ?? 'us-east-1';
  return handleMigrationEvent(event, {
    accountId: accountOfInvocation(context.invokedFunctionArn, process.env),
    // The role's account, asked of STS: a function ARN alone does not prove whose credentials sign the calls.
    callerAccount: stsCallerAccount(stsClient(region, { maxAttempts: 2 })),
    // One retry policy: the migration's own (throttling backoff), not the SDK's on top of it.
    clients: (region) => ({
      ses: sesClient(region, { maxAttempts: 1 }),
      sesv2: sesv2Client(region, { maxAttempts: 1 }),
    }),
    paceMs: paceFromEnv(process.env),
    hmacKey: process.env[PLAN_HMAC_KEY_ENV] || undefined,
  });
}
