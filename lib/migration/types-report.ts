/** What apply, rollback and verify write: live state values, journal lines, step outcomes, verify reports. */
import type { Action, StateValue } from '#lib/migration/types-plan';
import type { NotificationType, Phase } from '#lib/migration/types-vocabulary';

/**
 * The first line of a journal file: binds every entry after it to one plan (id and digest) and one account, so a
 * rollback can refuse entries that plan could not have produced.
 */
export interface JournalHeader {
  v: 2;
  journal: 'ses-bridge-migration';
  planId: string;
  planDigest: string;
  account: string;
  createdAt: string;
}

/** One change `apply` made (or `rollback` undid), one NDJSON line of the journal, after its header. */
export interface JournalEntry {
  v: 1;
  planId: string;
  stepId: string;
  account: string;
  region: string;
  at: string;
  action: Action;
  before: StateValue;
  after: StateValue;
}

export type StepStatus =
  | 'changed'
  | 'would-change'
  | 'unchanged'
  | 'manual'
  | 'skipped'
  | 'failed'
  | 'not-run'
  | 'conflict';

export interface StepOutcome {
  stepId: string;
  status: StepStatus;
  message: string;
  before?: StateValue;
  after?: StateValue;
}

export type CheckStatus = 'ok' | 'drift' | 'manual' | 'skipped' | 'error';

export interface StepCheck {
  stepId: string;
  status: CheckStatus;
  message: string;
  expected?: StateValue;
  actual?: StateValue;
}

export interface SendTestResult {
  identityArn: string;
  from: string;
  to: string;
  configurationSetName: string | null;
  sourceArn: string | null;
  messageId: string | null;
  error: string | null;
  expect: string;
}

/** One feedback type of a canary: the test mail sent, and every copy that arrived on the destination. */
export interface CanaryType {
  type: NotificationType;
  messageId: string;
  sentAt: number;
  /** Milliseconds from the send to the first copy in the promised format; null when none arrived. */
  latencyMs: number | null;
  /** Every copy read, in arrival order, with its format and the path it came by. */
  copies: Array<{ format: 'notification' | 'event' | 'other'; path: string; latencyMs: number }>;
  status: 'ok' | 'wrong-format' | 'missing' | 'interrupted';
}

/** The canary of one destination topic. */
export interface CanaryResult {
  topicArn: string;
  /** The payload format the plan promises on that topic. */
  format: 'notification' | 'event';
  queueArn: string;
  passed: boolean;
  /** Copies beyond the first, over all types (the same feedback delivered more than once). */
  duplicates: number;
  types: CanaryType[];
}

/** `verify --canary`: delivery proven per destination topic of the account. */
export interface CanaryReport {
  passed: boolean;
  timeoutMs: number;
  interrupted: boolean;
  destinations: CanaryResult[];
}

/** A verify report (`ses-bridge migrate verify --out FILE`): what `apply --phase cleanup --verified` checks. */
export interface VerifyReport {
  v: 1;
  planId: string;
  accountId: string;
  checkedAt: string;
  phases: Phase[];
  passed: boolean;
  checks: StepCheck[];
  sendTests: SendTestResult[];
  /** `--canary`: null when not run. */
  canary: CanaryReport | null;
}
