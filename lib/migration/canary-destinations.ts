/**
 * Which topics of an account the canary proves (`verify --canary`), and the send that should produce feedback on each.
 * No AWS SDK here: the cleanup gate (and with it the migrate Lambda) needs only this part of the canary.
 */
import { isEmailIdentity } from '#lib/migration/arn';
import { NOTIFICATION_TYPES, type NotificationType, type Plan } from '#lib/migration/types';

/** A topic of this account the plan promises feedback on, and the send that should produce it. */
export interface CanaryDestination {
  topicArn: string;
  region: string;
  identityArn: string;
  from: string;
  sourceArn: string | null;
  configurationSetName: string | null;
  format: 'notification' | 'event';
  types: NotificationType[];
}

/** The types of each topic: `topicOf(type)` is a type's topic, or null/undefined when it has none. */
function typesByTopic(topicOf: (type: NotificationType) => string | null | undefined): Map<string, NotificationType[]> {
  const byTopic = new Map<string, NotificationType[]>();
  for (const t of NOTIFICATION_TYPES) {
    const topic = topicOf(t);
    if (topic) byTopic.set(topic, [...(byTopic.get(topic) ?? []), t]);
  }
  return byTopic;
}

/** The destinations of `accountId`: its legacy topics (as a delegate) and its own topics kept by the plan (owner). */
export function canaryDestinations(plan: Plan, accountId: string): CanaryDestination[] {
  const out: CanaryDestination[] = [];
  const format = plan.strategy === 'config-set' ? 'event' : plan.options.format === 'event' ? 'event' : 'notification';
  const sender = (identity: string) => (isEmailIdentity(identity) ? identity : `ses-bridge-canary@${identity}`);
  for (const id of plan.identities) {
    const base = { region: id.region, identityArn: id.identityArn, from: sender(id.identity) };
    for (const sub of id.subscriptions.filter((s) => s.delegateAccountId === accountId)) {
      const naming = plan.steps.find(
        (s) =>
          s.account === accountId &&
          s.action.api === 'manual' &&
          s.action.params.kind === 'name-configuration-set' &&
          (s.action.params.document as { identityArns?: string[] } | undefined)?.identityArns?.includes(id.identityArn),
      );
      const configurationSetName = naming?.action.api === 'manual' ? naming.action.params.target : null;
      for (const [topicArn, types] of typesByTopic((t) => sub.topics[t]?.topicArn))
        out.push({ ...base, topicArn, sourceArn: id.identityArn, configurationSetName, format, types });
    }
    // With the bridge, the owner's own topics keep getting its notifications (routed back): prove those too.
    const owner = id.owner;
    if (id.ownerAccountId === accountId && owner && plan.strategy === 'bridge')
      for (const [topicArn, types] of typesByTopic((t) => owner.notifications[t].topicArn))
        out.push({ ...base, topicArn, sourceArn: null, configurationSetName: null, format: 'notification', types });
  }
  return out;
}
