/**
 * The parity report (`ses-bridge migrate parity --out FILE`): per delegate route, what its legacy topic and its shadow
 * topic delivered, matched by feedback key. The cutover gate (gates.ts) reads it back: a route goes live only with a passing,
 * fresh report of this plan for its topic.
 */
import { parseStandardTopicArn } from '#lib/arn';
import { isAccountId } from '#lib/migration/arn';
import { array, boolean, child, fail, isIsoTime, object, string, withSource } from '#lib/migration/validate';

/** One field that differs between the legacy payload and the bridge's notification rendering. */
export interface FieldDiff {
  /** JSON path of the field (`mail.commonHeaders.subject`, `bounce.bouncedRecipients[0].status`). */
  path: string;
  /** The value on each side; undefined (absent from the JSON) when the field is missing there. */
  legacy?: unknown;
  bridge?: unknown;
  /** The row of the expected-differences table (docs/cutover.md) that explains it; null makes it a failure. */
  expected: string | null;
}

export type ParityStatus = 'matched' | 'different' | 'legacy-only' | 'bridge-only';

/** One feedback event (one feedback key) seen on either side. */
export interface ParityEvent {
  feedbackKey: string;
  type: string;
  messageId: string;
  status: ParityStatus;
  /** Copies read on each side (more than one is a duplicate, reported but not a failure of parity). */
  legacyCopies: number;
  bridgeCopies: number;
  differences: FieldDiff[];
}

/** The parity of one delegate route: its live (legacy) topic against its shadow topic. */
export interface ParityDestination {
  route: string;
  topicArn: string;
  shadowTopicArn: string;
  passed: boolean;
  counts: Record<ParityStatus, number> & { ignored: number };
  events: ParityEvent[];
}

export interface ParityReport {
  v: 1;
  report: 'ses-bridge-parity';
  planId: string;
  accountId: string;
  checkedAt: string;
  durationMs: number;
  /** Messages sent to the mailbox simulator (`--send`): their ids. */
  sent: string[];
  interrupted: boolean;
  passed: boolean;
  destinations: ParityDestination[];
}

/** How old a parity report may be for the cutover gate. */
export const MAX_PARITY_AGE_MS = 24 * 60 * 60 * 1000;

/** Validates a parity report file: the fields the cutover gate relies on. */
export function parseParityReport(doc: unknown, source: string): ParityReport {
  return withSource(source, () => {
    const obj = object(doc, '', 'a parity report (ses-bridge migrate parity --out FILE)');
    if (obj.report !== 'ses-bridge-parity' || obj.v !== 1)
      fail('', 'is not a parity report (ses-bridge migrate parity --out FILE writes one)');
    const destinations = array(obj.destinations, 'destinations').map((d, i) => {
      const at = child('destinations', i);
      const dest = object(d, at);
      const isTopic = (s: string) => parseStandardTopicArn(s) !== null;
      return {
        ...(dest as unknown as ParityDestination),
        route: string(dest.route, child(at, 'route')),
        topicArn: string(dest.topicArn, child(at, 'topicArn'), isTopic, 'an SNS topic ARN'),
        passed: boolean(dest.passed, child(at, 'passed')),
      };
    });
    return {
      ...(obj as unknown as ParityReport),
      planId: string(obj.planId, 'planId'),
      accountId: string(obj.accountId, 'accountId', isAccountId, 'a 12-digit account id'),
      checkedAt: string(obj.checkedAt, 'checkedAt', isIsoTime, 'an ISO 8601 UTC time'),
      interrupted: obj.interrupted === true,
      passed: boolean(obj.passed, 'passed'),
      destinations,
    };
  });
}
