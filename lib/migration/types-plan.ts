/**
 * The plan file's shapes (`plan.json`): steps, their actions, the live values they control and their reverts, the
 * identities found, the routes.
 */
import type { InventoryIdentity } from '#lib/migration/types-inventory';
import type {
  NotificationType,
  Phase,
  Role,
  RouteFormat,
  SesV2EventType,
  Strategy,
} from '#lib/migration/types-vocabulary';

/** SESv2 `EventDestinationDefinition` restricted to what the migration creates: an enabled SNS destination. */
export interface SnsEventDestinationDefinition {
  Enabled: boolean;
  MatchingEventTypes: SesV2EventType[];
  SnsDestination: { TopicArn: string };
}

/**
 * What a step does: an SES API call with its parameters, or a manual task (an SNS topic policy to add, a code change,
 * a routes file to deploy) that the tool cannot do for lack of permissions in that account or of an API.
 */
export type Action =
  | {
      api: 'ses:SetIdentityNotificationTopic';
      params: { Identity: string; NotificationType: NotificationType; SnsTopic: string | null };
    }
  | {
      api: 'ses:SetIdentityHeadersInNotificationsEnabled';
      params: { Identity: string; NotificationType: NotificationType; Enabled: boolean };
    }
  | { api: 'ses:SetIdentityFeedbackForwardingEnabled'; params: { Identity: string; ForwardingEnabled: boolean } }
  | { api: 'sesv2:CreateConfigurationSet'; params: { ConfigurationSetName: string } }
  | {
      api: 'sesv2:CreateConfigurationSetEventDestination';
      params: {
        ConfigurationSetName: string;
        EventDestinationName: string;
        EventDestination: SnsEventDestinationDefinition;
      };
    }
  /** Cutover: the mode of one route in the bridge's routes file (`apply --routes FILE`); the operator deploys it. */
  | { api: 'bridge:SetRouteMode'; params: { Route: string; Mode: RouteMode } }
  | { api: 'manual'; params: ManualTask };

/** A bridge route's mode (the routes file's `mode`): `shadow` publishes to `shadowTopicArn`, `live` to `to`. */
export type RouteMode = 'live' | 'shadow';

export type ActionApi = Action['api'];

/** A task for a person: what to do, and the document to use (a policy, a routes file) when there is one. */
export interface ManualTask {
  kind: 'sns-topic-policy' | 'kms-key-policy' | 'name-configuration-set' | 'deploy-routes' | 'create-shadow-topic';
  instructions: string;
  /** The topic or configuration set the task is about. */
  target: string;
  document?: unknown;
}

export interface Revert {
  /** How to undo the step, in words. */
  description: string;
  /** The call that undoes it, as far as the inventory tells; `apply` journals the live state and rollback uses that. */
  action: Action | null;
  /** False when the step cannot be undone (SES no longer lets anyone create cross-account notifications). */
  reversible: boolean;
}

export interface Step {
  /** Stable and unique within the plan: `03-owner-set-bounce-topic-example.com`. */
  id: string;
  phase: Phase;
  role: Role;
  /** The account whose credentials run the step. */
  account: string;
  region: string;
  title: string;
  action: Action;
  /**
   * The value the inventory saw for what the action controls (null for manual steps). `apply` changes live state
   * only when it still is this value (or already the target): anything else was changed since the inventory, and is
   * a conflict rather than something to overwrite.
   */
  seen: StateValue | null;
  revert: Revert;
  /** Steps (possibly in other accounts) that must be done first. */
  dependsOn: string[];
}

/**
 * The part of live state one action controls. Topic steps keep the headers flag too, so that rollback restores both.
 */
export type StateValue =
  | { kind: 'topic'; topicArn: string | null; headersEnabled: boolean }
  | { kind: 'flag'; enabled: boolean }
  | { kind: 'configuration-set'; exists: boolean }
  | { kind: 'event-destination'; destination: SnsEventDestinationDefinition | null }
  /** A route's mode in the bridge's routes file; null when the file has no route of that name. */
  | { kind: 'route-mode'; mode: RouteMode | null };

/** One legacy cross-account subscription: a delegate's topics on another account's identity. */
export interface LegacySubscription {
  delegateAccountId: string;
  identity: string;
  identityArn: string;
  ownerAccountId: string;
  region: string;
  /** Only the types the delegate set a topic for. */
  topics: Partial<Record<NotificationType, { topicArn: string; headersEnabled: boolean }>>;
}

/** What the plan found for one identity: the owner's side (when its inventory was given) and the legacy subscriptions. */
export interface PlannedIdentity {
  identity: string;
  identityArn: string;
  ownerAccountId: string;
  region: string;
  owner: InventoryIdentity | null;
  subscriptions: LegacySubscription[];
}

export interface RoutesDocument {
  routes: Array<{
    name: string;
    description?: string;
    when: { sendingAccountId?: string | string[]; sourceArn?: string | string[]; types?: string[] };
    to: { topicArn: string; format: RouteFormat };
    mode?: RouteMode;
    shadowTopicArn?: string;
  }>;
  unmatched: { action: 'drop' } | { action: 'fail' };
}

/** A plan file (`plan.json`). */
export interface Plan {
  version: 1;
  /** Digest of strategy and steps: verify reports and journals name it so they cannot be mixed up across plans. */
  planId: string;
  /**
   * `sha256:<hex>` of the whole plan document but this field and `hmac` (lib/migration/seal.ts): any edit of the file
   * after `plan` wrote it is refused. It catches accidents, not a malicious editor, who can recompute it.
   */
  digest: string;
  /**
   * `hmac-sha256:<hex>` of the same content with the key in `SES_BRIDGE_PLAN_HMAC_KEY`, when `plan` ran with one; with
   * the key set, `apply`/`verify`/`rollback` refuse a plan without a valid one (this closes the malicious editor).
   */
  hmac: string | null;
  strategy: Strategy;
  generatedAt: string;
  options: {
    format: RouteFormat | null;
    bridgeTopicArn: string | null;
    bridgePrincipal: string | null;
    configSetName: string | null;
  };
  inventories: Array<{ accountId: string; region: string; generatedAt: string; identities: number }>;
  identities: PlannedIdentity[];
  steps: Step[];
  warnings: string[];
  routes: RoutesDocument | null;
}
