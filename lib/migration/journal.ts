/**
 * Journal files: a header line that binds the file to one plan (id and digest) and one account, then one change per
 * line with the value before and after. Rollback reads them back and refuses any entry the named plan could not have
 * produced, so a hand-written or foreign line cannot make it change or delete anything the plan did not.
 */
import { ConfigError } from '#lib/errors';
import { parseJournalEntry } from '#lib/migration/record-file';
import { canonicalJson } from '#lib/migration/seal';
import { equalState, targetState } from '#lib/migration/state';
import type { JournalEntry, JournalHeader, Plan, StateValue } from '#lib/migration/types';
import { fail, isIsoTime, object, parseJsonText, string, withSource } from '#lib/migration/validate';

/** The header of a journal of `plan`'s changes in `account`. */
export function journalHeader(plan: Plan, account: string, now: Date = new Date()): JournalHeader {
  return {
    v: 2,
    journal: 'ses-bridge-migration',
    planId: plan.planId,
    planDigest: plan.digest,
    account,
    createdAt: now.toISOString(),
  };
}

function parseHeader(value: unknown): JournalHeader {
  const obj = object(value, '', 'a journal header');
  if (obj.journal !== 'ses-bridge-migration' || obj.v !== 2)
    fail(
      '',
      'is not a journal header (plan id, digest and account): the file was not written by this version of "ses-bridge migrate apply --execute"',
    );
  return {
    v: 2,
    journal: 'ses-bridge-migration',
    planId: string(obj.planId, 'planId'),
    planDigest: string(obj.planDigest, 'planDigest'),
    account: string(obj.account, 'account', (a) => /^\d{12}$/.test(a), 'a 12-digit account id'),
    createdAt: string(obj.createdAt, 'createdAt', isIsoTime, 'an ISO 8601 UTC time'),
  };
}

/** A journal entry with the line it came from (for messages). */
export interface NumberedEntry {
  line: number;
  entry: JournalEntry;
}

export interface JournalFile {
  header: JournalHeader;
  entries: NumberedEntry[];
  /** The last line, when it is not whole JSON: a crash while writing it. Skipped, and reported. */
  truncated: { line: number; text: string } | null;
}

/**
 * Parses a journal file. A last line that is not whole JSON is a write cut short by a crash: it is returned as
 * `truncated` and the rest is kept. Any other bad line is an error naming it.
 */
export function parseJournalFile(text: string, source: string): JournalFile {
  const lines = text.split('\n').map((t, i) => ({ text: t, line: i + 1 }));
  const filled = lines.filter((l) => l.text.trim() !== '');
  if (filled.length === 0) throw new ConfigError('is empty: no journal header', source);
  let truncated: JournalFile['truncated'] = null;
  const last = filled[filled.length - 1]!;
  if (filled.length > 1) {
    try {
      JSON.parse(last.text);
    } catch {
      truncated = { line: last.line, text: last.text };
      filled.pop();
    }
  }
  const [first, ...rest] = filled;
  const header = withSource(`${source} line ${first!.line}`, () =>
    parseHeader(parseJsonText(first!.text, `${source} line ${first!.line}`)),
  );
  const entries = rest.map(({ text: t, line }) => {
    const where = `${source} line ${line}`;
    return { line, entry: withSource(where, () => parseJournalEntry(parseJsonText(t, where), '')) };
  });
  return { header, entries, truncated };
}

/** True when restoring `value` removes a resource (a configuration set or an event destination). */
function removes(value: StateValue): boolean {
  return (
    (value.kind === 'configuration-set' && !value.exists) ||
    (value.kind === 'event-destination' && value.destination === null)
  );
}

/**
 * Why the journal may not be rolled back with `plan`: a header of another plan or plan file, or entries the plan could
 * not have produced (another plan or account, a step it lacks, another action, an `after` the step cannot give, or a
 * removal of something the inventory saw existing before the plan). Empty when every entry is the plan's.
 */
export function journalRefusals(plan: Plan, header: JournalHeader, entries: NumberedEntry[]): string[] {
  const reasons: string[] = [];
  if (header.planId !== plan.planId)
    reasons.push(`the journal is of plan ${header.planId}, not ${plan.planId} (--plan)`);
  else if (header.planDigest !== plan.digest)
    reasons.push(
      `the journal was written with plan.json ${header.planDigest}, but --plan is ${plan.digest}: pass the plan file apply used`,
    );
  const steps = new Map(plan.steps.map((s) => [s.id, s]));
  for (const { line, entry } of entries) {
    const at = `line ${line} (${entry.stepId})`;
    const step = steps.get(entry.stepId);
    if (entry.planId !== header.planId) reasons.push(`${at}: an entry of plan ${entry.planId}, not this journal's`);
    else if (entry.account !== header.account)
      reasons.push(`${at}: an entry of account ${entry.account}, not this journal's ${header.account}`);
    else if (!step) reasons.push(`${at}: the plan has no such step`);
    else if (step.account !== entry.account || step.region !== entry.region)
      reasons.push(`${at}: the step runs in ${step.account} ${step.region}, not ${entry.account} ${entry.region}`);
    else if (step.action.api === 'manual' || canonicalJson(step.action) !== canonicalJson(entry.action))
      reasons.push(`${at}: its action is not the plan step's`);
    else if (!equalState(entry.after, targetState(step.action, entry.before)))
      reasons.push(`${at}: its "after" is not what the step sets`);
    else if (removes(entry.before) && !(step.seen && removes(step.seen)))
      reasons.push(
        `${at}: undoing it would delete what the inventory saw existing before the plan, which this plan did not create`,
      );
  }
  return reasons;
}
