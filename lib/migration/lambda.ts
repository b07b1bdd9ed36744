/**
 * The migration as single Lambda invocations, one per step in plan order (docs/migration-runbook.md): read one
 * identity, apply / verify one step of a sealed plan (made by `ses-bridge migrate plan`), or undo one journal entry.
 * Dry run unless `execute: true`, like the CLI. An adapter, like the CLI: events and environment in, the use cases of
 * index.ts out (the gates and the caller check included).
 */
import { ConfigError } from '#lib/errors';
import { isObject } from '#lib/json';
import {
  type AccountClaim,
  applyPlan,
  buildInventory,
  type CallerAccount,
  type ClientsFor,
  callerAccountIn,
  isRegion,
  journalHeader,
  journalRefusals,
  MigrationRefusal,
  PLAN_HMAC_KEY_ENV,
  type Plan,
  parseJournalEntry,
  parsePlan,
  parseVerifyReport,
  requireCaller,
  requireCleanupAllowed,
  rollbackJournal,
  SesSession,
  StateReader,
  sesClientsFor,
  verifyPlan,
} from '#lib/migration/account';

export interface LambdaDeps {
  clients: ClientsFor;
  /** The account the function runs in (from the invocation's function ARN). */
  accountId: string;
  /** The account of the credentials in use (STS GetCallerIdentity): must be `accountId` and the step's account. */
  callerAccount: CallerAccount;
  paceMs?: number;
  /** SES_BRIDGE_PLAN_HMAC_KEY: when set, plans must be signed with it. */
  hmacKey?: string | undefined;
  now?: () => Date;
}

/**
 * The dependencies of the deployed function, from its invocation and environment: the account from the function ARN,
 * the caller's account from STS (a function ARN alone does not prove whose credentials sign the calls), the SDK's
 * SES clients, the pace and the plan key.
 */
export function lambdaDeps(invokedFunctionArn: string | undefined, env: NodeJS.ProcessEnv): LambdaDeps {
  return {
    accountId: accountOfInvocation(invokedFunctionArn, env),
    callerAccount: callerAccountIn(env.AWS_REGION ?? 'us-east-1', 2),
    clients: sesClientsFor,
    paceMs: paceFromEnv(env),
    hmacKey: env[PLAN_HMAC_KEY_ENV] || undefined,
  };
}

/** Milliseconds between SES v1 identity notification calls: `MIGRATION_PACE_MS`, default 1000 (SES allows 1/s). */
export function paceFromEnv(env: NodeJS.ProcessEnv): number {
  const value = env.MIGRATION_PACE_MS;
  if (value === undefined || value === '') return 1000;
  if (!/^\d+$/.test(value))
    throw new ConfigError(`must be a whole number of milliseconds, got "${value}"`, 'MIGRATION_PACE_MS');
  return Number(value);
}

/**
 * The account the function runs in: from the invocation's function ARN (`context.invokedFunctionArn`), or, where
 * there is none (`serverless invoke local`), from `MIGRATION_ACCOUNT_ID`.
 */
export function accountOfInvocation(invokedFunctionArn: string | undefined, env: NodeJS.ProcessEnv): string {
  const account = invokedFunctionArn?.split(':')[4] ?? env.MIGRATION_ACCOUNT_ID;
  if (!account || !/^\d{12}$/.test(account)) {
    throw new ConfigError(
      `cannot tell which account this function runs in (function ARN ${JSON.stringify(invokedFunctionArn ?? null)}); for a local invoke set the 12-digit id`,
      'MIGRATION_ACCOUNT_ID',
    );
  }
  return account;
}

function field<T>(event: Record<string, unknown>, name: string, check: (v: unknown) => v is T, expected: string): T {
  const value = event[name];
  if (!check(value))
    throw new ConfigError(`must be ${expected}, got ${JSON.stringify(value) ?? 'nothing'}`, `event.${name}`);
  return value;
}

const isString = (v: unknown): v is string => typeof v === 'string' && v !== '';
const isArray = (v: unknown): v is unknown[] => Array.isArray(v);

/**
 * Handles one migration event:
 * - `{"action":"inventory","region":"us-east-1","identity":"example.com" | "<identity ARN>"}`: one identity's record;
 * - `{"action":"apply","plan":{...plan.json...},"stepId":"...","execute":true}` (cleanup steps also need `"verified"`;
 *   `"force": true` applies a step whose live value changed since the inventory);
 * - `{"action":"verify","plan":{...},"stepId":"..."}`;
 * - `{"action":"rollback","plan":{...},"entry":{...journal entry...},"execute":true}`.
 * Throws on bad input, a refused, conflicting or failed step, or drift, so that the invoker sees the failure.
 */
export async function handleMigrationEvent(event: unknown, deps: LambdaDeps): Promise<unknown> {
  if (!isObject(event)) throw new ConfigError('must be a JSON object with "action"', 'event');
  const reader = () => new StateReader(new SesSession({ clients: deps.clients, paceMs: deps.paceMs ?? 1000 }));
  const self: AccountClaim = { account: deps.accountId, source: "the function's account (from its ARN)" };
  const action = event.action;
  switch (action) {
    case 'inventory': {
      const region = field(event, 'region', (v): v is string => isRegion(v), 'a region such as us-east-1');
      const identity = field(event, 'identity', isString, 'an identity name or ARN');
      await requireCaller(deps.callerAccount, [self]);
      // One identity per invocation: the account's configuration sets are not listed again each time.
      const inventory = await buildInventory({
        session: reader().session,
        region,
        accountId: deps.accountId,
        identities: [identity],
        configurationSets: false,
        ...(deps.now ? { now: deps.now } : {}),
      });
      return { identity: inventory.identities[0] ?? null, warnings: inventory.warnings };
    }
    case 'apply':
    case 'verify': {
      const plan = parsePlan(event.plan, 'event.plan', { hmacKey: deps.hmacKey });
      const stepId = field(event, 'stepId', isString, 'the id of a step of event.plan');
      const step = plan.steps.find((s) => s.id === stepId);
      if (!step) throw new ConfigError(`plan ${plan.planId} has no step ${JSON.stringify(stepId)}`, 'event.stepId');
      if (step.account !== deps.accountId)
        throw new MigrationRefusal([
          `step ${step.id} runs in account ${step.account}; this function runs in ${deps.accountId}`,
        ]);
      if (step.action.api === 'bridge:SetRouteMode')
        throw new MigrationRefusal([
          `step ${step.id} is a cutover step: it edits the bridge's routes file, so it runs with ses-bridge migrate apply --phase cutover --routes FILE, not in this function`,
        ]);
      await requireCaller(deps.callerAccount, [self]);
      // Only this step runs: the others are left out of the plan the runner sees.
      const single: Plan = { ...plan, steps: [step] };
      const r = reader();
      if (action === 'verify') {
        const report = await verifyPlan(single, {
          reader: r,
          accountId: deps.accountId,
          phases: [step.phase],
          sendTest: false,
          ...(deps.now ? { now: deps.now } : {}),
        });
        if (!report.passed)
          throw new MigrationRefusal([`step ${step.id}: ${report.checks[0]?.message ?? 'not verified'}`]);
        return report.checks[0];
      }
      if (step.phase === 'cleanup') {
        const reports = (isArray(event.verified) ? event.verified : []).map((v, i) =>
          parseVerifyReport(v, `event.verified[${i}]`),
        );
        await requireCleanupAllowed(plan, {
          reader: r,
          accountId: deps.accountId,
          reports,
          ...(deps.now ? { now: deps.now() } : {}),
        });
      }
      let journal: unknown = null;
      const result = await applyPlan(single, {
        reader: r,
        accountId: deps.accountId,
        phases: [step.phase],
        execute: event.execute === true,
        force: event.force === true ? [step.id] : [],
        journal: (e) => (journal = e),
        ...(deps.now ? { now: deps.now } : {}),
      });
      const outcome = result.outcomes[0]!;
      if (!result.ok) throw new Error(`step ${step.id} ${outcome.status}: ${outcome.message}`);
      return { outcome, journal };
    }
    case 'rollback': {
      const plan = parsePlan(event.plan, 'event.plan', { hmacKey: deps.hmacKey });
      const entry = parseJournalEntry(event.entry, 'event.entry');
      if (entry.account !== deps.accountId)
        throw new MigrationRefusal([
          `journal entry ${entry.stepId} was made in account ${entry.account}; this function runs in ${deps.accountId}`,
        ]);
      await requireCaller(deps.callerAccount, [self]);
      const refusals = journalRefusals(plan, journalHeader(plan, deps.accountId), [{ line: 1, entry }]);
      if (refusals.length > 0) throw new MigrationRefusal(refusals.map((r) => r.replace(/^line 1 /, 'event.entry ')));
      let undo: unknown = null;
      const result = await rollbackJournal([entry], {
        reader: reader(),
        execute: event.execute === true,
        journal: (e) => (undo = e),
        ...(deps.now ? { now: deps.now } : {}),
      });
      const outcome = result.outcomes[0]!;
      if (!result.ok) throw new Error(`journal entry ${entry.stepId} ${outcome.status}: ${outcome.message}`);
      return { outcome, journal: undo };
    }
    default:
      throw new ConfigError(
        `must be "inventory", "apply", "verify" or "rollback" (plans are made with "ses-bridge migrate plan"), got ${JSON.stringify(action) ?? 'nothing'}`,
        'event.action',
      );
  }
}
