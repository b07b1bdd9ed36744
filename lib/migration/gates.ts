/**
 * The gates of the two steps that cannot be undone by a journal alone, shared by the CLI and the Lambda: the cleanup
 * (removes the legacy cross-account settings for good) and the cutover (turns a delegate's shadow route live).
 * Each needs fresh proof from the accounts it depends on, and the cleanup also reads this account's state again.
 */
import { parseStandardTopicArn } from '#lib/arn';
import { canaryDestinations } from '#lib/migration/canary-destinations';
import { MigrationRefusal } from '#lib/migration/errors';
import { MAX_PARITY_AGE_MS, type ParityReport } from '#lib/migration/parity-report';
import { cleanupDependencyPhases } from '#lib/migration/plan-common';
import type { StateReader } from '#lib/migration/state';
import type { Plan, VerifyReport } from '#lib/migration/types';
import { verifyPlan } from '#lib/migration/verify';

/** How old a verify report may be for the cleanup gate: the state it saw may have been rolled back since. */
export const MAX_REPORT_AGE_MS = 24 * 60 * 60 * 1000;

/**
 * Why the cleanup phase may not run yet for `accountId`: a passing verify report of this plan, from each account its
 * cleanup depends on and at most a day old, is missing.
 */
export function cleanupGate(plan: Plan, accountId: string, reports: VerifyReport[], now: Date = new Date()): string[] {
  const reasons: string[] = [];
  const fresh = (r: VerifyReport) => now.getTime() - Date.parse(r.checkedAt) <= MAX_REPORT_AGE_MS;
  for (const report of reports) {
    if (report.planId !== plan.planId)
      reasons.push(`the verify report of ${report.accountId} is for plan ${report.planId}, not ${plan.planId}`);
    else if (!fresh(report))
      reasons.push(
        `the verify report of ${report.accountId} was made at ${report.checkedAt}, more than a day ago: verify again`,
      );
  }
  // Delivery proven: a passing canary of this account for each topic of it the plan promises feedback on.
  const topics = [...new Set(canaryDestinations(plan, accountId).map((d) => d.topicArn))];
  if (topics.length > 0) {
    const proven = reports.some(
      (r) =>
        r.accountId === accountId &&
        r.planId === plan.planId &&
        fresh(r) &&
        r.canary?.passed === true &&
        topics.every((t) => r.canary!.destinations.some((d) => d.topicArn === t && d.passed)),
    );
    if (!proven)
      reasons.push(
        `no passing canary of account ${accountId} for ${topics.join(', ')}: run "ses-bridge migrate verify --plan plan.json --account-id ${accountId} --canary --out verify-${accountId}.json" with ${accountId}'s credentials and pass the file with --verified`,
      );
  }
  for (const [account, phases] of cleanupDependencyPhases(plan, accountId)) {
    const passing = reports.find(
      (r) =>
        r.accountId === account &&
        r.planId === plan.planId &&
        r.passed &&
        fresh(r) &&
        phases.every((p) => r.phases.includes(p)),
    );
    if (passing) continue;
    if (phases.includes('cutover'))
      reasons.push(
        `no passing verify report of account ${account} covering the cutover: the delegates' routes must be live before the legacy path is removed; once "apply --phase cutover" ran and the routes file is deployed, run "ses-bridge migrate verify --plan plan.json --account-id ${account} --phase ${phases.join(',')} --routes routes.json --out verify-${account}.json" with ${account}'s credentials and pass the file with --verified`,
      );
    else
      reasons.push(
        `no passing verify report of account ${account} for this plan: run "ses-bridge migrate verify --plan plan.json --account-id ${account} --send-test --out verify-${account}.json" with ${account}'s credentials and pass the file with --verified`,
      );
  }
  return reasons;
}

export interface CleanupCheck {
  reader: StateReader;
  accountId: string;
  /** The verify reports handed over (`--verified`). */
  reports: VerifyReport[];
  progress?: (line: string) => void;
  now?: Date;
}

/**
 * Why the cleanup of `accountId` may not run: the verify reports it depends on ({@link cleanupGate}), and this
 * account's own earlier steps read back live now, since a report may be stale.
 */
export async function cleanupRefusals(plan: Plan, check: CleanupCheck): Promise<string[]> {
  const reasons = cleanupGate(plan, check.accountId, check.reports, check.now);
  const own = await verifyPlan(plan, {
    reader: check.reader,
    accountId: check.accountId,
    phases: ['prepare', 'switch'],
    sendTest: false,
    ...(check.progress ? { progress: check.progress } : {}),
  });
  if (!own.passed)
    reasons.push(
      `the live state of account ${check.accountId} drifted from the plan since: run verify and fix it first`,
    );
  return reasons;
}

/** Throws the cleanup's refusal (every reason, and why the gate exists) unless {@link cleanupRefusals} finds none. */
export async function requireCleanupAllowed(plan: Plan, check: CleanupCheck): Promise<void> {
  const reasons = await cleanupRefusals(plan, check);
  if (reasons.length > 0)
    throw new MigrationRefusal(
      reasons,
      'Cleanup removes the legacy cross-account settings for good; it runs only after verify passed everywhere.',
    );
}

/**
 * Why `apply --phase cutover` may not turn the routes of `accountId`'s cutover steps live: each route needs a
 * passing parity report of this plan, at most a day old, that names it.
 */
export function cutoverRefusals(plan: Plan, accountId: string, reports: ParityReport[], now = new Date()): string[] {
  const reasons: string[] = [];
  const fresh = (r: ParityReport) => now.getTime() - Date.parse(r.checkedAt) <= MAX_PARITY_AGE_MS;
  for (const r of reports) {
    if (r.planId !== plan.planId)
      reasons.push(`the parity report of ${r.accountId} is for plan ${r.planId}, not ${plan.planId}`);
    else if (!fresh(r))
      reasons.push(
        `the parity report of ${r.accountId} was made at ${r.checkedAt}, more than a day ago: run parity again`,
      );
  }
  for (const step of plan.steps) {
    if (step.account !== accountId || step.phase !== 'cutover' || step.action.api !== 'bridge:SetRouteMode') continue;
    const route = plan.routes?.routes.find((r) => r.name === (step.action.params as { Route: string }).Route);
    if (!route) continue;
    const owner = parseStandardTopicArn(route.to.topicArn)?.accountId ?? '?';
    // Made in the account that owns the topic: only its credentials could read the topic's deliveries.
    const proven = reports.some(
      (r) =>
        r.accountId === owner &&
        r.planId === plan.planId &&
        fresh(r) &&
        !r.interrupted &&
        r.destinations.some((d) => d.route === route.name && d.topicArn === route.to.topicArn && d.passed),
    );
    if (!proven) {
      reasons.push(
        `no passing parity report for route ${route.name} (${route.to.topicArn}): run "ses-bridge migrate parity --plan plan.json --account-id ${owner} --send --out parity-${owner}.json" with ${owner}'s credentials and pass the file with --parity-report`,
      );
    }
  }
  return reasons;
}

/** Throws the cutover's refusal (every reason, and why the gate exists) unless {@link cutoverRefusals} finds none. */
export function requireCutoverAllowed(plan: Plan, accountId: string, reports: ParityReport[], now?: Date): void {
  const reasons = cutoverRefusals(plan, accountId, reports, now);
  if (reasons.length > 0)
    throw new MigrationRefusal(
      reasons,
      'A route goes live only once its shadow topic got exactly what its legacy topic got (ses-bridge migrate parity).',
    );
}
