/** Reading and checking inventory files: a plan is only as good as the inventories it merges. */
import { parseStandardTopicArn } from '#lib/arn';
import { isAccountId, isRegion, isSesName, parseIdentityArn } from '#lib/migration/arn';
import {
  type ConfigurationSetInfo,
  type Inventory,
  type InventoryIdentity,
  NOTIFICATION_TYPES,
  type NotificationSettings,
  type TopicSetting,
} from '#lib/migration/types';
import {
  array,
  boolean,
  child,
  fail,
  isIsoTime,
  nullableString,
  object,
  parseJsonText,
  string,
  withSource,
} from '#lib/migration/validate';

const isTopicArn = (s: string) => parseStandardTopicArn(s) !== null;

function parseTopicSetting(value: unknown, path: string): TopicSetting {
  const obj = object(value, path, 'an object with topicArn and headersEnabled');
  return {
    topicArn: nullableString(obj.topicArn, child(path, 'topicArn'), isTopicArn, 'a standard SNS topic ARN'),
    headersEnabled: boolean(obj.headersEnabled, child(path, 'headersEnabled')),
  };
}

function parseIdentity(
  value: unknown,
  path: string,
  inventory: { accountId: string; region: string },
): InventoryIdentity {
  const obj = object(value, path);
  const identity = string(obj.identity, child(path, 'identity'));
  const arnText = string(
    obj.identityArn,
    child(path, 'identityArn'),
    (s) => parseIdentityArn(s) !== null,
    'an SES identity ARN (arn:aws:ses:<region>:<account>:identity/<name>)',
  );
  const arn = parseIdentityArn(arnText)!;
  if (arn.identity !== identity)
    fail(child(path, 'identityArn'), `names identity "${arn.identity}", not "${identity}"`);
  if (arn.region !== inventory.region)
    fail(child(path, 'identityArn'), `is in ${arn.region}, but the inventory is for ${inventory.region}`);
  const ownerAccountId = string(
    obj.ownerAccountId,
    child(path, 'ownerAccountId'),
    isAccountId,
    'a 12-digit account id',
  );
  if (ownerAccountId !== arn.accountId)
    fail(child(path, 'ownerAccountId'), `is ${ownerAccountId}, but the identity ARN belongs to ${arn.accountId}`);
  const notificationsObj = object(
    obj.notifications,
    child(path, 'notifications'),
    'an object with Bounce, Complaint and Delivery',
  );
  const notifications = {} as NotificationSettings;
  for (const type of NOTIFICATION_TYPES) {
    const setting = parseTopicSetting(notificationsObj[type], child(child(path, 'notifications'), type));
    const topic = setting.topicArn === null ? null : parseStandardTopicArn(setting.topicArn);
    // SES requires the topic in the identity's region (configure-sns-notifications, "Important").
    if (topic && topic.region !== arn.region)
      fail(
        child(child(child(path, 'notifications'), type), 'topicArn'),
        `is in ${topic.region}; SES notification topics must be in the identity's region ${arn.region}`,
      );
    notifications[type] = setting;
  }
  const delegates = array(obj.authorizedDelegates ?? [], child(path, 'authorizedDelegates')).map((d, i) =>
    string(d, child(child(path, 'authorizedDelegates'), i), isAccountId, 'a 12-digit account id'),
  );
  return {
    identity,
    identityArn: arnText,
    ownerAccountId,
    notifications,
    forwardingEnabled: boolean(obj.forwardingEnabled, child(path, 'forwardingEnabled')),
    authorizedDelegates: delegates,
    configurationSet: nullableString(
      obj.configurationSet ?? null,
      child(path, 'configurationSet'),
      isSesName,
      'a configuration set name',
    ),
  };
}

function parseConfigurationSet(value: unknown, path: string): ConfigurationSetInfo {
  const obj = object(value, path);
  const destinations = array(obj.eventDestinations ?? [], child(path, 'eventDestinations')).map((d, i) => {
    const p = child(child(path, 'eventDestinations'), i);
    const dest = object(d, p);
    return {
      name: string(dest.name, child(p, 'name')),
      enabled: boolean(dest.enabled, child(p, 'enabled')),
      matchingEventTypes: array(dest.matchingEventTypes, child(p, 'matchingEventTypes')).map((t, j) =>
        string(t, child(child(p, 'matchingEventTypes'), j)),
      ),
      snsTopicArn: nullableString(dest.snsTopicArn ?? null, child(p, 'snsTopicArn'), isTopicArn, 'an SNS topic ARN'),
    };
  });
  return {
    name: string(obj.name, child(path, 'name'), isSesName, 'a configuration set name'),
    eventDestinations: destinations,
  };
}

/**
 * Validates a parsed inventory document; `source` (the file name) prefixes every error:
 * "owner.json: identities[2].notifications.Bounce.topicArn must be a standard SNS topic ARN or null, got ...".
 */
export function parseInventory(doc: unknown, source: string): Inventory {
  return withSource(source, () => {
    const obj = object(doc, '', 'an inventory object (ses-bridge migrate inventory --out FILE)');
    const accountId = string(obj.accountId, 'accountId', isAccountId, 'a 12-digit account id');
    const region = string(obj.region, 'region', isRegion, 'a region such as us-east-1');
    const generatedAt = string(obj.generatedAt, 'generatedAt', isIsoTime, 'an ISO 8601 UTC time');
    const identities = array(obj.identities, 'identities').map((item, i) =>
      parseIdentity(item, child('identities', i), { accountId, region }),
    );
    const seen = new Set<string>();
    identities.forEach((item, i) => {
      if (seen.has(item.identityArn))
        fail(child(child('identities', i), 'identityArn'), `${item.identityArn} is listed twice`);
      seen.add(item.identityArn);
    });
    const configurationSets = array(obj.configurationSets ?? [], 'configurationSets').map((item, i) =>
      parseConfigurationSet(item, child('configurationSets', i)),
    );
    const warnings = array(obj.warnings ?? [], 'warnings').map((w, i) => string(w, child('warnings', i)));
    return { accountId, region, generatedAt, identities, configurationSets, warnings };
  });
}

/** Parses an inventory file's text. */
export function parseInventoryText(text: string, source: string): Inventory {
  return parseInventory(parseJsonText(text, source), source);
}

/** True when the identity entry is a legacy cross-account subscription: another account's identity with a topic set. */
export function isCrossAccountSubscription(inventory: Inventory, item: InventoryIdentity): boolean {
  return (
    item.ownerAccountId !== inventory.accountId &&
    NOTIFICATION_TYPES.some((t) => item.notifications[t].topicArn !== null)
  );
}
