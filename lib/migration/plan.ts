/** `plan`: merges inventories and builds the ordered, idempotent steps of one strategy. Pure: no AWS calls. */
import { isSesName } from '#lib/migration/arn';
import { MigrationRefusal } from '#lib/migration/errors';
import { planBridge } from '#lib/migration/plan-bridge';
import { mergeInventories, type PlanOptions, StepList } from '#lib/migration/plan-common';
import { DEFAULT_CONFIG_SET_NAME, planConfigSet } from '#lib/migration/plan-config-set';
import { planOwnerTopic } from '#lib/migration/plan-owner-topic';
import { planDigest, seal } from '#lib/migration/seal';
import type { Inventory, Plan, RoutesDocument } from '#lib/migration/types';

export type { PlanOptions } from '#lib/migration/plan-common';
export { planDigest } from '#lib/migration/seal';

/**
 * Builds the plan. Throws MigrationRefusal (exit 1) when the strategy cannot serve an identity without losing or
 * leaking feedback (owner-topic with several delegates, or over the owner's own topics) or lacks an input.
 */
export function buildPlan(inventories: Inventory[], options: PlanOptions): Plan {
  if (inventories.length === 0)
    throw new MigrationRefusal(["no inventory given: pass --inventory FILE (the owner's and each delegate's)"]);
  if (options.configSetName !== undefined && !isSesName(options.configSetName)) {
    throw new MigrationRefusal([
      `--config-set-name must be 1-64 characters of A-Z a-z 0-9 _ -, got "${options.configSetName}"`,
    ]);
  }
  const merged = mergeInventories(inventories);
  const steps = new StepList();
  const warnings = [...merged.warnings];
  let routes: RoutesDocument | null = null;
  if (merged.identities.length === 0) {
    warnings.push(
      'no legacy cross-account notifications in the given inventories: nothing to migrate (a delegate finds them with: ses-bridge migrate inventory --account-id <its account> --identities <owner identity ARNs>)',
    );
  } else {
    switch (options.strategy) {
      case 'config-set':
        warnings.push(...planConfigSet(merged, options, steps));
        break;
      case 'owner-topic':
        warnings.push(...planOwnerTopic(merged, steps));
        break;
      case 'bridge': {
        const result = planBridge(merged, options, steps);
        warnings.push(...result.warnings);
        routes = result.routes;
        break;
      }
      default: {
        const never: never = options.strategy;
        throw new MigrationRefusal([`unknown strategy ${JSON.stringify(never)}`]);
      }
    }
  }
  const isBridge = options.strategy === 'bridge';
  const ordered = steps.ordered();
  const unsealed = {
    version: 1 as const,
    planId: planDigest(options.strategy, ordered, routes),
    strategy: options.strategy,
    generatedAt: (options.now?.() ?? new Date()).toISOString(),
    options: {
      format: isBridge ? (options.format ?? 'notification') : null,
      bridgeTopicArn: isBridge ? (options.bridgeTopicArn ?? null) : null,
      bridgePrincipal: isBridge ? (options.bridgePrincipal ?? null) : null,
      configSetName: options.strategy === 'config-set' ? (options.configSetName ?? DEFAULT_CONFIG_SET_NAME) : null,
    },
    inventories: inventories.map((i) => ({
      accountId: i.accountId,
      region: i.region,
      generatedAt: i.generatedAt,
      identities: i.identities.length,
    })),
    identities: merged.identities,
    steps: ordered,
    warnings,
    routes,
  };
  // The seals go last, so that plan.json reads top-down: id, what, steps, then the digest over all of it.
  const { digest, hmac } = seal(unsealed, options.hmacKey);
  return { ...unsealed, digest, hmac };
}
