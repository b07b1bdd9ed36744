/**
 * `verify`: reads the live state of one account's steps back and reports drift per step; `--send-test` sends through
 * the new path to the SES mailbox simulator (success@, bounce@, complaint@simulator.amazonses.com, which count against
 * neither quota nor reputation: SES developer guide "Using the mailbox simulator"). The cleanup phase's gate
 * (gates.ts) runs it too.
 */
import { parseStandardTopicArn } from '#lib/arn';
import { isEmailIdentity } from '#lib/migration/arn';
import { describeState, readState, type StateReader, sameState, targetState } from '#lib/migration/state';
import {
  NOTIFICATION_TYPES,
  type NotificationType,
  type Phase,
  type Plan,
  type PlannedIdentity,
  type SendTestResult,
  type StepCheck,
  type VerifyReport,
} from '#lib/migration/types';

/** The SES mailbox simulator address that produces each notification type. */
export const SIMULATOR = {
  Bounce: 'bounce@simulator.amazonses.com',
  Complaint: 'complaint@simulator.amazonses.com',
  Delivery: 'success@simulator.amazonses.com',
} as const satisfies Record<NotificationType, string>;

export interface VerifyOptions {
  reader: StateReader;
  accountId: string;
  phases: Phase[];
  sendTest: boolean;
  progress?: (line: string) => void;
  now?: () => Date;
}

/** Checks every step of the account in the selected phases against live state. */
export async function verifyPlan(plan: Plan, options: VerifyOptions): Promise<VerifyReport> {
  const { reader } = options;
  const progress = options.progress ?? (() => {});
  reader.clear();
  const checks: StepCheck[] = [];
  const mine = plan.steps.filter((s) => s.account === options.accountId && options.phases.includes(s.phase));
  for (const step of mine) {
    if (step.action.api === 'manual') {
      checks.push({ stepId: step.id, status: 'manual', message: `not checkable by the tool: ${step.title}` });
      continue;
    }
    try {
      const actual = await readState(reader, step.region, step.action);
      const expected = targetState(step.action, actual);
      if (sameState(actual, expected)) {
        checks.push({ stepId: step.id, status: 'ok', message: describeState(actual) });
      } else {
        checks.push({
          stepId: step.id,
          status: 'drift',
          message: `expected ${describeState(expected)}, found ${describeState(actual)}`,
          expected,
          actual,
        });
        progress(`verify: ${step.id}: DRIFT: expected ${describeState(expected)}, found ${describeState(actual)}`);
      }
    } catch (err) {
      checks.push({ stepId: step.id, status: 'error', message: err instanceof Error ? err.message : String(err) });
      progress(`verify: ${step.id}: ERROR: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  const tests = options.sendTest ? await sendTests(plan, options) : [];
  const passed =
    checks.every((c) => c.status === 'ok' || c.status === 'manual') && tests.every((t) => t.error === null);
  return {
    v: 1,
    planId: plan.planId,
    accountId: options.accountId,
    checkedAt: (options.now?.() ?? new Date()).toISOString(),
    phases: options.phases,
    passed,
    checks,
    sendTests: tests,
    canary: null,
  };
}

/** The From address of a test send: the identity itself, or an address of the domain identity. */
function testSender(identity: string): string {
  return isEmailIdentity(identity) ? identity : `ses-bridge-migration-test@${identity}`;
}

interface TestPath {
  id: PlannedIdentity;
  types: NotificationType[];
  sourceArn: string | null;
  configurationSetName: string | null;
  expect: (type: NotificationType) => string;
}

/** Where this account's test mail must go for each identity it sends from, and what should arrive where. */
function testPaths(plan: Plan, accountId: string): TestPath[] {
  const paths: TestPath[] = [];
  const bridge = plan.options.bridgeTopicArn;
  for (const id of plan.identities) {
    const sub = id.subscriptions.find((s) => s.delegateAccountId === accountId);
    if (sub) {
      const types = NOTIFICATION_TYPES.filter((t) => sub.topics[t] !== undefined);
      let configurationSetName: string | null = null;
      if (plan.strategy === 'config-set') {
        const naming = plan.steps.find(
          (s) =>
            s.action.api === 'manual' &&
            s.action.params.kind === 'name-configuration-set' &&
            s.account === accountId &&
            (s.action.params.document as { identityArns?: string[] })?.identityArns?.includes(id.identityArn),
        );
        configurationSetName = naming?.action.api === 'manual' ? naming.action.params.target : null;
      }
      paths.push({
        id,
        types,
        sourceArn: id.identityArn,
        configurationSetName,
        expect: (t) => {
          const topic = sub.topics[t]!.topicArn;
          if (plan.strategy === 'config-set') return `an event-publishing ${t} record (eventType) on ${topic}`;
          if (plan.strategy === 'owner-topic') return `a ${t} notification on ${topic}`;
          return `a ${t} notification on the bridge intake topic ${bridge}, routed to ${topic}`;
        },
      });
    }
    if (id.ownerAccountId === accountId && plan.strategy !== 'config-set' && id.owner) {
      const switched = NOTIFICATION_TYPES.filter((t) =>
        plan.steps.some(
          (s) =>
            s.account === accountId &&
            s.action.api === 'ses:SetIdentityNotificationTopic' &&
            s.action.params.Identity === id.identity &&
            s.action.params.NotificationType === t,
        ),
      );
      if (switched.length > 0) {
        paths.push({
          id,
          types: switched,
          sourceArn: null,
          configurationSetName: null,
          expect: (t) => {
            const own = id.owner!.notifications[t].topicArn;
            if (plan.strategy === 'owner-topic')
              return `a ${t} notification on ${id.subscriptions[0]?.topics[t]?.topicArn ?? 'the delegate topic'} (the owner's own mail now notifies the delegate's topic)`;
            return `a ${t} notification on the bridge intake topic ${bridge}${own ? `, routed to the owner's ${parseStandardTopicArn(own)?.name ?? own}` : ', dropped by the routes (the owner had no topic)'}`;
          },
        });
      }
    }
  }
  return paths;
}

/** Sends one test message per type and path through the new path. */
export async function sendTests(plan: Plan, options: VerifyOptions): Promise<SendTestResult[]> {
  const results: SendTestResult[] = [];
  const progress = options.progress ?? (() => {});
  for (const path of testPaths(plan, options.accountId)) {
    for (const type of path.types) {
      const from = testSender(path.id.identity);
      const to = SIMULATOR[type];
      const base = {
        identityArn: path.id.identityArn,
        from,
        to,
        configurationSetName: path.configurationSetName,
        sourceArn: path.sourceArn,
        expect: path.expect(type),
      };
      try {
        const messageId = await options.reader.session.sendEmail(path.id.region, {
          from,
          to,
          subject: `ses-bridge migration test ${plan.planId} ${type}`,
          body: `Test of the migrated feedback path (plan ${plan.planId}). Expect ${base.expect}.`,
          sourceArn: path.sourceArn,
          configurationSetName: path.configurationSetName,
        });
        progress(`verify: sent ${type} test from ${from} to ${to}: expect ${base.expect}`);
        results.push({ ...base, messageId, error: null });
      } catch (err) {
        const error = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
        progress(`verify: ${type} test from ${from} FAILED: ${error}`);
        results.push({ ...base, messageId: null, error });
      }
    }
  }
  return results;
}
