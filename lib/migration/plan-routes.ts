/**
 * The routes file of the bridge strategy: per delegate, one route per (topic, set of types), in shadow mode until the
 * cutover; per owner, one live route per own previous topic.
 */
import { parseStandardTopicArn } from '#lib/arn';
import { sesName } from '#lib/migration/arn';
import { groupBy, subscribedTypes } from '#lib/migration/plan-common';
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

/**
 * The shadow topic of a delegate's live topic: same account and region, the name with `-shadow` appended. The
 * delegate creates it (a manual prepare step), so parity can read both topics with the delegate's own credentials.
 */
export function shadowTopicOf(topicArn: string): string {
  return `${topicArn}-shadow`;
}

/**
 * Builds the routes file of the bridge strategy (the routing issue's format). Delegate routes start in shadow mode:
 * the bridge publishes to the shadow topic while the legacy path still feeds the live one, until the cutover step.
 */
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
      // The owner's own topics get nothing from SES once the identity points at the bridge: their routes are live.
      ...(draft.kind === 'delegate' ? { mode: 'shadow' as const, shadowTopicArn: shadowTopicOf(draft.topicArn) } : {}),
    });
  }
  // Before the migration, a send from a delegate with no legacy settings notified nobody: dropping keeps that.
  return { routes, unmatched: { action: 'drop' } };
}
