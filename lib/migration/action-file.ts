/**
 * The vocabulary plans and journals share, checked field by field: an action (a plan step's, a revert's, a journal
 * entry's) and a state value (what a step saw before it ran, what a journal entry changed). Both drive SES calls.
 */
import { parseStandardTopicArn } from '#lib/arn';
import { isSesName } from '#lib/migration/arn';
import { type Action, EVENT_TYPE_OF, NOTIFICATION_TYPES, type StateValue } from '#lib/migration/types';
import { array, boolean, child, fail, nullableString, object, oneOf, string } from '#lib/migration/validate';

export const isTopicArn = (s: string) => parseStandardTopicArn(s) !== null;
const EVENT_TYPES = Object.values(EVENT_TYPE_OF);
const MANUAL_KINDS = [
  'sns-topic-policy',
  'kms-key-policy',
  'name-configuration-set',
  'deploy-routes',
  'create-shadow-topic',
] as const;
export const ROUTE_MODES = ['live', 'shadow'] as const;
const API_NAMES = [
  'ses:SetIdentityNotificationTopic',
  'ses:SetIdentityHeadersInNotificationsEnabled',
  'ses:SetIdentityFeedbackForwardingEnabled',
  'sesv2:CreateConfigurationSet',
  'sesv2:CreateConfigurationSetEventDestination',
  'bridge:SetRouteMode',
  'manual',
] as const;

/** Validates one action (a plan step's, a revert's or a journal entry's). */
export function parseAction(value: unknown, path: string): Action {
  const obj = object(value, path, 'an action object with api and params');
  const api = oneOf(obj.api, child(path, 'api'), API_NAMES);
  const p = child(path, 'params');
  const params = object(obj.params, p);
  const identity = () => string(params.Identity, child(p, 'Identity'));
  const type = () => oneOf(params.NotificationType, child(p, 'NotificationType'), NOTIFICATION_TYPES);
  const setName = () =>
    string(params.ConfigurationSetName, child(p, 'ConfigurationSetName'), isSesName, 'a configuration set name');
  switch (api) {
    case 'ses:SetIdentityNotificationTopic':
      return {
        api,
        params: {
          Identity: identity(),
          NotificationType: type(),
          SnsTopic: nullableString(
            params.SnsTopic ?? null,
            child(p, 'SnsTopic'),
            isTopicArn,
            'a standard SNS topic ARN',
          ),
        },
      };
    case 'ses:SetIdentityHeadersInNotificationsEnabled':
      return {
        api,
        params: {
          Identity: identity(),
          NotificationType: type(),
          Enabled: boolean(params.Enabled, child(p, 'Enabled')),
        },
      };
    case 'ses:SetIdentityFeedbackForwardingEnabled':
      return {
        api,
        params: {
          Identity: identity(),
          ForwardingEnabled: boolean(params.ForwardingEnabled, child(p, 'ForwardingEnabled')),
        },
      };
    case 'sesv2:CreateConfigurationSet':
      return { api, params: { ConfigurationSetName: setName() } };
    case 'sesv2:CreateConfigurationSetEventDestination': {
      const d = child(p, 'EventDestination');
      const def = object(params.EventDestination, d);
      const sns = object(def.SnsDestination, child(d, 'SnsDestination'), 'an object with TopicArn');
      const types = array(def.MatchingEventTypes, child(d, 'MatchingEventTypes')).map((t, i) =>
        oneOf(t, child(child(d, 'MatchingEventTypes'), i), EVENT_TYPES),
      );
      if (types.length === 0) fail(child(d, 'MatchingEventTypes'), 'must name at least one event type');
      return {
        api,
        params: {
          ConfigurationSetName: setName(),
          EventDestinationName: string(
            params.EventDestinationName,
            child(p, 'EventDestinationName'),
            isSesName,
            'an event destination name (1-64 of A-Z a-z 0-9 _ -)',
          ),
          EventDestination: {
            Enabled: boolean(def.Enabled, child(d, 'Enabled')),
            MatchingEventTypes: types,
            SnsDestination: {
              TopicArn: string(
                sns.TopicArn,
                child(child(d, 'SnsDestination'), 'TopicArn'),
                isTopicArn,
                'a standard SNS topic ARN',
              ),
            },
          },
        },
      };
    }
    case 'bridge:SetRouteMode':
      return {
        api,
        params: {
          Route: string(params.Route, child(p, 'Route'), (r) => r.length > 0, 'a route name'),
          Mode: oneOf(params.Mode, child(p, 'Mode'), ROUTE_MODES),
        },
      };
    case 'manual':
      return {
        api,
        params: {
          kind: oneOf(params.kind, child(p, 'kind'), MANUAL_KINDS),
          target: string(params.target, child(p, 'target')),
          instructions: string(params.instructions, child(p, 'instructions')),
          ...(params.document === undefined ? {} : { document: params.document }),
        },
      };
  }
}

/** Validates a state value (a step's `seen`, a journal entry's `before` and `after`). */
export function parseStateValue(value: unknown, path: string): StateValue {
  const obj = object(value, path);
  const kind = oneOf(obj.kind, child(path, 'kind'), [
    'topic',
    'flag',
    'configuration-set',
    'event-destination',
    'route-mode',
  ] as const);
  switch (kind) {
    case 'topic':
      return {
        kind,
        topicArn: nullableString(obj.topicArn, child(path, 'topicArn'), isTopicArn, 'an SNS topic ARN'),
        headersEnabled: boolean(obj.headersEnabled, child(path, 'headersEnabled')),
      };
    case 'flag':
      return { kind, enabled: boolean(obj.enabled, child(path, 'enabled')) };
    case 'configuration-set':
      return { kind, exists: boolean(obj.exists, child(path, 'exists')) };
    case 'route-mode':
      return { kind, mode: obj.mode === null ? null : oneOf(obj.mode, child(path, 'mode'), ROUTE_MODES) };
    case 'event-destination': {
      if (obj.destination === null) return { kind, destination: null };
      const action = parseAction(
        {
          api: 'sesv2:CreateConfigurationSetEventDestination',
          params: { ConfigurationSetName: 'x', EventDestinationName: 'x', EventDestination: obj.destination },
        },
        child(path, 'destination'),
      );
      return {
        kind,
        destination: (action as Extract<Action, { api: 'sesv2:CreateConfigurationSetEventDestination' }>).params
          .EventDestination,
      };
    }
  }
}
