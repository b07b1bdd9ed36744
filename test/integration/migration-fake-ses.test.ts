/**
 * The migration library over real HTTP: the SDK clients against the fake SES server (awsQuery and REST JSON), for the
 * config-set strategy in the delegates' accounts, the gated and irreversible cleanup, SES rate limits, and the wire
 * details the fake must get right.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { GetIdentityNotificationAttributesCommand, SESClient } from '@aws-sdk/client-ses';
import {
  CreateConfigurationSetCommand,
  GetEmailIdentityCommand,
  ListEmailIdentitiesCommand,
  SESv2Client,
} from '@aws-sdk/client-sesv2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyPlan, rollbackJournal } from '#lib/migration/apply';
import { cleanupGate } from '#lib/migration/gates';
import { buildInventory } from '#lib/migration/inventory';
import { buildPlan } from '#lib/migration/plan';
import { SesSession } from '#lib/migration/ses';
import { StateReader } from '#lib/migration/state';
import type { Inventory, JournalEntry, Plan } from '#lib/migration/types';
import { verifyPlan } from '#lib/migration/verify';
import { FakeSes } from '#test/support/fake-ses-server';
import { REPO_ROOT } from '#test/support/fixtures';

const OWNER = '111111111111';
const ACME = '222222222222';
const BETA = '333333333333';
const ARN = `arn:aws:ses:us-east-1:${OWNER}:identity/example.com`;
const scenario = JSON.parse(readFileSync(path.join(REPO_ROOT, 'test/fixtures/migration/scenario.json'), 'utf8'));

let fake: FakeSes;

function clientConfig(account: string) {
  return {
    region: 'us-east-1',
    endpoint: fake.endpoint(),
    credentials: fake.credentials(account),
    maxAttempts: 1,
    requestHandler: { requestTimeout: 3_000, connectionTimeout: 1_000, throwOnRequestTimeout: true },
  };
}

/** A session acting as `account`; clients per region, since SigV4 carries the region the fake answers for. */
function session(account: string, paceMs = 0, retryBaseMs = 5): SesSession {
  const cache = new Map<string, { ses: SESClient; sesv2: SESv2Client }>();
  const clients = (region: string) => {
    if (!cache.has(region))
      cache.set(region, {
        ses: new SESClient({ ...clientConfig(account), region }),
        sesv2: new SESv2Client({ ...clientConfig(account), region }),
      });
    return cache.get(region)!;
  };
  return new SesSession({ clients, paceMs, retry: { maxAttempts: 8, baseDelayMs: retryBaseMs, maxDelayMs: 200 } });
}

beforeAll(async () => {
  fake = await FakeSes.start({ accounts: [OWNER, ACME, BETA] });
});
afterAll(() => fake.close());

describe('config-set, in the delegates accounts, over HTTP', () => {
  it('creates the configuration sets, sends test mail through them, gates and runs the cleanup, and rolls back what can be', async () => {
    fake.seed(scenario);
    const initial = fake.snapshot();
    const inventories: Inventory[] = [
      await buildInventory({ session: session(OWNER), region: 'us-east-1', accountId: null, identities: 'all' }),
    ];
    for (const account of [ACME, BETA])
      inventories.push(
        await buildInventory({ session: session(account), region: 'us-east-1', accountId: account, identities: [ARN] }),
      );
    const plan: Plan = buildPlan(inventories, { strategy: 'config-set' });

    const journals: Record<string, JournalEntry[]> = { [ACME]: [], [BETA]: [] };
    for (const account of [ACME, BETA]) {
      const result = await applyPlan(plan, {
        reader: new StateReader(session(account)),
        accountId: account,
        phases: ['prepare', 'switch'],
        execute: true,
        journal: (e) => journals[account]!.push(e),
      });
      expect(result.ok).toBe(true);
    }
    expect(fake.snapshot().configurationSets.filter((c) => c.name === 'legacy-feedback')).toEqual([
      {
        region: 'us-east-1',
        accountId: ACME,
        name: 'legacy-feedback',
        eventDestinations: [
          {
            Name: 'legacy-acme-feedback',
            Enabled: true,
            MatchingEventTypes: ['BOUNCE', 'COMPLAINT'],
            SnsDestination: { TopicArn: `arn:aws:sns:us-east-1:${ACME}:acme-feedback` },
          },
        ],
      },
      {
        region: 'us-east-1',
        accountId: BETA,
        name: 'legacy-feedback',
        eventDestinations: [
          {
            Name: 'legacy-beta-bounces',
            Enabled: true,
            MatchingEventTypes: ['BOUNCE'],
            SnsDestination: { TopicArn: `arn:aws:sns:us-east-1:${BETA}:beta-bounces` },
          },
          {
            Name: 'legacy-beta-deliveries',
            Enabled: true,
            MatchingEventTypes: ['DELIVERY'],
            SnsDestination: { TopicArn: `arn:aws:sns:us-east-1:${BETA}:beta-deliveries` },
          },
        ],
      },
    ]);

    // verify --send-test: the delegate sends from the owner's identity with its configuration set.
    const report = await verifyPlan(plan, {
      reader: new StateReader(session(ACME)),
      accountId: ACME,
      phases: ['prepare', 'switch'],
      sendTest: true,
    });
    expect(report.passed).toBe(true);
    expect(report.sendTests.map((t) => [t.to, t.sourceArn, t.configurationSetName, t.error])).toEqual([
      ['bounce@simulator.amazonses.com', ARN, 'legacy-feedback', null],
      ['complaint@simulator.amazonses.com', ARN, 'legacy-feedback', null],
    ]);
    const bounce = fake.sent.find((m) => m.messageId === report.sendTests[0]!.messageId)!;
    expect(bounce.feedback.filter((f) => f.via === 'configuration-set')).toEqual([
      { type: 'Bounce', via: 'configuration-set', topicArn: `arn:aws:sns:us-east-1:${ACME}:acme-feedback` },
    ]);

    // Cleanup: refused without acme's report, and without its canary (delivery proven, migration-canary.test.ts);
    // done with both; the legacy settings are gone.
    expect(cleanupGate(plan, ACME, [])).toHaveLength(2);
    expect(cleanupGate(plan, ACME, [report])).toEqual([
      expect.stringContaining(`no passing canary of account ${ACME} for arn:aws:sns:us-east-1:${ACME}:acme-feedback`),
    ]);
    const proven = {
      ...report,
      canary: {
        passed: true,
        timeoutMs: 300_000,
        interrupted: false,
        destinations: [
          {
            topicArn: `arn:aws:sns:us-east-1:${ACME}:acme-feedback`,
            format: 'event' as const,
            queueArn: `arn:aws:sqs:us-east-1:${ACME}:canary`,
            passed: true,
            duplicates: 0,
            types: [],
          },
        ],
      },
    };
    expect(cleanupGate(plan, ACME, [proven])).toEqual([]);
    const cleanupJournal: JournalEntry[] = [];
    const cleanup = await applyPlan(plan, {
      reader: new StateReader(session(ACME)),
      accountId: ACME,
      phases: ['cleanup'],
      execute: true,
      journal: (e) => cleanupJournal.push(e),
    });
    expect(cleanup.outcomes.filter((o) => o.status === 'changed')).toHaveLength(2);
    expect(fake.crossAccount.has(`${ACME}|${ARN}`)).toBe(false);
    const after = fake.sent.length;
    await verifyPlan(plan, {
      reader: new StateReader(session(ACME)),
      accountId: ACME,
      phases: ['prepare', 'switch'],
      sendTest: true,
    });
    expect(fake.sent.slice(after)[0]!.feedback).toEqual([
      { type: 'Bounce', via: 'identity', topicArn: `arn:aws:sns:us-east-1:${OWNER}:owner-bounces` },
      { type: 'Bounce', via: 'configuration-set', topicArn: `arn:aws:sns:us-east-1:${ACME}:acme-feedback` },
    ]);

    // The cleanup cannot be undone: SES refuses to create a cross-account notification again, and rollback says so.
    const undo = await rollbackJournal(cleanupJournal, { reader: new StateReader(session(ACME)), execute: true });
    expect(undo.ok).toBe(false);
    expect(undo.outcomes[0]!.message).toMatch(
      /^InvalidParameterValue: Cross-account notifications can no longer be created\..*\(SES no longer lets anyone create cross-account notifications/,
    );

    // beta, which did not clean up, rolls back to exactly where it started.
    const back = await rollbackJournal(journals[BETA]!, { reader: new StateReader(session(BETA)), execute: true });
    expect(back.ok).toBe(true);
    const final = fake.snapshot();
    expect(final.configurationSets.filter((c) => c.accountId === BETA)).toEqual(
      initial.configurationSets.filter((c) => c.accountId === BETA),
    );
    expect(final.crossAccount.filter((c) => c.delegateAccountId === BETA)).toEqual(
      initial.crossAccount.filter((c) => c.delegateAccountId === BETA),
    );
  });
});

describe('SES rate limits', () => {
  it('pacing keeps SES v1 calls under the limit; without it, throttling is retried until the calls get through', async () => {
    const names = Array.from({ length: 6 }, (_, i) => `app${i}.example`);
    for (const name of names)
      fake.addIdentity({
        region: 'eu-west-1',
        accountId: OWNER,
        name,
        topics: { Bounce: `arn:aws:sns:eu-west-1:${OWNER}:old` },
      });
    const plan = (topic: string): Plan => ({
      version: 1,
      planId: 'rate',
      digest: 'sha256:none',
      hmac: null,
      strategy: 'bridge',
      generatedAt: '2026-01-15T12:00:00.000Z',
      options: { format: null, bridgeTopicArn: null, bridgePrincipal: null, configSetName: null },
      inventories: [],
      identities: [],
      warnings: [],
      routes: null,
      steps: names.map((name, i) => ({
        id: `${i}`,
        phase: 'switch',
        role: 'owner',
        account: OWNER,
        region: 'eu-west-1',
        title: name,
        action: {
          api: 'ses:SetIdentityNotificationTopic',
          params: { Identity: name, NotificationType: 'Bounce', SnsTopic: topic },
        },
        // Applied twice over (paced, then not): no compare-and-set against an inventory here.
        seen: null,
        revert: { description: '', action: null, reversible: true },
        dependsOn: [],
      })),
    });
    fake.v1IntervalMs = 100;
    try {
      const paced = session(OWNER, 160);
      let started = Date.now();
      expect(
        (
          await applyPlan(plan(`arn:aws:sns:eu-west-1:${OWNER}:paced`), {
            reader: new StateReader(paced),
            accountId: OWNER,
            phases: ['switch'],
            execute: true,
          })
        ).ok,
      ).toBe(true);
      const pacedMs = Date.now() - started;
      expect(paced.retries).toBe(0);

      const unpaced = session(OWNER, 0, 50);
      started = Date.now();
      expect(
        (
          await applyPlan(plan(`arn:aws:sns:eu-west-1:${OWNER}:unpaced`), {
            reader: new StateReader(unpaced),
            accountId: OWNER,
            phases: ['switch'],
            execute: true,
          })
        ).ok,
      ).toBe(true);
      expect(unpaced.retries).toBeGreaterThan(0);
      // 1 read + 6 writes, 160 ms apart (slack for arrival jitter on a loaded machine): at least 960 ms.
      expect(pacedMs).toBeGreaterThanOrEqual(900);
      console.log(
        `rate limit 1 call/100 ms: paced 160 ms took ${pacedMs} ms with 0 retries; unpaced took ${Date.now() - started} ms with ${unpaced.retries} throttling retries`,
      );
    } finally {
      fake.v1IntervalMs = 0;
    }
    expect(
      names.every(
        (n) =>
          fake.identities.get(`eu-west-1|${OWNER}|${n}`)!.topics.Bounce === `arn:aws:sns:eu-west-1:${OWNER}:unpaced`,
      ),
    ).toBe(true);
  });

  it('retries SESv2 TooManyRequestsException and SES v1 server errors', async () => {
    fake.failNext('CreateConfigurationSet', 'TooManyRequestsException', 2);
    fake.failNext('GetIdentityNotificationAttributes', 'InternalFailure', 1);
    const s = session(BETA);
    await s.createConfigurationSet('us-east-1', 'retried');
    await s.notificationAttributes('us-east-1', [ARN]);
    expect(s.retries).toBe(3);
    expect(fake.configurationSets.has(`us-east-1|${BETA}|retried`)).toBe(true);
  });
});

describe('the fake SES server speaks the wire protocols', () => {
  it('answers SESv2 errors with the codes the SDK maps to its exception classes', async () => {
    const v2 = new SESv2Client(clientConfig(OWNER));
    await expect(v2.send(new GetEmailIdentityCommand({ EmailIdentity: 'nobody@example.net' }))).rejects.toMatchObject({
      name: 'NotFoundException',
      $metadata: { httpStatusCode: 404 },
    });
    await v2.send(new CreateConfigurationSetCommand({ ConfigurationSetName: 'twice' }));
    await expect(v2.send(new CreateConfigurationSetCommand({ ConfigurationSetName: 'twice' }))).rejects.toMatchObject({
      name: 'AlreadyExistsException',
    });
    await expect(
      v2.send(new CreateConfigurationSetCommand({ ConfigurationSetName: 'bad name!' })),
    ).rejects.toMatchObject({ name: 'BadRequestException' });
  });

  it('answers SES v1 errors and limits as SES does', async () => {
    const v1 = new SESClient(clientConfig(OWNER));
    const many = Array.from({ length: 101 }, (_, i) => `x${i}.example`);
    await expect(v1.send(new GetIdentityNotificationAttributesCommand({ Identities: many }))).rejects.toMatchObject({
      name: 'InvalidParameterValue',
      $metadata: { httpStatusCode: 400 },
    });
    // An email identity's ARN answers under the ARN it was asked with; unknown identities are left out.
    const out = await v1.send(
      new GetIdentityNotificationAttributesCommand({
        Identities: [`arn:aws:ses:us-east-1:${OWNER}:identity/news@example.org`, 'unknown.example'],
      }),
    );
    expect(Object.keys(out.NotificationAttributes!)).toEqual([
      `arn:aws:ses:us-east-1:${OWNER}:identity/news@example.org`,
    ]);
    expect(
      out.NotificationAttributes![`arn:aws:ses:us-east-1:${OWNER}:identity/news@example.org`]!.ForwardingEnabled,
    ).toBe(false);
  });

  it('pages ListIdentities and ListEmailIdentities', async () => {
    for (let i = 0; i < 1200; i++)
      fake.addIdentity({
        region: 'ap-southeast-2',
        accountId: BETA,
        name: `user${String(i).padStart(4, '0')}@example.com`,
      });
    const s = session(BETA);
    const started = Date.now();
    expect(await s.listIdentities('ap-southeast-2')).toHaveLength(1200);
    expect(s.callCounts()).toEqual({ 'ses:ListIdentities': 2 });
    const v2 = new SESv2Client({ ...clientConfig(BETA), region: 'ap-southeast-2' });
    const first = await v2.send(new ListEmailIdentitiesCommand({ PageSize: 1000 }));
    expect(first.EmailIdentities).toHaveLength(1000);
    expect(
      (await v2.send(new ListEmailIdentitiesCommand({ PageSize: 1000, NextToken: first.NextToken }))).EmailIdentities,
    ).toHaveLength(200);

    // Figure: inventory of 1200 identities with pacing off (12 paced GetIdentityNotificationAttributes calls).
    const inventory = await buildInventory({
      session: s,
      region: 'ap-southeast-2',
      accountId: BETA,
      identities: 'all',
    });
    expect(inventory.identities).toHaveLength(1200);
    expect(s.callCounts()['ses:GetIdentityNotificationAttributes']).toBe(12);
    console.log(
      `inventory of 1200 identities over HTTP, pacing off: ${Date.now() - started} ms, calls ${JSON.stringify(s.callCounts())}`,
    );
  });
});
