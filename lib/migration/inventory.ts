/**
 * `inventory`: what one account can see of the identities it sends from. The owner reads its own identities (topics,
 * headers flags, forwarding, default configuration set, delegates named by its policies); a delegate reads its legacy
 * cross-account subscriptions by passing the owner's identity ARNs to GetIdentityNotificationAttributes, the way the
 * legacy console did (LEGACY-2021 sending-authorization-delegate-sender-tasks-notifications, "Viewing").
 */
import { ConfigError } from '#lib/errors';
import { identityArn, isAccountId, parseIdentityArn } from '#lib/migration/arn';
import { policyPrincipals } from '#lib/migration/policies';
import type { SesSession } from '#lib/migration/ses';
import type { ConfigurationSetInfo, Inventory, InventoryIdentity } from '#lib/migration/types';

export interface InventoryOptions {
  session: SesSession;
  region: string;
  /** The account the credentials belong to; null to derive it from the identities' policies. */
  accountId: string | null;
  /** Identity names and ARNs, or 'all' for every identity of the account (ListIdentities). */
  identities: string[] | 'all';
  /** Also list the account's configuration sets and their destinations (plan checks name clashes); default true. */
  configurationSets?: boolean;
  now?: () => Date;
  progress?: (line: string) => void;
  /**
   * Called for each call that failed without stopping the inventory (configuration sets, one identity's details):
   * the inventory goes on with what it can read, says what is missing in its warnings, and the CLI exits 1.
   */
  onFailure?: (message: string) => void;
}

const HOW_TO_FIND_ACCOUNT =
  'pass --account-id with the 12-digit id of the account whose credentials you use (aws sts get-caller-identity --query Account --output text)';

/** Splits the identity list into own identity names and other accounts' identity ARNs. */
function classify(items: string[], region: string, accountId: string | null): { own: string[]; foreign: string[] } {
  const own = new Set<string>();
  const foreign = new Set<string>();
  for (const item of items) {
    const arn = parseIdentityArn(item);
    if (arn === null) {
      if (item.startsWith('arn:'))
        throw new ConfigError(
          `"${item}" is not an SES identity ARN (arn:aws:ses:<region>:<account>:identity/<name>)`,
          '--identities',
        );
      own.add(item);
      continue;
    }
    if (arn.region !== region)
      throw new ConfigError(
        `${item} is in ${arn.region}, but --region is ${region}: run one inventory per region`,
        '--identities',
      );
    if (accountId === null)
      throw new ConfigError(
        `identity ARNs were given, so the tool must know which account is yours: ${HOW_TO_FIND_ACCOUNT}`,
        '--account-id',
      );
    if (arn.accountId === accountId) own.add(arn.identity);
    else foreign.add(item);
  }
  return { own: [...own], foreign: [...foreign] };
}

/**
 * Reads the inventory of one account in one region. Account id: taken from `accountId`, or derived from the identity
 * ARNs that the owner's sending authorization policies name in `Resource`; STS is not used (no extra dependency or
 * IAM permission). A policy naming another account's ARN is a ConfigError (wrong credentials or wrong --account-id).
 */
export async function buildInventory(options: InventoryOptions): Promise<Inventory> {
  const { session, region } = options;
  const progress = options.progress ?? (() => {});
  const warnings: string[] = [];
  let accountId = options.accountId;
  /** Runs one call; on failure, records which call failed for which account and returns `fallback`. */
  const partial = async <T>(call: string, what: string, run: () => Promise<T>, fallback: T): Promise<T> => {
    try {
      return await run();
    } catch (err) {
      const text = `${call} failed for account ${accountId ?? '(not yet known)'} in ${region}: ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}; ${what}`;
      warnings.push(`incomplete: ${text}`);
      options.onFailure?.(text);
      return fallback;
    }
  };
  if (accountId !== null && !isAccountId(accountId))
    throw new ConfigError(`must be a 12-digit account id, got "${accountId}"`, '--account-id');

  const items = options.identities === 'all' ? await session.listIdentities(region) : options.identities;
  if (options.identities === 'all') progress(`inventory: ListIdentities found ${items.length} identities in ${region}`);
  const { own, foreign } = classify(items, region, accountId);

  const ownEntries: Array<Omit<InventoryIdentity, 'identityArn' | 'ownerAccountId'>> = [];
  if (own.length > 0) {
    progress(
      `inventory: reading notification attributes of ${own.length} own identities (${Math.ceil(own.length / 100)} calls, paced)`,
    );
    const attributes = await session.notificationAttributes(region, own);
    let done = 0;
    for (const name of own) {
      const attrs = attributes.get(name);
      if (attrs === undefined) {
        warnings.push(
          `${name}: SES returned no notification attributes (not a verified identity of this account in ${region}?); skipped`,
        );
        continue;
      }
      const details = await partial(
        'sesv2:GetEmailIdentity',
        `the default configuration set of ${name} is not in the inventory`,
        () => session.emailIdentity(region, name),
        null,
      );
      const policies =
        details?.policies ??
        (await partial(
          'sesv2:GetEmailIdentityPolicies',
          `the delegates authorized on ${name} are not in the inventory`,
          () => session.emailIdentityPolicies(region, name),
          {},
        ));
      const principals = policyPrincipals(policies);
      for (const note of principals.notes) warnings.push(`${name}: ${note}`);
      for (const resource of principals.resources) {
        const owner = parseIdentityArn(resource)!.accountId;
        if (accountId === null) accountId = owner;
        else if (owner !== accountId) {
          throw new ConfigError(
            `is ${accountId}, but the policy of ${name} names ${resource} of account ${owner}: are the credentials for another account? ${HOW_TO_FIND_ACCOUNT}`,
            '--account-id',
          );
        }
      }
      ownEntries.push({
        identity: name,
        notifications: attrs.notifications,
        forwardingEnabled: attrs.forwardingEnabled,
        authorizedDelegates: principals.accounts,
        configurationSet: details?.configurationSet ?? null,
      });
      if (++done % 50 === 0) progress(`inventory: ${done}/${own.length} identities read`);
    }
  }
  if (accountId === null) {
    throw new ConfigError(
      `cannot be derived: no sending authorization policy names an identity ARN of this account; ${HOW_TO_FIND_ACCOUNT}`,
      '--account-id',
    );
  }
  const self = accountId;

  const foreignEntries: InventoryIdentity[] = [];
  if (foreign.length > 0) {
    progress(`inventory: reading cross-account notification settings on ${foreign.length} identity ARNs (paced)`);
    const attributes = await session.notificationAttributes(region, foreign);
    for (const arn of foreign) {
      const attrs = attributes.get(arn);
      const parsed = parseIdentityArn(arn)!;
      if (attrs === undefined) {
        warnings.push(
          `${arn}: SES returned no notification attributes (no cross-account settings, or the owner does not authorize ${self}); skipped`,
        );
        continue;
      }
      foreignEntries.push({
        identity: parsed.identity,
        identityArn: arn,
        ownerAccountId: parsed.accountId,
        notifications: attrs.notifications,
        forwardingEnabled: attrs.forwardingEnabled,
        authorizedDelegates: [],
        configurationSet: null,
      });
    }
  }

  const configurationSets: ConfigurationSetInfo[] = [];
  const names =
    options.configurationSets === false
      ? []
      : await partial(
          'sesv2:ListConfigurationSets',
          'no configuration set is in the inventory (plan cannot check name clashes)',
          () => session.listConfigurationSets(region),
          [] as string[],
        );
  if (names.length > 0) progress(`inventory: reading event destinations of ${names.length} configuration sets`);
  for (const name of names.sort()) {
    const destinations = await partial(
      'sesv2:GetConfigurationSetEventDestinations',
      `configuration set ${name} is not in the inventory`,
      () => session.eventDestinations(region, name),
      null,
    );
    if (destinations !== null) configurationSets.push({ name, eventDestinations: destinations });
  }

  const identities = [
    ...ownEntries.map((e) => ({ ...e, identityArn: identityArn(region, self, e.identity), ownerAccountId: self })),
    ...foreignEntries,
  ]
    // Field order as documented, so inventory files diff cleanly.
    .map((e) => ({
      identity: e.identity,
      identityArn: e.identityArn,
      ownerAccountId: e.ownerAccountId,
      notifications: e.notifications,
      forwardingEnabled: e.forwardingEnabled,
      authorizedDelegates: e.authorizedDelegates.filter((d) => d !== self),
      configurationSet: e.configurationSet,
    }))
    .sort((a, b) => a.identityArn.localeCompare(b.identityArn));
  return {
    accountId: self,
    region,
    generatedAt: (options.now?.() ?? new Date()).toISOString(),
    identities,
    configurationSets,
    warnings,
  };
}
