/**
 * `apply` and `rollback`: run the steps of one account, idempotently. Each step reads the live state first and changes
 * only what differs; every change is journaled as `{step, before, after}` before the next one, so rollback can restore
 * `before` in reverse order even after a crash.
 */
import { parseIdentityArn } from '#lib/migration/arn';
import { errorCode } from '#lib/migration/ses';
import {
  describeState,
  equalState,
  readState,
  type StateReader,
  sameState,
  targetState,
  writeState,
} from '#lib/migration/state';
import type { Action, JournalEntry, Phase, Plan, Step, StepOutcome } from '#lib/migration/types';

export interface ApplyOptions {
  reader: StateReader;
  /** The account whose credentials are in use: only its steps run. */
  accountId: string;
  phases: Phase[];
  /** False: a dry run that reads and reports what would change. */
  execute: boolean;
  /** Steps to apply even though their live value is not what the inventory saw (`--force STEP`). */
  force?: string[];
  /** Called with every change, before the next step starts (append it to the journal file). */
  journal?: (entry: JournalEntry) => void;
  progress?: (line: string) => void;
  now?: () => Date;
}

export interface RunResult {
  outcomes: StepOutcome[];
  /** False when a step failed or conflicted. */
  ok: boolean;
}

type ApiAction = Exclude<Action, { api: 'manual' }>;

function message(err: unknown): string {
  return err instanceof Error ? `${err.name === 'Error' ? '' : `${err.name}: `}${err.message}` : String(err);
}

/** Reads, for a run, every identity its SES v1 steps touch: one call per 100 identities instead of one per step. */
async function prefetch(reader: StateReader, actions: Array<{ region: string; action: Action }>): Promise<void> {
  const byRegion = new Map<string, string[]>();
  for (const { region, action } of actions) {
    if (action.api.startsWith('ses:') && 'Identity' in action.params)
      byRegion.set(region, [...(byRegion.get(region) ?? []), action.params.Identity]);
  }
  for (const [region, identities] of byRegion) await reader.prefetch(region, identities);
}

/** The steps `apply` would run for an account and phases, and why each other step is skipped. */
export function selectSteps(
  plan: Plan,
  accountId: string,
  phases: Phase[],
): Array<{ step: Step; skip: string | null }> {
  return plan.steps.map((step) => {
    if (step.account !== accountId) return { step, skip: `runs in account ${step.account} (${step.role})` };
    if (!phases.includes(step.phase)) {
      return {
        step,
        skip:
          step.phase === 'cleanup'
            ? 'cleanup: run apply --phase cleanup --verified <reports> once verify passed'
            : step.phase === 'cutover'
              ? 'cutover: run apply --phase cutover --routes <routes file> --parity-report <reports> once parity passed'
              : `phase ${step.phase} not selected`,
      };
    }
    return { step, skip: null };
  });
}

/**
 * Applies the plan's steps of `accountId` in the selected phases, in plan order. Stops at the first failed step (later
 * steps may depend on it); the outcomes list every step.
 */
export async function applyPlan(plan: Plan, options: ApplyOptions): Promise<RunResult> {
  const { reader, execute } = options;
  const progress = options.progress ?? (() => {});
  const selected = selectSteps(plan, options.accountId, options.phases);
  const runnable = selected.filter((s) => s.skip === null);
  const outcomes: StepOutcome[] = [];
  let stopped = false;
  try {
    await prefetch(
      reader,
      runnable.map(({ step }) => ({ region: step.region, action: step.action })),
    );
  } catch (err) {
    progress(`apply: reading the identities' notification attributes failed: ${message(err)}`);
    return {
      outcomes: selected.map(({ step, skip }) =>
        skip === null
          ? { stepId: step.id, status: 'failed', message: `not run: ${message(err)}` }
          : { stepId: step.id, status: 'skipped', message: skip },
      ),
      ok: false,
    };
  }
  let n = 0;
  for (const { step, skip } of selected) {
    if (skip !== null) {
      outcomes.push({ stepId: step.id, status: 'skipped', message: skip });
      continue;
    }
    n++;
    const tag = `[${n}/${runnable.length}] ${step.id}`;
    if (stopped) {
      outcomes.push({ stepId: step.id, status: 'not-run', message: 'an earlier step failed or conflicted' });
      continue;
    }
    if (step.action.api === 'manual') {
      progress(`${tag}: MANUAL: ${step.action.params.instructions}`);
      outcomes.push({ stepId: step.id, status: 'manual', message: step.action.params.instructions });
      continue;
    }
    const action: ApiAction = step.action;
    try {
      // Cleanup removes for good: read each value again right before its removal, not from a batch read earlier.
      if (step.phase === 'cleanup') reader.clear();
      const current = await readState(reader, step.region, action);
      const target = targetState(action, current);
      if (sameState(current, target)) {
        progress(`${tag}: unchanged (${describeState(current)})`);
        outcomes.push({
          stepId: step.id,
          status: 'unchanged',
          message: describeState(current),
          before: current,
          after: current,
        });
        continue;
      }
      const change = `${describeState(current)} -> ${describeState(target)}`;
      if (step.seen !== null && !sameState(current, step.seen)) {
        if (!options.force?.includes(step.id)) {
          stopped = true;
          const text = `live value is ${describeState(current)}, but the inventory saw ${describeState(step.seen)} (the plan sets ${describeState(target)}): changed since the inventory; not applied (inventory and plan again, or --force ${step.id})`;
          progress(`${tag}: CONFLICT: ${text}`);
          outcomes.push({ stepId: step.id, status: 'conflict', message: text, before: current, after: current });
          continue;
        }
        progress(`${tag}: forced: live value ${describeState(current)} is not what the inventory saw`);
      }
      if (!execute) {
        progress(`${tag}: would change ${change}`);
        outcomes.push({ stepId: step.id, status: 'would-change', message: change, before: current, after: target });
        continue;
      }
      await writeState(reader, step.region, action, target, current);
      options.journal?.({
        v: 1,
        planId: plan.planId,
        stepId: step.id,
        account: step.account,
        region: step.region,
        at: (options.now?.() ?? new Date()).toISOString(),
        action,
        before: current,
        after: target,
      });
      progress(`${tag}: changed ${change}`);
      outcomes.push({ stepId: step.id, status: 'changed', message: change, before: current, after: target });
    } catch (err) {
      stopped = true;
      progress(`${tag}: FAILED: ${message(err)}`);
      outcomes.push({ stepId: step.id, status: 'failed', message: message(err) });
    }
  }
  return { outcomes, ok: !outcomes.some((o) => o.status === 'failed' || o.status === 'conflict') };
}

export interface RollbackOptions {
  reader: StateReader;
  execute: boolean;
  /** Called with every undo (as a journal entry whose `after` is the restored state). */
  journal?: (entry: JournalEntry) => void;
  progress?: (line: string) => void;
  now?: () => Date;
}

/**
 * Undoes journal entries in reverse order. An entry whose live state is already `before` is skipped; one whose live
 * state is neither `after` nor `before` was changed by someone else since, and stops the rollback (a conflict) rather
 * than overwrite that change. Run it again after fixing: undone entries are skipped.
 */
export async function rollbackJournal(entries: JournalEntry[], options: RollbackOptions): Promise<RunResult> {
  const { reader, execute } = options;
  const progress = options.progress ?? (() => {});
  const outcomes: StepOutcome[] = [];
  let stopped = false;
  const reversed = [...entries].reverse();
  await prefetch(
    reader,
    reversed.map((e) => ({ region: e.region, action: e.action })),
  ).catch(() => {});
  for (const [i, entry] of reversed.entries()) {
    const tag = `[${i + 1}/${reversed.length}] ${entry.stepId}`;
    if (stopped) {
      outcomes.push({ stepId: entry.stepId, status: 'not-run', message: 'an earlier undo failed or conflicted' });
      continue;
    }
    if (entry.action.api === 'manual') continue;
    const action: ApiAction = entry.action;
    try {
      const current = await readState(reader, entry.region, action);
      if (equalState(current, entry.before)) {
        progress(`${tag}: unchanged (already ${describeState(current)})`);
        outcomes.push({ stepId: entry.stepId, status: 'unchanged', message: describeState(current) });
        continue;
      }
      if (!sameState(current, entry.after)) {
        stopped = true;
        const text = `live state is ${describeState(current)}, but apply left ${describeState(entry.after)}: changed by someone else since; not overwriting it (restore ${describeState(entry.before)} by hand, or make it ${describeState(entry.after)} and run rollback again)`;
        progress(`${tag}: CONFLICT: ${text}`);
        outcomes.push({
          stepId: entry.stepId,
          status: 'conflict',
          message: text,
          before: entry.before,
          after: current,
        });
        continue;
      }
      const change = `${describeState(current)} -> ${describeState(entry.before)}`;
      if (!execute) {
        progress(`${tag}: would restore ${change}`);
        outcomes.push({
          stepId: entry.stepId,
          status: 'would-change',
          message: change,
          before: current,
          after: entry.before,
        });
        continue;
      }
      await writeState(reader, entry.region, action, entry.before, current);
      options.journal?.({
        ...entry,
        at: (options.now?.() ?? new Date()).toISOString(),
        before: current,
        after: entry.before,
      });
      progress(`${tag}: restored ${change}`);
      outcomes.push({ stepId: entry.stepId, status: 'changed', message: change, before: current, after: entry.before });
    } catch (err) {
      stopped = true;
      let text = message(err);
      const identity = 'Identity' in action.params ? action.params.Identity : '';
      if (parseIdentityArn(identity) && errorCode(err) === 'InvalidParameterValue') {
        text += ` (SES no longer lets anyone create cross-account notifications, so a removed legacy setting may not come back: use the new path)`;
      }
      progress(`${tag}: FAILED: ${text}`);
      outcomes.push({ stepId: entry.stepId, status: 'failed', message: text });
    }
  }
  return { outcomes, ok: !outcomes.some((o) => o.status === 'failed' || o.status === 'conflict') };
}
