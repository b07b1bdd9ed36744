/** The inventory file's shapes (`ses-bridge migrate inventory`): what one account sees of its identities. */
import type { NotificationType } from '#lib/migration/types-vocabulary';

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
