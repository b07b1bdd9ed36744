/**
 * Strategy `bridge`: the owner points the identity's notification topics at the bridge's intake topic; the bridge
 * routes each notification to the delegate that sent the mail (by `mail.sendingAccountId` and `mail.sourceArn`) in the
 * format its consumers parse, and the owner's own previous topics keep getting what they got.
 */
import { parseStandardTopicArn } from '#lib/arn';
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
} from '#lib/migration/plan-common';
import { buildRoutes } from '#lib/migration/plan-routes';
import { bridgePublishStatement, kmsStatement, policyDocument, sesPublishStatement } from '#lib/migration/topic-policy';
import {
  NOTIFICATION_TYPES,
  type NotificationType,
  type PlannedIdentity,
  type RoutesDocument,
} from '#lib/migration/types';

/** The types the bridge must receive for an identity: every type a delegate or the owner had a topic for. */
function bridgedTypes(id: PlannedIdentity): NotificationType[] {
  return NOTIFICATION_TYPES.filter(
    (t) => id.owner!.notifications[t].topicArn !== null || id.subscriptions.some((s) => s.topics[t] !== undefined),
  );
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
  // 1b. Each delegate creates the shadow topic of its live topic, which the bridge publishes to until the cutover.
  const shadowSteps: string[] = [];
  for (const [shadowArn, shadowRoutes] of groupBy(
    routes.routes.filter((r) => r.mode === 'shadow'),
    (r) => r.shadowTopicArn!,
  )) {
    const topic = parseStandardTopicArn(shadowArn)!;
    shadowSteps.push(
      steps.add({
        slug: `create-shadow-topic-${topic.name}`,
        phase: 'prepare',
        role: 'delegate',
        account: topic.accountId,
        region: topic.region,
        title: `Create the shadow topic ${shadowArn} and allow the bridge (${publisher}) to publish to it`,
        action: manual(
          'create-shadow-topic',
          shadowArn,
          `Create the standard SNS topic ${topic.name} in ${topic.accountId} ${topic.region} (aws sns create-topic --name ${topic.name}), encrypted like ${shadowRoutes[0]!.to.topicArn}, and give it the access policy below. Subscribe nothing to it: until the cutover the bridge publishes there what it would deliver to ${shadowRoutes[0]!.to.topicArn}, and "ses-bridge migrate parity" compares the two.`,
          {
            createTopic: { Name: topic.name },
            topicPolicy: policyDocument(bridgePublishStatement(shadowArn, publisher)),
            kmsKeyPolicyStatement: kmsStatement({ AWS: publisher }),
          },
        ),
        revert: {
          description: `Delete the topic ${shadowArn} once the cutover is done.`,
          action: null,
          reversible: true,
        },
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
      "Merge the routes of routes.json into the bridge's routes file (route names are unique; keep your other routes), grant the bridge role sns:Publish on the topics they publish to (the delegates' routes are in shadow mode: their shadow topics, until the cutover step), and deploy (serverless deploy). Check: ses-bridge route with a sample notification of each delegate.",
      routes,
    ),
    revert: { description: 'Redeploy the previous routes file.', action: null, reversible: true },
    dependsOn: [...publishSteps, ...shadowSteps],
  });
  // 3. The owner switches each identity to the intake topic; 4. the bridge turns the delegates' routes live once parity
  // passed; 5. each delegate removes its legacy settings, last.
  const switched = new Map<string, string[]>();
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
    switched.set(id.identityArn, switchSteps);
  }
  const cutovers = new Map<string, string>();
  for (const route of routes.routes.filter((r) => r.mode === 'shadow')) {
    const arns = [route.when.sourceArn ?? []].flat();
    cutovers.set(
      route.name,
      steps.add({
        slug: `cutover-${route.name}`,
        phase: 'cutover',
        role: 'bridge',
        account: bridgeTopic.accountId,
        region: bridgeTopic.region,
        title: `Cut route ${route.name} over: deliver to ${route.to.topicArn} instead of its shadow topic ${route.shadowTopicArn}, then deploy the routes file`,
        action: { api: 'bridge:SetRouteMode', params: { Route: route.name, Mode: 'live' } },
        seen: { kind: 'route-mode', mode: 'shadow' },
        revert: {
          description: `Put route ${route.name} back in shadow mode and deploy the routes file again.`,
          action: { api: 'bridge:SetRouteMode', params: { Route: route.name, Mode: 'shadow' } },
          reversible: true,
        },
        dependsOn: [deploy, ...arns.flatMap((arn) => switched.get(arn) ?? [])],
      }),
    );
  }
  for (const id of merged.identities) {
    for (const sub of id.subscriptions) {
      const own = routes.routes.filter(
        (r) =>
          r.mode === 'shadow' &&
          r.when.sendingAccountId === sub.delegateAccountId &&
          [r.when.sourceArn ?? []].flat().includes(id.identityArn),
      );
      legacyRemovalSteps(steps, sub, [
        ...(switched.get(id.identityArn) ?? []),
        ...own.map((r) => cutovers.get(r.name)!),
      ]);
    }
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
