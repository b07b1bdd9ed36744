/**
 * Reading what a migration writes down as it goes: journal lines (`apply`'s NDJSON, what `rollback` undoes) and
 * verify reports (`verify --out FILE`, what the cleanup and cutover gates read). Checked field by field like plans
 * (lib/migration/plan-file.ts), since rollback turns journal lines into SES calls.
 */

import { isTopicArn, parseAction, parseStateValue } from '#lib/migration/action-file';
import { isAccountId, isRegion } from '#lib/migration/arn';
import { type JournalEntry, PHASES, type VerifyReport } from '#lib/migration/types';
import { array, boolean, child, fail, isIsoTime, object, oneOf, string, withSource } from '#lib/migration/validate';

/** Validates one journal entry (one NDJSON line). */
export function parseJournalEntry(value: unknown, path: string): JournalEntry {
  const obj = object(value, path);
  if (obj.v !== 1) fail(child(path, 'v'), `must be 1, got ${JSON.stringify(obj.v)}`);
  return {
    v: 1,
    planId: string(obj.planId, child(path, 'planId')),
    stepId: string(obj.stepId, child(path, 'stepId')),
    account: string(obj.account, child(path, 'account'), isAccountId, 'a 12-digit account id'),
    region: string(obj.region, child(path, 'region'), isRegion, 'a region'),
    at: string(obj.at, child(path, 'at'), isIsoTime, 'an ISO 8601 UTC time'),
    action: parseAction(obj.action, child(path, 'action')),
    before: parseStateValue(obj.before, child(path, 'before')),
    after: parseStateValue(obj.after, child(path, 'after')),
  };
}

/** Validates a verify report (`verify --out FILE`). */
export function parseVerifyReport(doc: unknown, source: string): VerifyReport {
  return withSource(source, () => {
    const obj = object(doc, '', 'a verify report (ses-bridge migrate verify --out FILE)');
    if (obj.v !== 1) fail('v', `must be 1, got ${JSON.stringify(obj.v)}`);
    return {
      v: 1,
      planId: string(obj.planId, 'planId'),
      accountId: string(obj.accountId, 'accountId', isAccountId, 'a 12-digit account id'),
      checkedAt: string(obj.checkedAt, 'checkedAt', isIsoTime, 'an ISO 8601 UTC time'),
      phases: array(obj.phases, 'phases').map((p, i) => oneOf(p, child('phases', i), PHASES)),
      passed: boolean(obj.passed, 'passed'),
      checks: array(obj.checks, 'checks') as VerifyReport['checks'],
      sendTests: array(obj.sendTests ?? [], 'sendTests') as VerifyReport['sendTests'],
      canary: parseCanary(obj.canary),
    };
  });
}

/** The canary part of a verify report: null when absent; its destinations must say which topic passed. */
function parseCanary(value: unknown): VerifyReport['canary'] {
  if (value === null || value === undefined) return null;
  const obj = object(value, 'canary');
  const destinations = array(obj.destinations, 'canary.destinations').map((d, i) => {
    const at = child('canary.destinations', i);
    const dest = object(d, at);
    return {
      ...(dest as unknown as NonNullable<VerifyReport['canary']>['destinations'][number]),
      topicArn: string(dest.topicArn, child(at, 'topicArn'), isTopicArn, 'an SNS topic ARN'),
      passed: boolean(dest.passed, child(at, 'passed')),
    };
  });
  return {
    passed: boolean(obj.passed, 'canary.passed'),
    timeoutMs: typeof obj.timeoutMs === 'number' ? obj.timeoutMs : 0,
    interrupted: obj.interrupted === true,
    destinations,
  };
}
