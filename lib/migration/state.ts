/**
 * Live state, one action at a time: how to read what an action controls, what it should be, and how to write it.
 * `apply`, `verify` and `rollback` share these, so "changes only what differs" and "reports drift" mean the same thing.
 */
import { parseIdentityArn } from '#lib/migration/arn';
import type { RoutesFile } from '#lib/migration/routes-file';
import { errorCode, type NotificationAttributes, type SesSession } from '#lib/migration/ses';
import type { Action, SnsEventDestinationDefinition, StateValue } from '#lib/migration/types';

/** SES calls plus a cache of notification attributes, so N steps on one identity cost one read, not N. */
export class StateReader {
  private readonly attributes = new Map<string, NotificationAttributes | null>();

  /** `routes`: the bridge's routes file, which the cutover steps read and write (`--routes FILE`). */
  constructor(
    readonly session: SesSession,
    readonly routes: RoutesFile | null = null,
  ) {}

  /** The routes file of the cutover steps, or the error that says how to give it. */
  routesFile(): RoutesFile {
    if (this.routes === null)
      throw new Error(
        "a cutover step reads and writes the bridge's routes file: run it with ses-bridge migrate apply (or verify) --routes FILE, the routes file the bridge deploys",
      );
    return this.routes;
  }

  private key(region: string, identity: string): string {
    return `${region}|${identity}`;
  }

  /** Reads the notification attributes of many identities at once (100 per call) before stepping through them. */
  async prefetch(region: string, identities: string[]): Promise<void> {
    const missing = [...new Set(identities)].filter((i) => !this.attributes.has(this.key(region, i)));
    if (missing.length === 0) return;
    const found = await this.session.notificationAttributes(region, missing);
    for (const identity of missing) this.attributes.set(this.key(region, identity), found.get(identity) ?? null);
  }

  /**
   * The identity's attributes. An identity ARN of another account that SES does not answer for has no cross-account
   * settings (all topics null); an own identity SES does not know is an error.
   */
  async notification(region: string, identity: string): Promise<NotificationAttributes> {
    await this.prefetch(region, [identity]);
    const attrs = this.attributes.get(this.key(region, identity));
    if (attrs) return attrs;
    if (parseIdentityArn(identity) !== null) {
      return {
        notifications: {
          Bounce: { topicArn: null, headersEnabled: false },
          Complaint: { topicArn: null, headersEnabled: false },
          Delivery: { topicArn: null, headersEnabled: false },
        },
        forwardingEnabled: true,
      };
    }
    throw new Error(
      `SES returned no notification attributes for ${identity} in ${region}: is it a verified identity of this account in this region?`,
    );
  }

  /** Records a write, so the next read of the same identity sees it without another (paced) call. */
  update(region: string, identity: string, change: (attrs: NotificationAttributes) => void): void {
    const attrs = this.attributes.get(this.key(region, identity));
    if (attrs) change(attrs);
  }

  /** Forgets cached attributes (verify re-reads everything). */
  clear(): void {
    this.attributes.clear();
  }
}

/** Event destinations compared with their event types sorted (SES may return them in any order). */
function sameDestination(a: SnsEventDestinationDefinition | null, b: SnsEventDestinationDefinition | null): boolean {
  if (a === null || b === null) return a === b;
  return (
    a.Enabled === b.Enabled &&
    a.SnsDestination.TopicArn === b.SnsDestination.TopicArn &&
    [...a.MatchingEventTypes].sort().join() === [...b.MatchingEventTypes].sort().join()
  );
}

/** Reads the part of live state an action controls. */
export async function readState(
  reader: StateReader,
  region: string,
  action: Exclude<Action, { api: 'manual' }>,
): Promise<StateValue> {
  switch (action.api) {
    case 'ses:SetIdentityNotificationTopic': {
      const setting = (await reader.notification(region, action.params.Identity)).notifications[
        action.params.NotificationType
      ];
      return { kind: 'topic', topicArn: setting.topicArn, headersEnabled: setting.headersEnabled };
    }
    case 'ses:SetIdentityHeadersInNotificationsEnabled':
      return {
        kind: 'flag',
        enabled: (await reader.notification(region, action.params.Identity)).notifications[
          action.params.NotificationType
        ].headersEnabled,
      };
    case 'ses:SetIdentityFeedbackForwardingEnabled':
      return { kind: 'flag', enabled: (await reader.notification(region, action.params.Identity)).forwardingEnabled };
    case 'sesv2:CreateConfigurationSet':
      return {
        kind: 'configuration-set',
        exists: await reader.session.configurationSetExists(region, action.params.ConfigurationSetName),
      };
    case 'sesv2:CreateConfigurationSetEventDestination': {
      const list = await reader.session.eventDestinations(region, action.params.ConfigurationSetName);
      const found = list?.find((d) => d.name === action.params.EventDestinationName);
      if (!found) return { kind: 'event-destination', destination: null };
      return {
        kind: 'event-destination',
        destination: {
          Enabled: found.enabled,
          MatchingEventTypes: found.matchingEventTypes as SnsEventDestinationDefinition['MatchingEventTypes'],
          SnsDestination: { TopicArn: found.snsTopicArn ?? '' },
        },
      };
    }
    case 'bridge:SetRouteMode':
      return { kind: 'route-mode', mode: reader.routesFile().mode(action.params.Route) };
  }
}

/** The state the action wants, given the current one (topic steps keep the current headers flag). */
export function targetState(action: Exclude<Action, { api: 'manual' }>, current: StateValue): StateValue {
  switch (action.api) {
    case 'ses:SetIdentityNotificationTopic':
      return {
        kind: 'topic',
        topicArn: action.params.SnsTopic,
        headersEnabled: current.kind === 'topic' ? current.headersEnabled : false,
      };
    case 'ses:SetIdentityHeadersInNotificationsEnabled':
      return { kind: 'flag', enabled: action.params.Enabled };
    case 'ses:SetIdentityFeedbackForwardingEnabled':
      return { kind: 'flag', enabled: action.params.ForwardingEnabled };
    case 'sesv2:CreateConfigurationSet':
      return { kind: 'configuration-set', exists: true };
    case 'sesv2:CreateConfigurationSetEventDestination':
      return { kind: 'event-destination', destination: action.params.EventDestination };
    case 'bridge:SetRouteMode':
      return { kind: 'route-mode', mode: action.params.Mode };
  }
}

/** True when two states agree on what the action controls (a topic step compares the topic, not the headers flag). */
export function sameState(a: StateValue, b: StateValue): boolean {
  if (a.kind === 'topic' && b.kind === 'topic') return a.topicArn === b.topicArn;
  if (a.kind === 'flag' && b.kind === 'flag') return a.enabled === b.enabled;
  if (a.kind === 'configuration-set' && b.kind === 'configuration-set') return a.exists === b.exists;
  if (a.kind === 'event-destination' && b.kind === 'event-destination')
    return sameDestination(a.destination, b.destination);
  if (a.kind === 'route-mode' && b.kind === 'route-mode') return a.mode === b.mode;
  return false;
}

/** True when two states are equal in full (rollback also restores a topic step's headers flag). */
export function equalState(a: StateValue, b: StateValue): boolean {
  if (a.kind === 'topic' && b.kind === 'topic')
    return a.topicArn === b.topicArn && (a.topicArn === null || a.headersEnabled === b.headersEnabled);
  return sameState(a, b);
}

/** A short text of a state for progress lines and messages. */
export function describeState(value: StateValue): string {
  switch (value.kind) {
    case 'topic':
      return value.topicArn === null ? 'no topic' : `${value.topicArn}${value.headersEnabled ? ' (headers on)' : ''}`;
    case 'flag':
      return value.enabled ? 'enabled' : 'disabled';
    case 'configuration-set':
      return value.exists ? 'exists' : 'absent';
    case 'event-destination':
      return value.destination === null
        ? 'absent'
        : `${value.destination.MatchingEventTypes.join('+')} -> ${value.destination.SnsDestination.TopicArn}${value.destination.Enabled ? '' : ' (disabled)'}`;
    case 'route-mode':
      return value.mode === null ? 'no such route' : `mode ${value.mode}`;
  }
}

/**
 * Makes live state equal `value`. `current` is what was read just before; a topic write also restores the headers
 * flag when `value` carries another one (rollback), since SES keeps that flag per type.
 */
export async function writeState(
  reader: StateReader,
  region: string,
  action: Exclude<Action, { api: 'manual' }>,
  value: StateValue,
  current: StateValue,
): Promise<void> {
  const { session } = reader;
  switch (action.api) {
    case 'ses:SetIdentityNotificationTopic': {
      if (value.kind !== 'topic' || current.kind !== 'topic') throw new Error('internal: topic state expected');
      const { Identity, NotificationType } = action.params;
      if (value.topicArn !== current.topicArn) {
        await session.setNotificationTopic(region, Identity, NotificationType, value.topicArn);
        reader.update(region, Identity, (a) => (a.notifications[NotificationType].topicArn = value.topicArn));
      }
      if (value.topicArn !== null && value.headersEnabled !== current.headersEnabled) {
        await session.setHeadersInNotifications(region, Identity, NotificationType, value.headersEnabled);
        reader.update(
          region,
          Identity,
          (a) => (a.notifications[NotificationType].headersEnabled = value.headersEnabled),
        );
      }
      return;
    }
    case 'ses:SetIdentityHeadersInNotificationsEnabled': {
      if (value.kind !== 'flag') throw new Error('internal: flag state expected');
      const { Identity, NotificationType } = action.params;
      await session.setHeadersInNotifications(region, Identity, NotificationType, value.enabled);
      reader.update(region, Identity, (a) => (a.notifications[NotificationType].headersEnabled = value.enabled));
      return;
    }
    case 'ses:SetIdentityFeedbackForwardingEnabled': {
      if (value.kind !== 'flag') throw new Error('internal: flag state expected');
      await session.setFeedbackForwarding(region, action.params.Identity, value.enabled);
      reader.update(region, action.params.Identity, (a) => (a.forwardingEnabled = value.enabled));
      return;
    }
    case 'sesv2:CreateConfigurationSet': {
      if (value.kind !== 'configuration-set') throw new Error('internal: configuration-set state expected');
      const name = action.params.ConfigurationSetName;
      if (value.exists) {
        try {
          await session.createConfigurationSet(region, name);
        } catch (err) {
          if (errorCode(err) !== 'AlreadyExistsException') throw err; // created meanwhile: the state is what we want
        }
        return;
      }
      const destinations = (await session.eventDestinations(region, name)) ?? [];
      if (destinations.length > 0) {
        throw new Error(
          `configuration set ${name} still has event destinations (${destinations.map((d) => d.name).join(', ')}) that rollback did not remove: not deleting it`,
        );
      }
      await session.deleteConfigurationSet(region, name);
      return;
    }
    case 'sesv2:CreateConfigurationSetEventDestination': {
      if (value.kind !== 'event-destination' || current.kind !== 'event-destination')
        throw new Error('internal: event-destination state expected');
      const { ConfigurationSetName, EventDestinationName } = action.params;
      if (value.destination === null)
        await session.deleteEventDestination(region, ConfigurationSetName, EventDestinationName);
      else
        await session.putEventDestination(
          region,
          ConfigurationSetName,
          EventDestinationName,
          value.destination,
          current.destination === null ? 'create' : 'update',
        );
      return;
    }
    case 'bridge:SetRouteMode': {
      if (value.kind !== 'route-mode' || value.mode === null) throw new Error('internal: a route mode expected');
      reader.routesFile().setMode(action.params.Route, value.mode);
      return;
    }
  }
}
