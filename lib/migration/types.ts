/**
 * The migration off legacy cross-account notifications: the shapes every part shares (inventory files, plan files,
 * steps, journal entries, verify reports). The files are the contract between accounts: a delegate hands its
 * inventory to the owner, the owner hands the plan back, each account applies its own steps.
 */

/** The three identity notification types (SES v1 `NotificationType`). */
export const NOTIFICATION_TYPES = ['Bounce', 'Complaint', 'Delivery'] as const;
export type NotificationType = (typeof NOTIFICATION_TYPES)[number];

/** The SESv2 event type that carries the same feedback as each notification type. */
export const EVENT_TYPE_OF = { Bounce: 'BOUNCE', Complaint: 'COMPLAINT', Delivery: 'DELIVERY' } as const;
export type SesV2EventType = (typeof EVENT_TYPE_OF)[NotificationType];

/** The normalized event type (routes file `when.types`) of each notification type. */
export const ROUTE_TYPE_OF = { Bounce: 'bounce', Complaint: 'complaint', Delivery: 'delivery' } as const;

/** How a delegate's feedback reaches it after the migration (docs/migration-runbook.md, "Choosing a strategy"). */
export const Strategy = { configSet: 'config-set', ownerTopic: 'owner-topic', bridge: 'bridge' } as const;
export type Strategy = (typeof Strategy)[keyof typeof Strategy];
/** Every strategy, for validation and help texts. */
export const STRATEGIES: readonly Strategy[] = Object.values(Strategy);

/**
 * When a step runs. `prepare` adds the new path beside the legacy one, `switch` turns it on, `cutover` (bridge only)
 * turns the delegates' shadow routes live once parity passed, `cleanup` removes the legacy cross-account settings:
 * last, and only once `verify` has passed for the steps before it.
 */
export const Phase = { prepare: 'prepare', switch: 'switch', cutover: 'cutover', cleanup: 'cleanup' } as const;
export type Phase = (typeof Phase)[keyof typeof Phase];
/** The phases in the order they run. */
export const PHASES: readonly Phase[] = Object.values(Phase);

/** Who runs a step: the identity owner, a delegate sender, or whoever operates the bridge. */
export const Role = { owner: 'owner', delegate: 'delegate', bridge: 'bridge' } as const;
export type Role = (typeof Role)[keyof typeof Role];

/** Payload formats a bridge route can deliver (the routes file's `to.format`). */
export const ROUTE_FORMATS = ['original', 'notification', 'event', 'normalized'] as const;
export type RouteFormat = (typeof ROUTE_FORMATS)[number];

// ---------------------------------------------------------------------------------------------------------------
// Inventory

/** One notification type's settings on an identity: the topic (null when none) and the headers flag. */
export interface TopicSetting {
  topicArn: string | null;
  headersEnabled: boolean;
}
export type NotificationSettings = Record<NotificationType, TopicSetting>;

/**
 * One identity as one account sees it. For the owner: its own settings, policies and default configuration set. For a
 * delegate (the identity ARN belongs to another account): its legacy cross-account subscription on that identity;
 * `authorizedDelegates` is empty and `configurationSet` null because a delegate cannot read them.
 */
export interface InventoryIdentity {
  identity: string;
  identityArn: string;
  ownerAccountId: string;
  notifications: NotificationSettings;
  forwardingEnabled: boolean;
  /** Account ids named as principals by the identity's sending authorization policies (owner inventories only). */
  authorizedDelegates: string[];
  /** The identity's default configuration set (owner inventories only). */
  configurationSet: string | null;
}

export interface EventDestinationInfo {
  name: string;
  enabled: boolean;
  matchingEventTypes: string[];
  /** The SNS topic of an SNS destination; null for other destination kinds. */
  snsTopicArn: string | null;
}

export interface ConfigurationSetInfo {
  name: string;
  eventDestinations: EventDestinationInfo[];
}

/** An inventory file (`ses-bridge migrate inventory`). */
export interface Inventory {
  accountId: string;
  region: string;
  generatedAt: string;
  identities: InventoryIdentity[];
  configurationSets: ConfigurationSetInfo[];
  /** What the inventory could not read or resolve (policies with `"*"` principals, unknown identities...). */
  warnings: string[];
}

// ---------------------------------------------------------------------------------------------------------------
// Plan

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

// ---------------------------------------------------------------------------------------------------------------
// Apply, journal, verify

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

/**
 * The first line of a journal file: binds every entry after it to one plan (id and digest) and one account, so a
 * rollback can refuse entries that plan could not have produced.
 */
export interface JournalHeader {
  v: 2;
  journal: 'ses-bridge-migration';
  planId: string;
  planDigest: string;
  account: string;
  createdAt: string;
}

/** One change `apply` made (or `rollback` undid), one NDJSON line of the journal, after its header. */
export interface JournalEntry {
  v: 1;
  planId: string;
  stepId: string;
  account: string;
  region: string;
  at: string;
  action: Action;
  before: StateValue;
  after: StateValue;
}

export type StepStatus =
  | 'changed'
  | 'would-change'
  | 'unchanged'
  | 'manual'
  | 'skipped'
  | 'failed'
  | 'not-run'
  | 'conflict';

export interface StepOutcome {
  stepId: string;
  status: StepStatus;
  message: string;
  before?: StateValue;
  after?: StateValue;
}

export type CheckStatus = 'ok' | 'drift' | 'manual' | 'skipped' | 'error';

export interface StepCheck {
  stepId: string;
  status: CheckStatus;
  message: string;
  expected?: StateValue;
  actual?: StateValue;
}

export interface SendTestResult {
  identityArn: string;
  from: string;
  to: string;
  configurationSetName: string | null;
  sourceArn: string | null;
  messageId: string | null;
  error: string | null;
  expect: string;
}

/** One feedback type of a canary: the test mail sent, and every copy that arrived on the destination. */
export interface CanaryType {
  type: NotificationType;
  messageId: string;
  sentAt: number;
  /** Milliseconds from the send to the first copy in the promised format; null when none arrived. */
  latencyMs: number | null;
  /** Every copy read, in arrival order, with its format and the path it came by. */
  copies: Array<{ format: 'notification' | 'event' | 'other'; path: string; latencyMs: number }>;
  status: 'ok' | 'wrong-format' | 'missing' | 'interrupted';
}

/** The canary of one destination topic. */
export interface CanaryResult {
  topicArn: string;
  /** The payload format the plan promises on that topic. */
  format: 'notification' | 'event';
  queueArn: string;
  passed: boolean;
  /** Copies beyond the first, over all types (the same feedback delivered more than once). */
  duplicates: number;
  types: CanaryType[];
}

/** `verify --canary`: delivery proven per destination topic of the account. */
export interface CanaryReport {
  passed: boolean;
  timeoutMs: number;
  interrupted: boolean;
  destinations: CanaryResult[];
}

/** A verify report (`ses-bridge migrate verify --out FILE`): what `apply --phase cleanup --verified` checks. */
export interface VerifyReport {
  v: 1;
  planId: string;
  accountId: string;
  checkedAt: string;
  phases: Phase[];
  passed: boolean;
  checks: StepCheck[];
  sendTests: SendTestResult[];
  /** `--canary`: null when not run. */
  canary: CanaryReport | null;
}
