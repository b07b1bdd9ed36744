/**
 * The SDK clients the migration talks to AWS with, for the CLI and the Lambda alike. SES clients make one attempt
 * each: the migration's own retry policy (retry.ts: throttling backoff, paced calls) is the only one, not the SDK's
 * on top of it.
 */
import { sesClient, sesv2Client, snsClient, sqsClient, stsClient } from '#lib/aws-clients';
import { type CallerAccount, stsCallerAccount } from '#lib/migration/identity';
import type { ClientsFor } from '#lib/migration/ses';
import type { Clients } from '#lib/migration/temp-queue';

/** The SES v1 and SESv2 clients of a region. */
export const sesClientsFor: ClientsFor = (region) => ({
  ses: sesClient(region, { maxAttempts: 1 }),
  sesv2: sesv2Client(region, { maxAttempts: 1 }),
});

/**
 * The caller's account, asked of STS in `region` (GetCallerIdentity needs no permission). `maxAttempts`: 1 where an
 * operator waits and an unreachable endpoint must fail at once (the CLI), more where nobody retries by hand.
 */
export function callerAccountIn(region: string, maxAttempts: number): CallerAccount {
  return stsCallerAccount(stsClient(region, { maxAttempts }));
}

/** The SNS and SQS clients of the canary's and parity's temporary queues (the SDK's own retries: no pacing there). */
export const queueClientsFor: Clients = (region) => ({ sns: snsClient(region), sqs: sqsClient(region) });
