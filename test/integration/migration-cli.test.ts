/**
 * End to end: the real CLI (child processes, real SDK over HTTP) against the fake SES server on 127.0.0.1.
 * inventory -> plan -> apply -> verify -> rollback, and the final state equals the initial one.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeSes } from '#test/support/fake-ses-server';
import { REPO_ROOT } from '#test/support/fixtures';
import { type CliRun, runMigrate } from '#test/support/migrate-cli';

const OWNER = '111111111111';
const ACME = '222222222222';
const BETA = '333333333333';
const IDENTITY_ARN = `arn:aws:ses:us-east-1:${OWNER}:identity/example.com`;
const BRIDGE_TOPIC = 'arn:aws:sns:us-east-1:444444444444:ses-bridge-intake';
const scenario = JSON.parse(readFileSync(path.join(REPO_ROOT, 'test/fixtures/migration/scenario.json'), 'utf8'));

let fake: FakeSes;
let dir: string;

/** Runs `ses-bridge migrate ...` as `account`. */
function migrate(account: string, args: string[]): Promise<CliRun> {
  return runMigrate(fake, account, args, { cwd: dir });
}

function json(run: CliRun): any {
  return JSON.parse(run.stdout);
}

beforeAll(async () => {
  fake = await FakeSes.start({ accounts: [OWNER, ACME, BETA] });
  dir = mkdtempSync(path.join(tmpdir(), 'ses-bridge-migrate-'));
});

afterAll(async () => {
  await fake.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('ses-bridge migrate, end to end against the fake SES server', () => {
  it('inventories, plans the bridge, applies, verifies, refuses an early cleanup and rolls back to the initial state', async () => {
    fake.seed(scenario);
    const initial = fake.snapshot();

    // Inventory: the owner (account derived from its policy), then each delegate over the identity ARN.
    const owner = await migrate(OWNER, ['inventory', '--all', '--out', 'owner.json']);
    expect(owner.stderr).not.toContain('failed');
    expect(owner.code).toBe(0);
    const ownerInventory = JSON.parse(readFileSync(path.join(dir, 'owner.json'), 'utf8'));
    expect(ownerInventory.accountId).toBe(OWNER);
    expect(ownerInventory.identities.find((i: any) => i.identity === 'example.com')).toEqual({
      identity: 'example.com',
      identityArn: IDENTITY_ARN,
      ownerAccountId: OWNER,
      notifications: {
        Bounce: { topicArn: `arn:aws:sns:us-east-1:${OWNER}:owner-bounces`, headersEnabled: false },
        Complaint: { topicArn: null, headersEnabled: false },
        Delivery: { topicArn: null, headersEnabled: false },
      },
      forwardingEnabled: true,
      authorizedDelegates: [ACME, BETA],
      configurationSet: 'owner-defaults',
    });
    for (const delegate of [ACME, BETA]) {
      const run = await migrate(delegate, [
        'inventory',
        '--account-id',
        delegate,
        '--identities',
        IDENTITY_ARN,
        '--out',
        `${delegate}.json`,
      ]);
      expect(run.code).toBe(0);
    }
    const acme = JSON.parse(readFileSync(path.join(dir, `${ACME}.json`), 'utf8'));
    expect(acme.identities[0].notifications.Bounce).toEqual({
      topicArn: `arn:aws:sns:us-east-1:${ACME}:acme-feedback`,
      headersEnabled: true,
    });

    // owner-topic is refused: two delegates share example.com.
    const refused = await migrate(OWNER, [
      'plan',
      '--inventory',
      'owner.json',
      '--inventory',
      `${ACME}.json`,
      '--inventory',
      `${BETA}.json`,
      '--strategy',
      'owner-topic',
      '--out',
      'refused',
    ]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(
      `example.com: 2 delegates use it (${ACME}, ${BETA}); with owner-topic their feedback would all land on one topic`,
    );
    expect(refused.stderr).toContain('Use --strategy bridge');

    const planned = await migrate(OWNER, [
      'plan',
      '--inventory',
      'owner.json',
      '--inventory',
      `${ACME}.json`,
      '--inventory',
      `${BETA}.json`,
      '--strategy',
      'bridge',
      '--bridge-topic',
      BRIDGE_TOPIC,
      '--out',
      'plan',
    ]);
    expect(planned.code).toBe(0);
    expect(json(planned)).toMatchObject({
      strategy: 'bridge',
      identities: 1,
      accounts: [ACME, BETA, OWNER, '444444444444'],
    });
    const routes = JSON.parse(readFileSync(path.join(dir, 'plan/routes.json'), 'utf8'));
    expect(routes.routes.map((r: any) => r.name)).toEqual([
      `delegate-${ACME}-acme-feedback`,
      `delegate-${BETA}-beta-bounces`,
      `delegate-${BETA}-beta-deliveries`,
      `owner-${OWNER}-owner-bounces`,
    ]);

    // Dry run: reports, changes nothing.
    const dry = await migrate(OWNER, ['apply', '--plan', 'plan/plan.json', '--account-id', OWNER]);
    expect(dry.code).toBe(0);
    expect(json(dry).counts).toMatchObject({ 'would-change': 4 });
    expect(fake.snapshot()).toEqual(initial);

    const applied = await migrate(OWNER, [
      'apply',
      '--plan',
      'plan/plan.json',
      '--account-id',
      OWNER,
      '--execute',
      '--journal',
      'journal-owner.ndjson',
    ]);
    expect(applied.code).toBe(0);
    expect(json(applied).counts).toMatchObject({ changed: 4 });
    expect(applied.stderr).toMatch(
      /\[2\/5\] \d\d-owner-set-bounce-topic-example\.com: changed arn:aws:sns:us-east-1:111111111111:owner-bounces -> arn:aws:sns:us-east-1:444444444444:ses-bridge-intake/,
    );
    const identity = fake.identities.get(`us-east-1|${OWNER}|example.com`)!;
    expect(identity.topics).toEqual({ Bounce: BRIDGE_TOPIC, Complaint: BRIDGE_TOPIC, Delivery: BRIDGE_TOPIC });
    expect(identity.headers).toEqual({ Bounce: true, Complaint: false, Delivery: false });

    // Idempotent: a second run changes nothing and journals nothing.
    const journal = readFileSync(path.join(dir, 'journal-owner.ndjson'), 'utf8');
    const again = await migrate(OWNER, [
      'apply',
      '--plan',
      'plan/plan.json',
      '--account-id',
      OWNER,
      '--execute',
      '--journal',
      'journal-owner.ndjson',
    ]);
    expect(again.code).toBe(0);
    expect(json(again).counts).toMatchObject({ unchanged: 4 });
    expect(json(again).counts.changed).toBeUndefined();
    expect(readFileSync(path.join(dir, 'journal-owner.ndjson'), 'utf8')).toBe(journal);

    // Verify with test sends: the owner's mail and each delegate's mail now notify the bridge intake topic.
    const verified = await migrate(OWNER, [
      'verify',
      '--plan',
      'plan/plan.json',
      '--account-id',
      OWNER,
      '--send-test',
      '--out',
      'verify-owner.json',
    ]);
    expect(verified.code).toBe(0);
    expect(json(verified)).toMatchObject({ passed: true, accountId: OWNER });
    const acmeTest = await migrate(ACME, [
      'verify',
      '--plan',
      'plan/plan.json',
      '--account-id',
      ACME,
      '--send-test',
      '--out',
      'verify-acme.json',
    ]);
    expect(acmeTest.code).toBe(0);
    const acmeSends = fake.sent.filter((m) => m.accountId === ACME);
    expect(acmeSends.map((m) => m.to[0])).toEqual([
      'bounce@simulator.amazonses.com',
      'complaint@simulator.amazonses.com',
    ]);
    expect(acmeSends[0]!.feedback).toEqual([
      { type: 'Bounce', via: 'identity', topicArn: BRIDGE_TOPIC },
      { type: 'Bounce', via: 'cross-account', topicArn: `arn:aws:sns:us-east-1:${ACME}:acme-feedback` },
    ]);

    // Cleanup before the owner's verify report is handed over: refused.
    const early = await migrate(ACME, [
      'apply',
      '--plan',
      'plan/plan.json',
      '--account-id',
      ACME,
      '--phase',
      'cleanup',
      '--execute',
    ]);
    expect(early.code).toBe(1);
    expect(early.stderr).toContain(`no passing verify report of account ${OWNER} for this plan`);

    // Drift is reported with exit 1 (someone changes the Delivery topic by hand), then put back.
    identity.topics.Delivery = null;
    const drift = await migrate(OWNER, ['verify', '--plan', 'plan/plan.json', '--account-id', OWNER]);
    expect(drift.code).toBe(1);
    expect(json(drift).checks.find((c: any) => c.status === 'drift').message).toBe(
      `expected ${BRIDGE_TOPIC}, found no topic`,
    );
    identity.topics.Delivery = BRIDGE_TOPIC;

    const rolledBack = await migrate(OWNER, [
      'rollback',
      '--journal',
      'journal-owner.ndjson',
      '--plan',
      'plan/plan.json',
      '--account-id',
      OWNER,
      '--execute',
    ]);
    expect(rolledBack.code).toBe(0);
    expect(json(rolledBack).counts).toEqual({ changed: 4 });
    expect(fake.snapshot()).toEqual(initial);

    // Rolling back twice is harmless.
    const twice = await migrate(OWNER, [
      'rollback',
      '--journal',
      'journal-owner.ndjson',
      '--plan',
      'plan/plan.json',
      '--account-id',
      OWNER,
      '--execute',
    ]);
    expect(json(twice).counts).toEqual({ unchanged: 4 });
  }, 180_000);
});
