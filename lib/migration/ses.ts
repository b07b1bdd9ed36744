/**
 * Every SES call the migration makes, in one place; each goes through SesCalls (ses-calls.ts): paced, retried on
 * throttling, counted.
 */
import {
  GetIdentityNotificationAttributesCommand,
  ListIdentitiesCommand,
  SendEmailCommand,
  SetIdentityFeedbackForwardingEnabledCommand,
  SetIdentityHeadersInNotificationsEnabledCommand,
  SetIdentityNotificationTopicCommand,
} from '@aws-sdk/client-ses';
import {
  CreateConfigurationSetCommand,
  CreateConfigurationSetEventDestinationCommand,
  DeleteConfigurationSetCommand,
  DeleteConfigurationSetEventDestinationCommand,
  type EventType,
  GetConfigurationSetCommand,
  GetConfigurationSetEventDestinationsCommand,
  GetEmailIdentityCommand,
  GetEmailIdentityPoliciesCommand,
  ListConfigurationSetsCommand,
  UpdateConfigurationSetEventDestinationCommand,
} from '@aws-sdk/client-sesv2';
import { isNotFound, SesCalls } from '#lib/migration/ses-calls';
import {
  type EventDestinationInfo,
  NOTIFICATION_TYPES,
  type NotificationSettings,
  type NotificationType,
  type SnsEventDestinationDefinition,
} from '#lib/migration/types';

export type { ClientsFor, SesClients, SessionOptions } from '#lib/migration/ses-calls';
export { errorCode } from '#lib/migration/ses-calls';

/** What GetIdentityNotificationAttributes says about one identity. */
export interface NotificationAttributes {
  notifications: NotificationSettings;
  forwardingEnabled: boolean;
}

/** SES v1 `GetIdentityNotificationAttributes` accepts at most 100 identities per call (SES API reference). */
export const NOTIFICATION_ATTRIBUTES_BATCH = 100;

/** The SES calls of one command or invocation, sharing one pacer, one retry policy and the call counts. */
export class SesSession extends SesCalls {
  /**
   * Notification attributes of identities (names or ARNs), in batches of 100, one call per second. Identities SES
   * does not answer for (unverified, unknown) are absent from the map.
   */
  async notificationAttributes(region: string, identities: string[]): Promise<Map<string, NotificationAttributes>> {
    const result = new Map<string, NotificationAttributes>();
    for (let i = 0; i < identities.length; i += NOTIFICATION_ATTRIBUTES_BATCH) {
      const batch = identities.slice(i, i + NOTIFICATION_ATTRIBUTES_BATCH);
      const out = await this.call('ses:GetIdentityNotificationAttributes', true, () =>
        this.ses(region).send(new GetIdentityNotificationAttributesCommand({ Identities: batch })),
      );
      for (const [identity, attrs] of Object.entries(out.NotificationAttributes ?? {})) {
        const notifications = {} as NotificationSettings;
        for (const type of NOTIFICATION_TYPES) {
          notifications[type] = {
            topicArn: attrs[`${type}Topic`] || null,
            headersEnabled: attrs[`HeadersIn${type}NotificationsEnabled`] ?? false,
          };
        }
        result.set(identity, { notifications, forwardingEnabled: attrs.ForwardingEnabled ?? true });
      }
    }
    return result;
  }

  /** SES v1 SetIdentityNotificationTopic; `topicArn` null clears the topic (and stops publishing that type). */
  async setNotificationTopic(
    region: string,
    identity: string,
    type: NotificationType,
    topicArn: string | null,
  ): Promise<void> {
    await this.call('ses:SetIdentityNotificationTopic', true, () =>
      this.ses(region).send(
        new SetIdentityNotificationTopicCommand({
          Identity: identity,
          NotificationType: type,
          ...(topicArn === null ? {} : { SnsTopic: topicArn }),
        }),
      ),
    );
  }

  async setHeadersInNotifications(
    region: string,
    identity: string,
    type: NotificationType,
    enabled: boolean,
  ): Promise<void> {
    await this.call('ses:SetIdentityHeadersInNotificationsEnabled', true, () =>
      this.ses(region).send(
        new SetIdentityHeadersInNotificationsEnabledCommand({
          Identity: identity,
          NotificationType: type,
          Enabled: enabled,
        }),
      ),
    );
  }

  async setFeedbackForwarding(region: string, identity: string, enabled: boolean): Promise<void> {
    await this.call('ses:SetIdentityFeedbackForwardingEnabled', true, () =>
      this.ses(region).send(
        new SetIdentityFeedbackForwardingEnabledCommand({ Identity: identity, ForwardingEnabled: enabled }),
      ),
    );
  }

  /** Every identity (email addresses and domains) of the caller's account in the region. */
  async listIdentities(region: string): Promise<string[]> {
    const names: string[] = [];
    let NextToken: string | undefined;
    do {
      const out = await this.call('ses:ListIdentities', false, () =>
        this.ses(region).send(new ListIdentitiesCommand({ MaxItems: 1000, ...(NextToken ? { NextToken } : {}) })),
      );
      names.push(...(out.Identities ?? []));
      NextToken = out.NextToken || undefined;
    } while (NextToken);
    return names;
  }

  /**
   * SESv2 GetEmailIdentity: the default configuration set and, when SES includes them, the policies (saving a
   * GetEmailIdentityPolicies call per identity). Null when the caller has no such identity.
   */
  async emailIdentity(
    region: string,
    identity: string,
  ): Promise<{ configurationSet: string | null; policies: Record<string, string> | null } | null> {
    try {
      const out = await this.call('sesv2:GetEmailIdentity', false, () =>
        this.sesv2(region).send(new GetEmailIdentityCommand({ EmailIdentity: identity })),
      );
      return { configurationSet: out.ConfigurationSetName || null, policies: out.Policies ?? null };
    } catch (err) {
      if (isNotFound(err)) return null;
      throw err;
    }
  }

  /** SESv2 GetEmailIdentityPolicies: policy name to policy JSON text. */
  async emailIdentityPolicies(region: string, identity: string): Promise<Record<string, string>> {
    try {
      const out = await this.call('sesv2:GetEmailIdentityPolicies', false, () =>
        this.sesv2(region).send(new GetEmailIdentityPoliciesCommand({ EmailIdentity: identity })),
      );
      return out.Policies ?? {};
    } catch (err) {
      if (isNotFound(err)) return {};
      throw err;
    }
  }

  async listConfigurationSets(region: string): Promise<string[]> {
    const names: string[] = [];
    let NextToken: string | undefined;
    do {
      const out = await this.call('sesv2:ListConfigurationSets', false, () =>
        this.sesv2(region).send(
          new ListConfigurationSetsCommand({ PageSize: 1000, ...(NextToken ? { NextToken } : {}) }),
        ),
      );
      names.push(...(out.ConfigurationSets ?? []));
      NextToken = out.NextToken || undefined;
    } while (NextToken);
    return names;
  }

  async configurationSetExists(region: string, name: string): Promise<boolean> {
    try {
      await this.call('sesv2:GetConfigurationSet', false, () =>
        this.sesv2(region).send(new GetConfigurationSetCommand({ ConfigurationSetName: name })),
      );
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  }

  /** The configuration set's event destinations; null when the configuration set does not exist. */
  async eventDestinations(region: string, configurationSet: string): Promise<EventDestinationInfo[] | null> {
    try {
      const out = await this.call('sesv2:GetConfigurationSetEventDestinations', false, () =>
        this.sesv2(region).send(
          new GetConfigurationSetEventDestinationsCommand({ ConfigurationSetName: configurationSet }),
        ),
      );
      return (out.EventDestinations ?? []).map((d) => ({
        name: d.Name ?? '',
        enabled: d.Enabled ?? false,
        matchingEventTypes: [...(d.MatchingEventTypes ?? [])],
        snsTopicArn: d.SnsDestination?.TopicArn ?? null,
      }));
    } catch (err) {
      if (isNotFound(err)) return null;
      throw err;
    }
  }

  async createConfigurationSet(region: string, name: string): Promise<void> {
    await this.call('sesv2:CreateConfigurationSet', false, () =>
      this.sesv2(region).send(new CreateConfigurationSetCommand({ ConfigurationSetName: name })),
    );
  }

  async deleteConfigurationSet(region: string, name: string): Promise<void> {
    await this.call('sesv2:DeleteConfigurationSet', false, () =>
      this.sesv2(region).send(new DeleteConfigurationSetCommand({ ConfigurationSetName: name })),
    );
  }

  /** SESv2 CreateConfigurationSetEventDestination (`create`) or UpdateConfigurationSetEventDestination (`update`). */
  async putEventDestination(
    region: string,
    configurationSet: string,
    name: string,
    definition: SnsEventDestinationDefinition,
    mode: 'create' | 'update',
  ): Promise<void> {
    const input = {
      ConfigurationSetName: configurationSet,
      EventDestinationName: name,
      EventDestination: { ...definition, MatchingEventTypes: definition.MatchingEventTypes as EventType[] },
    };
    const client = this.sesv2(region);
    if (mode === 'create') {
      await this.call('sesv2:CreateConfigurationSetEventDestination', false, () =>
        client.send(new CreateConfigurationSetEventDestinationCommand(input)),
      );
    } else {
      await this.call('sesv2:UpdateConfigurationSetEventDestination', false, () =>
        client.send(new UpdateConfigurationSetEventDestinationCommand(input)),
      );
    }
  }

  async deleteEventDestination(region: string, configurationSet: string, name: string): Promise<void> {
    await this.call('sesv2:DeleteConfigurationSetEventDestination', false, () =>
      this.sesv2(region).send(
        new DeleteConfigurationSetEventDestinationCommand({
          ConfigurationSetName: configurationSet,
          EventDestinationName: name,
        }),
      ),
    );
  }

  /** SES v1 SendEmail (the mailbox simulator test): returns the MessageId. */
  async sendEmail(
    region: string,
    message: {
      from: string;
      to: string;
      subject: string;
      body: string;
      sourceArn: string | null;
      configurationSetName: string | null;
    },
  ): Promise<string> {
    const out = await this.call('ses:SendEmail', false, () =>
      this.ses(region).send(
        new SendEmailCommand({
          Source: message.from,
          Destination: { ToAddresses: [message.to] },
          Message: { Subject: { Data: message.subject }, Body: { Text: { Data: message.body } } },
          ...(message.sourceArn ? { SourceArn: message.sourceArn } : {}),
          ...(message.configurationSetName ? { ConfigurationSetName: message.configurationSetName } : {}),
        }),
      ),
    );
    return out.MessageId ?? '';
  }
}
