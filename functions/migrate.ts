/**
 * The migration inside AWS: one identity, one plan, one step or one journal entry per invocation (`aws lambda invoke`,
 * one step after the other in plan order). Dry run unless the event says `"execute": true`.
 * Failures throw, so the invoker sees them; module load does nothing that can throw.
 */
import type { Context } from 'aws-lambda';
import { handleMigrationEvent, lambdaDeps } from '#lib/migration/lambda';

export async function handler(event: unknown, context: Context): Promise<unknown> {
  return handleMigrationEvent(event, lambdaDeps(context.invokedFunctionArn, process.env));
}
