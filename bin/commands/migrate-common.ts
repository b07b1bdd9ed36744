/** What the `ses-bridge migrate` sub-commands share: option parsing, the SES session, the identity guard, files. */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describeError, UsageError } from '#lib/errors';
import {
  type AccountClaim,
  type CanaryReport,
  callerAccountIn,
  DEFAULT_RETRY,
  isAccountId,
  PHASES,
  type Phase,
  PLAN_HMAC_KEY_ENV,
  type Plan,
  parsePlanText,
  queueClientsFor,
  RoutesFile,
  requireCaller,
  runCanary,
  SesSession,
  type StateReader,
  type StepOutcome,
  sdkRegion,
  sesClientsFor,
} from '#lib/migration/index';
import type { Io } from '../cli';

export function wholeNumber(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value)) throw new UsageError(`--${name} must be a whole number of milliseconds, got "${value}"`);
  return Number(value);
}

export function accountIdOption(value: string | undefined, required: boolean): string | null {
  if (value === undefined) {
    if (required)
      throw new UsageError(
        '--account-id is required: the 12-digit id of the account whose credentials you use (aws sts get-caller-identity --query Account --output text)',
      );
    return null;
  }
  if (!isAccountId(value)) throw new UsageError(`--account-id must be a 12-digit account id, got "${value}"`);
  return value;
}

export function phasesOption(values: string[] | undefined): Phase[] {
  const phases = (values ?? ['prepare,switch'])
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter(Boolean);
  for (const phase of phases)
    if (!(PHASES as readonly string[]).includes(phase))
      throw new UsageError(`--phase must list ${PHASES.join(', ')}; got "${phase}"`);
  if (phases.includes('cleanup') && phases.length > 1)
    throw new UsageError('--phase cleanup runs alone, after verify passed for the other phases');
  if (phases.includes('cutover') && phases.length > 1)
    throw new UsageError('--phase cutover runs alone, after parity passed for the routes it turns live');
  return phases as Phase[];
}

export function session(values: { 'pace-ms'?: string; 'retry-base-ms'?: string }, io: Io): SesSession {
  return new SesSession({
    clients: sesClientsFor,
    paceMs: wholeNumber(values['pace-ms'], 'pace-ms', 1000),
    retry: {
      ...DEFAULT_RETRY,
      baseDelayMs: wholeNumber(values['retry-base-ms'], 'retry-base-ms', DEFAULT_RETRY.baseDelayMs),
    },
    onRetry: (e) => io.stderr(`${e.label}: ${e.kind} (${e.error}); retry ${e.attempt} in ${e.delayMs} ms\n`),
  });
}

/** `--routes FILE`: the bridge's routes file, which the cutover steps read and write. */
export function routesOption(file: string | undefined): RoutesFile | null {
  return file === undefined ? null : new RoutesFile(file);
}

/**
 * Refuses (one line, exit 1) unless the credentials in use are of every account in `claims`: STS GetCallerIdentity,
 * through the endpoint of the region the command works in.
 */
export function guard(region: string, claims: AccountClaim[]): Promise<string> {
  return requireCaller(callerAccountIn(region, 1), claims);
}

/** The region of the account's first step (where its SES calls go), else the SDK's, else us-east-1. */
export async function planRegion(plan: Plan, accountId: string): Promise<string> {
  return plan.steps.find((s) => s.account === accountId)?.region ?? (await sdkRegion()) ?? 'us-east-1';
}

/** A plan file, sealed: its digest checked, and its HMAC when SES_BRIDGE_PLAN_HMAC_KEY is set. */
export function readPlan(io: Io, file: string): Plan {
  return parsePlanText(readFile(io, file, 'plan'), file, { hmacKey: io.env[PLAN_HMAC_KEY_ENV] || undefined });
}

/** `--force STEP` values: steps of this account in the plan. */
export function forceOption(values: string[] | undefined, plan: Plan, accountId: string): string[] {
  const ids = (values ?? []).flatMap((v) => v.split(',')).filter(Boolean);
  for (const id of ids)
    if (!plan.steps.some((s) => s.id === id && s.account === accountId))
      throw new UsageError(`--force ${id}: the plan has no step of that id in account ${accountId}`);
  return ids;
}

/**
 * Runs `work` with a signal that Ctrl-C aborts: the canary and parity stop waiting, and remove their temporary
 * queues and subscriptions all the same.
 */
export async function interruptible<T>(io: Io, what: string, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const onInterrupt = () => {
    io.stderr(`${what}: interrupted: removing its queues and subscriptions\n`);
    controller.abort();
  };
  process.once('SIGINT', onInterrupt);
  try {
    return await work(controller.signal);
  } finally {
    process.off('SIGINT', onInterrupt);
  }
}

/** Runs the canary (interruptible) and reports each destination on stderr. */
export async function canary(
  plan: Plan,
  accountId: string,
  reader: StateReader,
  timeoutMs: number,
  io: Io,
): Promise<CanaryReport> {
  const report = await interruptible(io, 'canary', (signal) =>
    runCanary({
      plan,
      accountId,
      session: reader.session,
      clients: queueClientsFor,
      timeoutMs,
      signal,
      progress: (line) => io.stderr(`${line}\n`),
    }),
  );
  for (const d of report.destinations)
    io.stderr(
      `canary: ${d.topicArn}: ${d.passed ? 'PASSED' : 'FAILED'} (${d.format}); ${d.types.map((t) => `${t.type} ${t.status}${t.latencyMs === null ? '' : ` in ${t.latencyMs} ms`}, ${t.copies.length} ${t.copies.length === 1 ? 'copy' : 'copies'}${t.copies.length ? ` (${t.copies.map((c) => `${c.format} by ${c.path}`).join('; ')})` : ''}`).join(', ')}; duplicates ${d.duplicates}\n`,
    );
  return report;
}

export function readFile(io: Io, file: string, what: string): string {
  try {
    return io.readInput(file);
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : describeError(err);
    throw new UsageError(`cannot read ${what} ${file}: ${reason}`, { cause: err });
  }
}

export function writeOut(file: string, text: string): void {
  mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  writeFileSync(file, text);
}

export function summarize(outcomes: StepOutcome[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const o of outcomes) counts[o.status] = (counts[o.status] ?? 0) + 1;
  return counts;
}
