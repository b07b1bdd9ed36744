/**
 * Golden files: the runbook of each strategy for the scenario of test/fixtures/migration. After an intended change,
 * regenerate them with `UPDATE_GOLDEN=1 npx vitest run test/unit/migration/runbook.test.ts` and review the diff.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseInventory } from '#lib/migration/inventory-file';
import { buildPlan, type PlanOptions } from '#lib/migration/plan';
import { renderRunbook } from '#lib/migration/runbook';
import type { Inventory } from '#lib/migration/types';
import { REPO_ROOT } from '#test/support/fixtures';

const DIR = path.join(REPO_ROOT, 'test/fixtures/migration');
const now = () => new Date('2026-01-15T12:00:00.000Z');

function inventory(name: string): Inventory {
  return parseInventory(JSON.parse(readFileSync(path.join(DIR, name), 'utf8')), name);
}

function golden(name: string, actual: string): void {
  const file = path.join(DIR, 'golden', name);
  if (process.env.UPDATE_GOLDEN === '1') {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, actual);
  }
  // A missing golden file is a failure, not a pass: UPDATE_GOLDEN=1 writes it, and the diff shows it in review.
  expect(existsSync(file), `${file} is missing; run with UPDATE_GOLDEN=1 to write it`).toBe(true);
  expect(actual).toBe(readFileSync(file, 'utf8'));
}

const all = () => [
  inventory('inventory-owner-111111111111.json'),
  inventory('inventory-delegate-222222222222.json'),
  inventory('inventory-delegate-333333333333.json'),
];

describe('runbook.md', () => {
  it.each<[string, () => Inventory[], PlanOptions]>([
    [
      'runbook-bridge.md',
      all,
      { strategy: 'bridge', bridgeTopicArn: 'arn:aws:sns:us-east-1:444444444444:ses-bridge-intake', now },
    ],
    ['runbook-config-set.md', all, { strategy: 'config-set', now }],
    [
      'runbook-owner-topic.md',
      () => {
        const [owner, acme] = all() as [Inventory, Inventory];
        const id = owner.identities.find((i) => i.identity === 'example.com')!;
        id.authorizedDelegates = ['222222222222'];
        id.notifications.Bounce = { topicArn: null, headersEnabled: false };
        return [owner, acme];
      },
      { strategy: 'owner-topic', now },
    ],
  ])('matches %s', (name, inventories, options) => {
    golden(name, renderRunbook(buildPlan(inventories(), options)));
  });

  it('says there is nothing to migrate when no inventory holds a legacy subscription', () => {
    const runbook = renderRunbook(
      buildPlan([inventory('inventory-owner-111111111111.json')], { strategy: 'config-set', now }),
    );
    expect(runbook).toContain('Nothing to migrate: the inventories show no legacy cross-account notifications.');
    expect(runbook).not.toContain('## Steps');
  });
});
