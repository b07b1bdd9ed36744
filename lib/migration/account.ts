/**
 * The use cases that act on one account, and all the Lambda (lambda.ts) imports: inventory, apply, verify, rollback,
 * the cleanup and cutover gates, whose credentials. index.ts re-exports them with the rest (planning, the canary,
 * parity); the Lambda imports this smaller entry because the parity modules reach the feedback readers and
 * renderers, whose module-level tables a bundler keeps even when nothing calls them.
 */
export { applyPlan, rollbackJournal } from '#lib/migration/apply';
export { isAccountId, isRegion } from '#lib/migration/arn';
export { callerAccountIn, sesClientsFor } from '#lib/migration/aws';
export { MigrationRefusal } from '#lib/migration/errors';
export {
  type CleanupCheck,
  cleanupGate,
  cleanupRefusals,
  cutoverRefusals,
  requireCleanupAllowed,
  requireCutoverAllowed,
} from '#lib/migration/gates';
export {
  type AccountClaim,
  type CallerAccount,
  connectionRefused,
  requireCaller,
  sdkRegion,
} from '#lib/migration/identity';
export { buildInventory } from '#lib/migration/inventory';
export { journalHeader, journalRefusals, parseJournalFile } from '#lib/migration/journal';
export { parsePlan, parsePlanText } from '#lib/migration/plan-file';
export { parseJournalEntry, parseVerifyReport } from '#lib/migration/record-file';
export { DEFAULT_RETRY } from '#lib/migration/retry';
export { RoutesFile } from '#lib/migration/routes-file';
export { PLAN_HMAC_KEY_ENV } from '#lib/migration/seal';
export { type ClientsFor, SesSession } from '#lib/migration/ses';
export { StateReader } from '#lib/migration/state';
export * from '#lib/migration/types';
export { parseJsonText } from '#lib/migration/validate';
export { verifyPlan } from '#lib/migration/verify';
