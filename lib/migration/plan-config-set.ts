/**
 * Strategy `config-set`: each delegate creates, in its own account, a configuration set with one SNS event destination
 * per legacy topic (matching BOUNCE/COMPLAINT/DELIVERY as the legacy types did) and names it when sending
 * (sending-authorization-delegate-sender-tasks-notifications, "Event publishing through a configuration set";
 * event-publishing-add-event-destination-sns). The owner changes nothing.
 */
import { parseStandardTopicArn } from '#lib/arn';
import { configurationSetArn, sesName } from '#lib/migration/arn';
import {
  groupBy,
  legacyRemovalSteps,
  MANUAL_REVERT,
  type Merged,
  manual,
  type PlanOptions,
  type StepList,
  subscribedTypes,
} from '#lib/migration/plan-common';
import { kmsStatement, policyDocument, sesPublishStatement } from '#lib/migration/topic-policy';
import {
  EVENT_TYPE_OF,
  type LegacySubscription,
  type NotificationType,
  type SnsEventDestinationDefinition,
} from '#lib/migration/types';

/** The configuration set each delegate creates unless `--config-set-name` says otherwise. */
export const DEFAULT_CONFIG_SET_NAME = 'legacy-feedback';

interface Group {
  delegate: string;
  region: string;
  name: string;
  subs: LegacySubscription[];
  /** Topic to the types it received, in first-seen order. */
  destinations: Array<{ topicArn: string; types: NotificationType[]; name: string }>;
}

function destinationsOf(sub: LegacySubscription): Group['destinations'] {
  const byTopic = groupBy(subscribedTypes(sub), (type) => sub.topics[type]!.topicArn);
  return [...byTopic.entries()].map(([topicArn, types]) => ({
    topicArn,
    types,
    name: sesName('legacy', parseStandardTopicArn(topicArn)?.name ?? topicArn),
  }));
}

/** One configuration set per delegate and region, or one per distinct topic mapping when its identities differ. */
function groups(merged: Merged, base: string): Group[] {
  const subs = merged.identities.flatMap((id) => id.subscriptions);
  const result: Group[] = [];
  const byDelegate = groupBy(subs, (s) => `${s.delegateAccountId}|${s.region}`);
  for (const [, delegateSubs] of [...byDelegate.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    const byMapping = groupBy(delegateSubs, (s) => JSON.stringify(destinationsOf(s)));
    for (const [, mappingSubs] of byMapping) {
      const first = mappingSubs[0]!;
      result.push({
        delegate: first.delegateAccountId,
        region: first.region,
        name: byMapping.size === 1 ? base : sesName(base, first.identity),
        subs: mappingSubs,
        destinations: destinationsOf(first),
      });
    }
  }
  return result;
}

/** Adds the config-set steps; returns the plan's warnings. */
export function planConfigSet(merged: Merged, options: PlanOptions, steps: StepList): string[] {
  const warnings: string[] = [];
  const base = options.configSetName ?? DEFAULT_CONFIG_SET_NAME;
  const all = groups(merged, base);

  // Topic policies first: SES checks it may publish when events flow, and a destination it cannot publish to loses events.
  const policyStep = new Map<string, string>();
  for (const [key, delegateGroups] of groupBy(all, (g) => `${g.delegate}|${g.region}`)) {
    const [delegate, region] = key.split('|') as [string, string];
    const topics = groupBy(
      delegateGroups.flatMap((g) =>
        g.destinations.map((d) => ({ topicArn: d.topicArn, set: configurationSetArn(region, delegate, g.name) })),
      ),
      (t) => t.topicArn,
    );
    for (const [topicArn, uses] of topics) {
      const sets = uses.map((u) => u.set);
      const id = steps.add({
        slug: `topic-policy-${parseStandardTopicArn(topicArn)?.name ?? 'topic'}`,
        phase: 'prepare',
        role: 'delegate',
        account: delegate,
        region,
        title: `Allow SES to publish events of ${[...new Set(sets)].join(', ')} to ${topicArn}`,
        action: manual(
          'sns-topic-policy',
          topicArn,
          `Add the statement to the access policy of ${topicArn} (keep its other statements). If the topic is encrypted with a customer managed KMS key, add kmsKeyPolicyStatement to that key's policy too.`,
          {
            topicPolicy: policyDocument(sesPublishStatement(topicArn, [delegate], sets)),
            kmsKeyPolicyStatement: kmsStatement({ Service: 'ses.amazonaws.com' }),
          },
        ),
        revert: MANUAL_REVERT,
      });
      policyStep.set(`${delegate}|${topicArn}`, id);
    }
  }

  for (const group of all) {
    const existing = merged.configurationSets
      .get(`${group.delegate}|${group.region}`)
      ?.find((c) => c.name === group.name);
    if (existing) {
      warnings.push(
        `configuration set ${group.name} already exists in ${group.delegate} (${group.region}): the migration adds its event destinations to it and rollback leaves the set in place`,
      );
    }
    const createSet = steps.add({
      slug: `create-configuration-set-${group.name}`,
      phase: 'prepare',
      role: 'delegate',
      account: group.delegate,
      region: group.region,
      title: `Create configuration set ${group.name} in ${group.delegate}`,
      action: { api: 'sesv2:CreateConfigurationSet', params: { ConfigurationSetName: group.name } },
      seen: { kind: 'configuration-set', exists: existing !== undefined },
      revert: {
        description: `Delete configuration set ${group.name} if this migration created it (the journal tells).`,
        action: null,
        reversible: true,
      },
    });
    const destinationSteps: string[] = [];
    for (const dest of group.destinations) {
      const definition: SnsEventDestinationDefinition = {
        Enabled: true,
        MatchingEventTypes: dest.types.map((t) => EVENT_TYPE_OF[t]),
        SnsDestination: { TopicArn: dest.topicArn },
      };
      const clash = existing?.eventDestinations.find((d) => d.name === dest.name);
      if (
        clash &&
        (clash.snsTopicArn !== dest.topicArn ||
          [...clash.matchingEventTypes].sort().join() !== [...definition.MatchingEventTypes].sort().join() ||
          !clash.enabled)
      ) {
        warnings.push(
          `event destination ${dest.name} of ${group.name} in ${group.delegate} exists with another definition: apply updates it and rollback restores it`,
        );
      }
      if (existing && !clash && existing.eventDestinations.length + group.destinations.length > 10) {
        warnings.push(
          `configuration set ${group.name} in ${group.delegate} has ${existing.eventDestinations.length} event destinations; SES allows 10 per configuration set (quotas)`,
        );
      }
      destinationSteps.push(
        steps.add({
          slug: `create-event-destination-${group.name}-${dest.name}`,
          phase: 'prepare',
          role: 'delegate',
          account: group.delegate,
          region: group.region,
          title: `Add SNS event destination ${dest.name} (${definition.MatchingEventTypes.join(', ')}) to ${group.name} in ${group.delegate}, publishing to ${dest.topicArn}`,
          action: {
            api: 'sesv2:CreateConfigurationSetEventDestination',
            params: { ConfigurationSetName: group.name, EventDestinationName: dest.name, EventDestination: definition },
          },
          seen: {
            kind: 'event-destination',
            destination: clash
              ? {
                  Enabled: clash.enabled,
                  MatchingEventTypes: clash.matchingEventTypes as SnsEventDestinationDefinition['MatchingEventTypes'],
                  SnsDestination: { TopicArn: clash.snsTopicArn ?? '' },
                }
              : null,
          },
          revert: {
            description: `Delete event destination ${dest.name} (or restore its previous definition, from the journal).`,
            action: null,
            reversible: true,
          },
          dependsOn: [createSet, policyStep.get(`${group.delegate}|${dest.topicArn}`)!],
        }),
      );
    }
    const arns = group.subs.map((s) => s.identityArn);
    const nameIt = steps.add({
      slug: `name-configuration-set-${group.name}`,
      phase: 'switch',
      role: 'delegate',
      account: group.delegate,
      region: group.region,
      title: `${group.delegate} names configuration set ${group.name} in every send from ${group.subs.map((s) => s.identity).join(', ')}`,
      action: manual(
        'name-configuration-set',
        group.name,
        `Change the sending code of ${group.delegate}: every email sent from ${arns.join(', ')} must name ConfigurationSetName=${group.name} (SES v1 SendEmail/SendRawEmail/SendTemplatedEmail, SESv2 SendEmail), or carry the header "X-SES-CONFIGURATION-SET: ${group.name}" (SMTP, raw), beside the identity ARN it already passes (SourceArn, or FromEmailAddressIdentityArn in SESv2). Then run: ses-bridge migrate verify --send-test.`,
        { configurationSetName: group.name, identityArns: arns },
      ),
      revert: {
        description: `Stop naming ${group.name} when sending (the legacy notifications keep working until cleanup).`,
        action: null,
        reversible: true,
      },
      dependsOn: destinationSteps,
    });
    for (const sub of group.subs) legacyRemovalSteps(steps, sub, [nameIt, ...destinationSteps]);
    const topics = group.destinations.map((d) => d.topicArn);
    warnings.push(
      `${group.delegate}: ${topics.join(', ')} will receive event-publishing records ("eventType", "mail.tags"; no "mail.callerIdentity" or "mail.sourceIp") instead of legacy notifications ("notificationType"). Consumers that parse the legacy payload must change, or put the bridge in between: point the event destination at a bridge intake topic and route to these topics with format "notification" (see --strategy bridge).`,
    );
  }
  for (const id of merged.identities) {
    if (id.owner?.configurationSet) {
      warnings.push(
        `${id.identity} has the owner's default configuration set ${id.owner.configurationSet}; it lives in the owner's account and is not part of a delegate's path: do not count on it for delegates' feedback`,
      );
    }
  }
  return warnings;
}
