/** What the three strategy builders share: merging inventories, numbering steps, the legacy-removal steps. */
import { isCrossAccountSubscription } from '#lib/migration/inventory-file';
import {
  type Action,
  type ConfigurationSetInfo,
  type Inventory,
  type InventoryIdentity,
  type LegacySubscription,
  type ManualTask,
  NOTIFICATION_TYPES,
  type NotificationType,
  type Phase,
  type Plan,
  type PlannedIdentity,
  type Revert,
  type RouteFormat,
  type StateValue,
  type Step,
  type Strategy,
} from '#lib/migration/types';

export interface PlanOptions {
  strategy: Strategy;
  /** bridge: the bridge's intake topic, which the owner's identities will notify. */
  bridgeTopicArn?: string | null;
  /** bridge: who publishes to the delegates' topics; default the bridge account's root (`arn:aws:iam::<acct>:root`). */
  bridgePrincipal?: string | null;
  /** bridge: payload format of the delegates' routes (default `notification`, what legacy consumers parse). */
  format?: RouteFormat;
  /** config-set: name of the configuration set created in each delegate's account (default `legacy-feedback`). */
  configSetName?: string;
  /** Signs the plan (`hmac`) with this key (SES_BRIDGE_PLAN_HMAC_KEY). */
  hmacKey?: string;
  now?: () => Date;
}

/** The merged view of every inventory given to `plan`. */
export interface Merged {
  identities: PlannedIdentity[];
  /** Configuration sets per account and region (`<account>|<region>`), from that account's inventory. */
  configurationSets: Map<string, ConfigurationSetInfo[]>;
  warnings: string[];
}

/** The subscription of one inventory entry: the types that have a topic. */
function subscriptionOf(inventory: Inventory, item: InventoryIdentity): LegacySubscription {
  const topics: LegacySubscription['topics'] = {};
  for (const type of NOTIFICATION_TYPES) {
    const { topicArn, headersEnabled } = item.notifications[type];
    if (topicArn !== null) topics[type] = { topicArn, headersEnabled };
  }
  return {
    delegateAccountId: inventory.accountId,
    identity: item.identity,
    identityArn: item.identityArn,
    ownerAccountId: item.ownerAccountId,
    region: inventory.region,
    topics,
  };
}

/**
 * Merges owner and delegate inventories by identity ARN. When two inventories come from the same account and region,
 * the newer one wins (with a warning). Identities without legacy subscriptions need no migration and are left out.
 */
export function mergeInventories(inventories: Inventory[]): Merged {
  const warnings: string[] = [];
  const latest = new Map<string, Inventory>();
  for (const inventory of inventories) {
    const key = `${inventory.accountId}|${inventory.region}`;
    const seen = latest.get(key);
    if (seen !== undefined) {
      const [older, newer] = seen.generatedAt <= inventory.generatedAt ? [seen, inventory] : [inventory, seen];
      warnings.push(
        `two inventories of account ${inventory.accountId} in ${inventory.region}: using the one generated at ${newer.generatedAt}, ignoring ${older.generatedAt}`,
      );
      latest.set(key, newer);
    } else latest.set(key, inventory);
  }
  const owners = new Map<string, InventoryIdentity>();
  const subscriptions = new Map<string, LegacySubscription[]>();
  const configurationSets = new Map<string, ConfigurationSetInfo[]>();
  const delegatesWithInventory = new Set<string>();
  for (const inventory of [...latest.values()].sort((a, b) =>
    `${a.accountId}|${a.region}`.localeCompare(`${b.accountId}|${b.region}`),
  )) {
    configurationSets.set(`${inventory.accountId}|${inventory.region}`, inventory.configurationSets);
    for (const w of inventory.warnings) warnings.push(`inventory of ${inventory.accountId}: ${w}`);
    for (const item of inventory.identities) {
      if (item.ownerAccountId === inventory.accountId) owners.set(item.identityArn, item);
      else {
        delegatesWithInventory.add(`${inventory.accountId}|${item.identityArn}`);
        if (isCrossAccountSubscription(inventory, item)) {
          const list = subscriptions.get(item.identityArn) ?? [];
          list.push(subscriptionOf(inventory, item));
          subscriptions.set(item.identityArn, list);
        }
      }
    }
  }
  const identities: PlannedIdentity[] = [];
  for (const [arn, subs] of [...subscriptions.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    const owner = owners.get(arn) ?? null;
    const first = subs[0]!;
    subs.sort((a, b) => a.delegateAccountId.localeCompare(b.delegateAccountId));
    if (owner !== null) {
      for (const sub of subs) {
        if (!owner.authorizedDelegates.includes(sub.delegateAccountId)) {
          warnings.push(
            `${first.identity}: ${sub.delegateAccountId} has legacy cross-account notifications on it, but no sending authorization policy of the identity names ${sub.delegateAccountId} any more; its settings are planned all the same`,
          );
        }
      }
    }
    identities.push({
      identity: first.identity,
      identityArn: arn,
      ownerAccountId: first.ownerAccountId,
      region: first.region,
      owner,
      subscriptions: subs,
    });
  }
  // Delegates the owner authorizes but whose inventory is missing: their legacy settings (if any) are not planned.
  for (const [arn, owner] of [...owners.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    for (const delegate of owner.authorizedDelegates) {
      if (!delegatesWithInventory.has(`${delegate}|${arn}`)) {
        warnings.push(
          `${owner.identity}: its policies authorize ${delegate}, but no inventory of ${delegate} covers ${arn}; if ${delegate} has legacy cross-account notifications on it they are not in this plan (ask ${delegate} to run: ses-bridge migrate inventory --account-id ${delegate} --identities ${arn})`,
        );
      }
    }
  }
  return { identities, configurationSets, warnings };
}

export type StepDraft = Omit<Step, 'id' | 'dependsOn' | 'seen'> & {
  slug: string;
  dependsOn?: string[];
  /** What the inventory saw (see Step.seen); required for SES steps, absent for manual ones. */
  seen?: StateValue;
};

/** Numbers steps in the order they are added: `03-owner-set-bounce-topic-example.com`. */
export class StepList {
  readonly steps: Step[] = [];

  add(draft: StepDraft): string {
    const { slug, dependsOn = [], ...rest } = draft;
    const id = `${String(this.steps.length + 1).padStart(2, '0')}-${draft.role}-${slug}`.replace(
      /[^A-Za-z0-9._@+-]/g,
      '_',
    );
    this.steps.push({
      id,
      phase: rest.phase,
      role: rest.role,
      account: rest.account,
      region: rest.region,
      title: rest.title,
      action: rest.action,
      seen: rest.seen ?? null,
      revert: rest.revert,
      dependsOn: [...new Set(dependsOn)],
    });
    return id;
  }

  /**
   * The steps in plan order: by phase (prepare, switch, cleanup), otherwise as added, renumbered so that ids follow
   * that order (dependencies renamed with them).
   */
  ordered(): Step[] {
    const rank: Record<Phase, number> = { prepare: 0, switch: 1, cutover: 2, cleanup: 3 };
    const sorted = [...this.steps].sort((a, b) => rank[a.phase] - rank[b.phase]);
    const rename = new Map(
      sorted.map((s, i) => [s.id, `${String(i + 1).padStart(2, '0')}-${s.id.replace(/^\d+-/, '')}`]),
    );
    return sorted.map((s) => ({ ...s, id: rename.get(s.id)!, dependsOn: s.dependsOn.map((d) => rename.get(d) ?? d) }));
  }
}

/** The types a subscription sets, in Bounce, Complaint, Delivery order. */
export function subscribedTypes(sub: LegacySubscription): NotificationType[] {
  return NOTIFICATION_TYPES.filter((t) => sub.topics[t] !== undefined);
}

/** SES v1 SetIdentityNotificationTopic as a plan action; `topicArn` null clears the type. */
export function setTopicAction(identity: string, type: NotificationType, topicArn: string | null): Action {
  return {
    api: 'ses:SetIdentityNotificationTopic',
    params: { Identity: identity, NotificationType: type, SnsTopic: topicArn },
  };
}

/** A manual task as a plan action: what a person does, and the document (policy, routes) to use. */
export function manual(kind: ManualTask['kind'], target: string, instructions: string, document?: unknown): Action {
  return { api: 'manual', params: { kind, target, instructions, ...(document === undefined ? {} : { document }) } };
}

/** The revert of a manual step: nothing in SES to undo. */
export const MANUAL_REVERT: Revert = {
  description: 'Nothing to undo in SES; undo the manual change by hand if you want to.',
  action: null,
  reversible: true,
};

/** The owner-side step that points one type of the identity at `topicArn`; reverts to what the owner had. */
export function ownerSetTopicStep(
  id: PlannedIdentity,
  owner: InventoryIdentity,
  type: NotificationType,
  topicArn: string,
  phase: Phase,
  why: string,
): StepDraft {
  const previous = owner.notifications[type].topicArn;
  return {
    slug: `set-${type.toLowerCase()}-topic-${id.identity}`,
    phase,
    role: 'owner',
    account: id.ownerAccountId,
    region: id.region,
    title: `Point ${type} notifications of ${id.identity} at ${topicArn} (${why})`,
    action: setTopicAction(id.identity, type, topicArn),
    seen: { kind: 'topic', topicArn: previous, headersEnabled: owner.notifications[type].headersEnabled },
    revert: {
      description:
        previous === null
          ? `Clear the ${type} topic again (SetIdentityNotificationTopic without SnsTopic).`
          : `Set the ${type} topic back to ${previous}.`,
      action: setTopicAction(id.identity, type, previous),
      reversible: true,
    },
  };
}

/** The owner-side step that sets the headers flag of one type, when it differs from the owner's current one. */
export function ownerHeadersStep(
  id: PlannedIdentity,
  owner: InventoryIdentity,
  type: NotificationType,
  enabled: boolean,
  dependsOn: string[],
): StepDraft | null {
  const current = owner.notifications[type].headersEnabled;
  if (current === enabled) return null;
  return {
    slug: `${enabled ? 'enable' : 'disable'}-${type.toLowerCase()}-headers-${id.identity}`,
    phase: 'switch',
    role: 'owner',
    account: id.ownerAccountId,
    region: id.region,
    title: `${enabled ? 'Include' : 'Stop including'} original headers in ${type} notifications of ${id.identity}`,
    action: {
      api: 'ses:SetIdentityHeadersInNotificationsEnabled',
      params: { Identity: id.identity, NotificationType: type, Enabled: enabled },
    },
    seen: { kind: 'flag', enabled: current },
    revert: {
      description: `Set the ${type} headers flag back to ${current}.`,
      action: {
        api: 'ses:SetIdentityHeadersInNotificationsEnabled',
        params: { Identity: id.identity, NotificationType: type, Enabled: current },
      },
      reversible: true,
    },
    dependsOn,
  };
}

/**
 * The cleanup steps of one legacy subscription: clear each type the delegate set, with the identity ARN, in the
 * delegate's account (LEGACY-2021 "Removing": null SnsTopic per type). They come last and are irreversible: SES still
 * lets a delegate modify existing cross-account notifications but no longer create new ones
 * (sending-authorization-delegate-sender-tasks-notifications, "legacy support").
 */
export function legacyRemovalSteps(steps: StepList, sub: LegacySubscription, dependsOn: string[]): string[] {
  return subscribedTypes(sub).map((type) => {
    const topic = sub.topics[type]!.topicArn;
    return steps.add({
      slug: `remove-legacy-${type.toLowerCase()}-${sub.delegateAccountId}-${sub.identity}`,
      phase: 'cleanup',
      role: 'delegate',
      account: sub.delegateAccountId,
      region: sub.region,
      title: `Remove the legacy cross-account ${type} topic ${topic} of ${sub.delegateAccountId} on ${sub.identity}`,
      action: setTopicAction(sub.identityArn, type, null),
      seen: { kind: 'topic', topicArn: topic, headersEnabled: sub.topics[type]!.headersEnabled },
      revert: {
        description: `Irreversible: SES no longer creates cross-account notifications, so the legacy ${type} topic ${topic} may not be settable again once removed. Run this only after verify passed.`,
        action: setTopicAction(sub.identityArn, type, topic),
        reversible: false,
      },
      dependsOn,
    });
  });
}

/** Groups values by a key, keeping first-seen order of keys. */
export function groupBy<T>(items: T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = groups.get(k);
    if (list) list.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}

/**
 * The accounts whose verify reports the cleanup of `accountId` needs, with the phases each report must cover: those
 * with SES steps (or cutover steps) that its cleanup steps depend on, directly or not (a delegate cannot read the
 * owner's switch back from its own account, nor the bridge's routes file). Every report covers prepare and switch;
 * one whose account holds a cutover step the cleanup depends on covers cutover too.
 */
export function cleanupDependencyPhases(plan: Plan, accountId: string): Map<string, Phase[]> {
  const byId = new Map(plan.steps.map((s) => [s.id, s]));
  const pending = plan.steps
    .filter((s) => s.account === accountId && s.phase === 'cleanup')
    .flatMap((s) => s.dependsOn);
  const seen = new Set<string>();
  const needed = new Map<string, Set<Phase>>();
  while (pending.length > 0) {
    const step = byId.get(pending.pop()!);
    if (!step || seen.has(step.id)) continue;
    seen.add(step.id);
    if (step.action.api !== 'manual' && step.phase !== 'cleanup') {
      const phases = needed.get(step.account) ?? new Set<Phase>(['prepare', 'switch']);
      phases.add(step.phase);
      needed.set(step.account, phases);
    }
    pending.push(...step.dependsOn);
  }
  const order: Phase[] = ['prepare', 'switch', 'cutover'];
  return new Map(
    [...needed.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([account, phases]) => [account, order.filter((p) => phases.has(p))]),
  );
}

/** The accounts of cleanupDependencyPhases. */
export function cleanupDependencies(plan: Plan, accountId: string): string[] {
  return [...cleanupDependencyPhases(plan, accountId).keys()];
}
