/**
 * Strategy `owner-topic`: the owner points the identity's notification topics at the delegate's own topics ("SNS topic
 * you don't own", sending-authorization-identity-owner-tasks-policy step 14). Identity topics are one per type per
 * identity and fire for every send from it, so this works for exactly one delegate per identity, and only when the
 * owner does not need those types for itself.
 */
import { parseStandardTopicArn } from '#lib/arn';
import { MigrationRefusal } from '#lib/migration/errors';

import {
  legacyRemovalSteps,
  MANUAL_REVERT,
  type Merged,
  manual,
  ownerHeadersStep,
  ownerSetTopicStep,
  type StepList,
  subscribedTypes,
} from '#lib/migration/plan-common';
import { kmsStatement, policyDocument, sesPublishStatement } from '#lib/migration/topic-policy';
import type { PlannedIdentity } from '#lib/migration/types';

/** Why owner-topic cannot serve this identity; empty when it can. */
function refusals(id: PlannedIdentity): string[] {
  if (id.owner === null) {
    return [
      `${id.identity}: the owner's inventory (account ${id.ownerAccountId}) is missing; owner-topic changes the owner's settings, so add it with --inventory`,
    ];
  }
  const reasons: string[] = [];
  const users = [
    ...new Set([...id.subscriptions.map((s) => s.delegateAccountId), ...id.owner.authorizedDelegates]),
  ].sort();
  if (users.length > 1) {
    reasons.push(
      `${id.identity}: ${users.length} delegates use it (${users.join(', ')}); with owner-topic their feedback would all land on one topic`,
    );
  }
  for (const sub of id.subscriptions) {
    for (const type of subscribedTypes(sub)) {
      const own = id.owner.notifications[type].topicArn;
      if (own !== null && own !== sub.topics[type]!.topicArn) {
        reasons.push(
          `${id.identity}: the owner's own ${type} topic ${own} would be replaced by ${sub.delegateAccountId}'s topic; the owner would lose its ${type} notifications and ${sub.delegateAccountId} would receive the owner's`,
        );
      }
    }
  }
  return reasons;
}

/** Adds the owner-topic steps; throws MigrationRefusal when an identity cannot be served. */
export function planOwnerTopic(merged: Merged, steps: StepList): string[] {
  const reasons = merged.identities.flatMap(refusals);
  if (reasons.length > 0) {
    throw new MigrationRefusal(
      reasons,
      'Use --strategy bridge (one intake topic, routed to each delegate in the format it parses) or --strategy config-set (each delegate names its own configuration set).',
    );
  }
  const warnings: string[] = [];
  // Prepare: each delegate lets SES publish to its topics on behalf of the owner's identity.
  const policyStep = new Map<string, string>();
  const uses = new Map<string, { account: string; region: string; owners: string[]; sources: string[] }>();
  for (const id of merged.identities) {
    for (const sub of id.subscriptions) {
      for (const type of subscribedTypes(sub)) {
        const topicArn = sub.topics[type]!.topicArn;
        const use = uses.get(topicArn) ?? {
          account: sub.delegateAccountId,
          region: sub.region,
          owners: [],
          sources: [],
        };
        use.owners.push(id.ownerAccountId);
        use.sources.push(id.identityArn);
        uses.set(topicArn, use);
      }
    }
  }
  for (const [topicArn, use] of uses) {
    policyStep.set(
      topicArn,
      steps.add({
        slug: `topic-policy-${parseStandardTopicArn(topicArn)?.name ?? 'topic'}`,
        phase: 'prepare',
        role: 'delegate',
        account: use.account,
        region: use.region,
        title: `Allow SES to publish notifications of ${[...new Set(use.sources)].join(', ')} to ${topicArn}`,
        action: manual(
          'sns-topic-policy',
          topicArn,
          `Add the statement to the access policy of ${topicArn} (keep its other statements), before the owner switches: SES drops a bounce or complaint topic it cannot publish to and re-enables email forwarding (configure-sns-notifications). If the topic is encrypted with a customer managed KMS key, add kmsKeyPolicyStatement to that key's policy too.`,
          {
            topicPolicy: policyDocument(sesPublishStatement(topicArn, use.owners, use.sources)),
            kmsKeyPolicyStatement: kmsStatement({ Service: 'ses.amazonaws.com' }),
          },
        ),
        revert: MANUAL_REVERT,
      }),
    );
  }
  for (const id of merged.identities) {
    const owner = id.owner!;
    const sub = id.subscriptions[0]!;
    const switchSteps: string[] = [];
    for (const type of subscribedTypes(sub)) {
      const { topicArn, headersEnabled } = sub.topics[type]!;
      const topicStep = steps.add({
        ...ownerSetTopicStep(id, owner, type, topicArn, 'switch', `${sub.delegateAccountId}'s topic`),
        dependsOn: [policyStep.get(topicArn)!],
      });
      switchSteps.push(topicStep);
      const headers = ownerHeadersStep(id, owner, type, headersEnabled, [topicStep]);
      if (headers) switchSteps.push(steps.add(headers));
    }
    legacyRemovalSteps(steps, sub, switchSteps);
    warnings.push(
      `${id.identity}: from the switch on, every ${subscribedTypes(sub).join('/')} notification of this identity goes to ${sub.delegateAccountId}'s topics, including for mail the owner ${id.ownerAccountId} (or a delegate authorized later) sends from it`,
    );
  }
  return warnings;
}
