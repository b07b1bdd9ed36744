/**
 * Strategy `bridge`: the owner points the identity's notification topics at the bridge's intake topic; the bridge
 * routes each notification to the delegate that sent the mail (by `mail.sendingAccountId` and `mail.sourceArn`) in the
 * format its consumers parse, and the owner's own previous topics keep getting what they got.
 */
import { parseStandardTopicArn } from '#lib/arn';
import { sesName } from '#lib/migration/arn';
import { MigrationRefusal } from '#lib/migration/errors';
import {
  groupBy,
  legacyRemovalSteps,
  MANUAL_REVERT,
  type Merged,
  manual,
  ownerHeadersStep,
  ownerSetTopicStep,
  type PlanOptions,
  type StepList,
  subscribedTypes,
} from '#lib/migration/plan-common';
import { bridgePublishStatement, kmsStatement, policyDocument, sesPublishStatement } from '#lib/migration/topic-policy';
import {
  NOTIFICATION_TYPES,
  type NotificationType,
  type PlannedIdentity,
  ROUTE_TYPE_OF,
  type RouteFormat,
  type RoutesDocument,
} from '#lib/migration/types';

function one(values: string[]): string | string[] {
  return values.length === 1 ? values[0]! : values;
}

/** The types the bridge must receive for an identity: every type a delegate or the owner had a topic for. */
function bridgedTypes(id: PlannedIdentity): NotificationType[] {
  return NOTIFICATION_TYPES.filter(
    (t) => id.owner!.notifications[t].topicArn !== null || id.subscriptions.some((s) => s.topics[t] !== undefined),
  );
}

interface RouteDraft {
  kind: 'delegate' | 'owner';
  account: string;
  topicArn: string;
  types: NotificationType[];
  identities: string[];
  arns: string[];
}

/**
 * The routes: per delegate, one route per (topic, set of types), naming the identities where it used them; per owner,
 * one route per own previous topic. Owner routes match every sending account, as the identity's own topics did.
 */
function routeDrafts(identities: PlannedIdentity[]): RouteDraft[] {
  const entries: Array<{
    kind: 'delegate' | 'owner';
    account: string;
    topicArn: string;
    type: NotificationType;
    identity: string;
    arn: string;
  }> = [];
  for (const id of identities) {
    for (const sub of id.subscriptions) {
      for (const type of subscribedTypes(sub))
        entries.push({
          kind: 'delegate',
          account: sub.delegateAccountId,
          topicArn: sub.topics[type]!.topicArn,
          type,
          identity: id.identity,
          arn: id.identityArn,
        });
    }
    for (const type of NOTIFICATION_TYPES) {
      const own = id.owner!.notifications[type].topicArn;
      if (own !== null)
        entries.push({
          kind: 'owner',
          account: id.ownerAccountId,
          topicArn: own,
          type,
          identity: id.identity,
          arn: id.identityArn,
        });
    }
  }
  // Per (kind, account, topic, identity): the types; then group identities that share the same types.
  const perIdentity = groupBy(entries, (e) => `${e.kind}|${e.account}|${e.topicArn}|${e.arn}`);
  const byTypes = groupBy(
    [...perIdentity.values()],
    (list) => `${list[0]!.kind}|${list[0]!.account}|${list[0]!.topicArn}|${list.map((e) => e.type).join(',')}`,
  );
  return [...byTypes.values()]
    .map((lists) => ({
      kind: lists[0]![0]!.kind,
      account: lists[0]![0]!.account,
      topicArn: lists[0]![0]!.topicArn,
      types: lists[0]!.map((e) => e.type),
      identities: lists.map((l) => l[0]!.identity),
      arns: lists.map((l) => l[0]!.arn),
    }))
    .sort((a, b) =>
      a.kind === b.kind
        ? `${a.account}|${a.topicArn}|${a.types.join()}`.localeCompare(`${b.account}|${b.topicArn}|${b.types.join()}`)
        : a.kind === 'delegate'
          ? -1
          : 1,
    );
}

/** Builds the routes file of the bridge strategy (the routing issue's format). */
export function buildRoutes(identities: PlannedIdentity[], format: RouteFormat): RoutesDocument {
  const names = new Set<string>();
  const routes: RoutesDocument['routes'] = [];
  for (const draft of routeDrafts(identities)) {
    const topicName = parseStandardTopicArn(draft.topicArn)?.name ?? 'topic';
    let name = sesName(draft.kind === 'owner' ? 'owner' : 'delegate', draft.account, topicName);
    for (let n = 2; names.has(name); n++)
      name = sesName(draft.kind === 'owner' ? 'owner' : 'delegate', draft.account, topicName, String(n));
    names.add(name);
    const types = draft.types.map((t) => ROUTE_TYPE_OF[t]);
    routes.push({
      name,
      description:
        draft.kind === 'delegate'
          ? `legacy cross-account ${draft.types.join('/')} notifications of ${draft.account} on ${draft.identities.join(', ')}`
          : `the owner's previous ${draft.types.join('/')} topic of ${draft.identities.join(', ')} (every sender, as before)`,
      when:
        draft.kind === 'delegate'
          ? { sendingAccountId: draft.account, sourceArn: one(draft.arns), types }
          : { sourceArn: one(draft.arns), types },
      // Owner consumers parsed the identity's own notifications: keep that payload whatever --format the delegates get.
      to: { topicArn: draft.topicArn, format: draft.kind === 'owner' ? 'notification' : format },
    });
  }
  // Before the migration, a send from a delegate with no legacy settings notified nobody: dropping keeps that.
  return { routes, unmatched: { action: 'drop' } };
}

/** Adds the bridge steps; returns the warnings and the routes file. */
export function planBridge(
  merged: Merged,
  options: PlanOptions,
  steps: StepList,
): { warnings: string[]; routes: RoutesDocument } {
  const bridgeTopic = parseStandardTopicArn(options.bridgeTopicArn ?? '');
  if (bridgeTopic === null)
    throw new MigrationRefusal([
      `--bridge-topic must be the standard SNS topic ARN of the bridge's intake topic, got ${JSON.stringify(options.bridgeTopicArn ?? null)}`,
    ]);
  const bridgeTopicArn = options.bridgeTopicArn!;
  const format = options.format ?? 'notification';
  const publisher = options.bridgePrincipal ?? `arn:${bridgeTopic.partition}:iam::${bridgeTopic.accountId}:root`;
  const reasons: string[] = [];
  for (const id of merged.identities) {
    if (id.owner === null)
      reasons.push(
        `${id.identity}: the owner's inventory (account ${id.ownerAccountId}) is missing; the bridge strategy changes the owner's settings and routes its own topics, so add it with --inventory`,
      );
    if (bridgeTopic.region !== id.region)
      reasons.push(
        `${id.identity} is in ${id.region}, but the bridge topic is in ${bridgeTopic.region}; SES notification topics must be in the identity's region (configure-sns-notifications)`,
      );
  }
  if (reasons.length > 0) throw new MigrationRefusal(reasons);
  const warnings: string[] = [];
  const routes = buildRoutes(merged.identities, format);

  // 1. Each topic the bridge will publish to lets the bridge publish (delegates' topics, and the owner's own ones).
  const targets = groupBy(routes.routes, (r) => r.to.topicArn);
  const publishSteps: string[] = [];
  for (const [topicArn, topicRoutes] of targets) {
    const topic = parseStandardTopicArn(topicArn)!;
    const isOwner = topicRoutes.every((r) => r.when.sendingAccountId === undefined);
    const sameAccount = topic.accountId === bridgeTopic.accountId;
    publishSteps.push(
      steps.add({
        slug: `bridge-publish-policy-${topic.name}`,
        phase: 'prepare',
        role: isOwner ? 'owner' : 'delegate',
        account: topic.accountId,
        region: topic.region,
        title: `Allow the bridge (${publisher}) to publish to ${topicArn}`,
        action: manual(
          'sns-topic-policy',
          topicArn,
          `${sameAccount ? `The topic is in the bridge's own account: granting sns:Publish on it in the bridge function's IAM role is enough; the statement below is the alternative. ` : ''}Add the statement to the access policy of ${topicArn} (keep its other statements). If the topic is encrypted with a customer managed KMS key, add kmsKeyPolicyStatement to that key's policy too (and kms:GenerateDataKey/kms:Decrypt on that key to the bridge role).`,
          {
            topicPolicy: policyDocument(bridgePublishStatement(topicArn, publisher)),
            kmsKeyPolicyStatement: kmsStatement({ AWS: publisher }),
          },
        ),
        revert: MANUAL_REVERT,
      }),
    );
  }
  // 2. The bridge operator: SES may publish to the intake topic for the owners' identities; the routes are deployed.
  const intakePolicy = steps.add({
    slug: `intake-topic-policy-${bridgeTopic.name}`,
    phase: 'prepare',
    role: 'bridge',
    account: bridgeTopic.accountId,
    region: bridgeTopic.region,
    title: `Allow SES to publish notifications of ${merged.identities.map((i) => i.identity).join(', ')} to the bridge intake topic ${bridgeTopicArn}`,
    action: manual(
      'sns-topic-policy',
      bridgeTopicArn,
      `Add the statement to the access policy of the bridge intake topic ${bridgeTopicArn}. If the topic is encrypted with a customer managed KMS key, add kmsKeyPolicyStatement to that key's policy too.`,
      {
        topicPolicy: policyDocument(
          sesPublishStatement(
            bridgeTopicArn,
            merged.identities.map((i) => i.ownerAccountId),
            merged.identities.map((i) => i.identityArn),
          ),
        ),
        kmsKeyPolicyStatement: kmsStatement({ Service: 'ses.amazonaws.com' }),
      },
    ),
    revert: MANUAL_REVERT,
  });
  const deploy = steps.add({
    slug: 'deploy-routes',
    phase: 'prepare',
    role: 'bridge',
    account: bridgeTopic.accountId,
    region: bridgeTopic.region,
    title: `Deploy the bridge with the ${routes.routes.length} routes of routes.json`,
    action: manual(
      'deploy-routes',
      bridgeTopicArn,
      "Merge the routes of routes.json into the bridge's routes file (route names are unique; keep your other routes), grant the bridge role sns:Publish on their topics, and deploy (serverless deploy). Check: ses-bridge route with a sample notification of each delegate.",
      routes,
    ),
    revert: { description: 'Redeploy the previous routes file.', action: null, reversible: true },
    dependsOn: publishSteps,
  });
  // 3. The owner switches each identity to the intake topic; 4. each delegate removes its legacy settings, last.
  for (const id of merged.identities) {
    const owner = id.owner!;
    const switchSteps: string[] = [];
    for (const type of bridgedTypes(id)) {
      const topicStep = steps.add({
        ...ownerSetTopicStep(id, owner, type, bridgeTopicArn, 'switch', 'the bridge intake topic'),
        dependsOn: [intakePolicy, deploy],
      });
      switchSteps.push(topicStep);
      // Headers: on when any consumer had them (extra fields are harmless to the others).
      const wanted =
        id.subscriptions.some((s) => s.topics[type]?.headersEnabled === true) ||
        (owner.notifications[type].topicArn !== null && owner.notifications[type].headersEnabled);
      const headers = ownerHeadersStep(id, owner, type, wanted, [topicStep]);
      if (headers) switchSteps.push(steps.add(headers));
      if (wanted && id.subscriptions.some((s) => s.topics[type] !== undefined && !s.topics[type]!.headersEnabled)) {
        warnings.push(
          `${id.identity}: ${type} notifications will include the original headers for every consumer, because one of them had them`,
        );
      }
    }
    for (const sub of id.subscriptions) legacyRemovalSteps(steps, sub, switchSteps);
  }
  if (format !== 'notification') {
    warnings.push(
      `--format ${format}: the delegates' consumers parse legacy notifications today; with "${format}" they get another payload (the owner's routes stay "notification")`,
    );
  }
  if (routes.routes.some((r) => r.when.sendingAccountId === undefined)) {
    warnings.push(
      `the owner's previous topics get every notification of their identities, from every sending account, as the identity's own topics did; add "sendingAccountId" to those routes to keep only the owner's own sends`,
    );
  }
  return { warnings, routes };
}
