/**
 * The migration off legacy cross-account notifications, behind one entry: the CLI (`bin/commands/migrate*.ts`)
 * imports from here alone, and only adapts flags and files to these use cases. The Lambda (lambda.ts) adapts events
 * and environment to the subset in account.ts, which this entry re-exports whole. docs/architecture.md lists the
 * modules behind it; docs/migration-runbook.md is the operator's guide.
 *
 * The use cases:
 * - inventory: {@link buildInventory} reads what one account sees of its identities;
 * - plan: {@link buildPlan} merges the inventories into a sealed plan, {@link renderRunbook} explains it;
 * - apply and rollback: {@link applyPlan} runs one account's steps, {@link rollbackJournal} undoes them;
 * - verify: {@link verifyPlan} reads the live state back, {@link runCanary} proves delivery;
 * - parity: {@link runParity} compares a shadow route with its legacy topic;
 * - the gates: {@link requireCleanupAllowed} and {@link requireCutoverAllowed}, the same for every adapter;
 * - whose credentials: {@link requireCaller} with {@link callerAccountIn}, before anything is read or changed.
 */
export * from '#lib/migration/account';
export { queueClientsFor } from '#lib/migration/aws';
export { CANARY_TIMEOUT_MS, runCanary } from '#lib/migration/canary';
export { parseInventoryText } from '#lib/migration/inventory-file';
export { PARITY_DURATION_MS, runParity } from '#lib/migration/parity';
export { type ParityReport, parseParityReport } from '#lib/migration/parity-report';
export { parityHtml, paritySummary, parityTable } from '#lib/migration/parity-table';
export { buildPlan } from '#lib/migration/plan';
export { renderRunbook } from '#lib/migration/runbook';
