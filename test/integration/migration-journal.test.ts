/**
 * Journals bound to their plan, compare-and-set and sealed plans, through the real CLI against the local SES/STS
 * server: a forged or foreign journal line changes nothing, a truncated last line is skipped and the rest rolls
 * back, a value changed since the inventory is a conflict (not overwritten, not removed), and an HMAC key closes
 * the hand-edited plan with a recomputed digest.
 */
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { planDigest } from '#lib/migration/plan';
import { planDocumentDigest } from '#lib/migration/seal';
import { FakeSes } from '#test/support/fake-ses-server';
import { REPO_ROOT } from '#test/support/fixtures';
import { type CliRun, runMigrate } from '#test/support/migrate-cli';

const OWNER = '111111111111';
const ACME = '222222222222';
const BETA = '333333333333';
const BRIDGE = '444444444444';
const BRIDGE_TOPIC = `arn:aws:sns:us-east-1:${BRIDGE}:ses-bridge-intake`;
const ACME_TOPIC = `arn:aws:sns:us-east-1:${ACME}:acme-feedback`;
const ARN = `arn:aws:ses:us-east-1:${OWNER}:identity/example.com`;
const FIXTURES = path.join(REPO_ROOT, 'test/fixtures/migration');
const scenario = JSON.parse(readFileSync(path.join(FIXTURES, 'scenario.json'), 'utf8'));
const INVENTORIES = [OWNER, ACME, BETA].flatMap((a) => [
  '--inventory',
  path.join(FIXTURES, a === OWNER ? `inventory-owner-${a}.json` : `inventory-delegate-${a}.json`),
]);

let fake: FakeSes;
let dir: string;
const migrate = (account: string, args: string[], env?: Record<string, string>) =>
  runMigrate(fake, account, args, { cwd: dir, ...(env ? { env } : {}) });
const json = (run: CliRun) => JSON.parse(run.stdout);
const file = (name: string) => path.join(dir, name);
const lines = (name: string) => readFileSync(file(name), 'utf8').trimEnd().split('\n');

beforeAll(async () => {
  fake = await FakeSes.start({ accounts: [OWNER, ACME, BETA, BRIDGE] });
  dir = mkdtempSync(path.join(tmpdir(), 'ses-bridge-journal-'));
  for (const [strategy, extra] of [
    ['bridge', ['--bridge-topic', BRIDGE_TOPIC]],
    ['config-set', []],
  ] as const) {
    const planned = await migrate(OWNER, ['plan', ...INVENTORIES, '--strategy', strategy, ...extra, '--out', strategy]);
    expect(planned.code).toBe(0);
  }
});
afterAll(async () => {
  await fake.close();
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => {
  fake.identities.clear();
  fake.crossAccount.clear();
  fake.configurationSets.clear();
  fake.seed(scenario);
});

/**
 * The bridge operator's cutover of the bridge plan: parity reports (hand-written here, passing: no bridge runs in this
 * test; migration-parity.test.ts makes real ones), `apply --phase cutover` on a copy of routes.json, and the verify
 * report covering the cutover that the delegates' cleanup needs.
 */
async function cutOver(): Promise<void> {
  const plan = JSON.parse(readFileSync(file('bridge/plan.json'), 'utf8'));
  const shadowed = plan.routes.routes.filter((r: any) => r.mode === 'shadow');
  const reports = [ACME, BETA].map((account) => {
    const name = `parity-${account}.json`;
    const destinations = shadowed
      .filter((r: any) => r.to.topicArn.split(':')[4] === account)
      .map((r: any) => ({ route: r.name, topicArn: r.to.topicArn, shadowTopicArn: r.shadowTopicArn, passed: true }));
    writeFileSync(
      file(name),
      JSON.stringify({
        v: 1,
        report: 'ses-bridge-parity',
        planId: plan.planId,
        accountId: account,
        checkedAt: new Date().toISOString(),
        passed: true,
        destinations,
      }),
    );
    return ['--parity-report', name];
  });
  writeFileSync(file('routes.json'), readFileSync(file('bridge/routes.json')));
  const routes = ['--routes', 'routes.json'];
  const cut = await apply(BRIDGE, 'bridge', 'bridge-cutover.ndjson', [
    '--phase',
    'cutover',
    ...routes,
    ...reports.flat(),
  ]);
  expect(cut.code).toBe(0);
  expect(json(cut).counts).toMatchObject({ changed: 3 });
  const verify = ['verify', '--plan', 'bridge/plan.json', '--account-id', BRIDGE, '--phase', 'prepare,switch,cutover'];
  expect((await migrate(BRIDGE, [...verify, ...routes, '--out', `verify-${BRIDGE}.json`])).code).toBe(0);
}

const apply = (account: string, plan: string, journal: string, more: string[] = []) =>
  migrate(account, [
    'apply',
    '--plan',
    `${plan}/plan.json`,
    '--account-id',
    account,
    '--execute',
    '--journal',
    journal,
    ...more,
  ]);
const rollback = (account: string, plan: string, journal: string) =>
  migrate(account, [
    'rollback',
    '--journal',
    journal,
    '--plan',
    `${plan}/plan.json`,
    '--account-id',
    account,
    '--execute',
  ]);

describe('journals bound to their plan', () => {
  it('starts with a header naming the plan, its digest and the account, and records before and after', async () => {
    expect((await apply(ACME, 'config-set', 'acme.ndjson')).code).toBe(0);
    const plan = JSON.parse(readFileSync(file('config-set/plan.json'), 'utf8'));
    const [header, ...entries] = lines('acme.ndjson').map((l) => JSON.parse(l));
    expect(header).toEqual({
      v: 2,
      journal: 'ses-bridge-migration',
      planId: plan.planId,
      planDigest: plan.digest,
      account: ACME,
      createdAt: expect.any(String),
    });
    expect(entries.map((e) => [e.action.api, e.before, e.after])).toEqual([
      [
        'sesv2:CreateConfigurationSet',
        { kind: 'configuration-set', exists: false },
        { kind: 'configuration-set', exists: true },
      ],
      [
        'sesv2:CreateConfigurationSetEventDestination',
        { kind: 'event-destination', destination: null },
        {
          kind: 'event-destination',
          destination: {
            Enabled: true,
            MatchingEventTypes: ['BOUNCE', 'COMPLAINT'],
            SnsDestination: { TopicArn: ACME_TOPIC },
          },
        },
      ],
    ]);
  });

  it('refuses forged and foreign lines, and deletes nothing the plan did not create', async () => {
    expect((await apply(ACME, 'config-set', 'forged.ndjson')).code).toBe(0);
    const [, create] = lines('forged.ndjson').map((l) => JSON.parse(l));
    const forged = [
      // The plan's own step, aimed at the delegate's unrelated configuration set.
      { ...create, action: { api: 'sesv2:CreateConfigurationSet', params: { ConfigurationSetName: 'marketing' } } },
      // A step the plan does not have.
      { ...create, stepId: '99-delegate-create-configuration-set-marketing' },
      // Another plan's line.
      { ...create, planId: '0123456789abcdef' },
      // Another account's line.
      { ...create, account: BETA },
    ];
    for (const entry of forged) appendFileSync(file('forged.ndjson'), `${JSON.stringify(entry)}\n`);
    const before = fake.snapshot();
    const run = await rollback(ACME, 'config-set', 'forged.ndjson');
    expect(run.stderr).toBe(
      [
        'ses-bridge migrate rollback: refused:',
        `  - line 4 (${create.stepId}): its action is not the plan step's`,
        '  - line 5 (99-delegate-create-configuration-set-marketing): the plan has no such step',
        `  - line 6 (${create.stepId}): an entry of plan 0123456789abcdef, not this journal's`,
        `  - line 7 (${create.stepId}): an entry of account ${BETA}, not this journal's ${ACME}`,
        'Nothing was rolled back: the journal holds entries this plan could not have produced (edited, or another journal).',
        '',
      ].join('\n'),
    );
    expect(run.code).toBe(1);
    expect(fake.snapshot()).toEqual(before);
    expect(fake.configurationSets.has(`us-east-1|${ACME}|marketing`)).toBe(true);
  });

  it('refuses a journal of another plan, and an entry that would delete a configuration set the inventory saw', async () => {
    expect((await apply(ACME, 'config-set', 'other.ndjson')).code).toBe(0);
    const plan = JSON.parse(readFileSync(file('bridge/plan.json'), 'utf8'));
    const configSetPlan = JSON.parse(readFileSync(file('config-set/plan.json'), 'utf8'));
    const wrongPlan = await rollback(ACME, 'bridge', 'other.ndjson');
    expect(wrongPlan.stderr.split('\n').slice(0, 2)).toEqual([
      'ses-bridge migrate rollback: refused:',
      `  - the journal is of plan ${configSetPlan.planId}, not ${plan.planId} (--plan)`,
    ]);
    expect(wrongPlan.code).toBe(1);
  });

  it('skips a truncated last line, says so, and rolls back the rest', async () => {
    expect((await apply(OWNER, 'bridge', 'owner.ndjson')).code).toBe(0);
    const all = lines('owner.ndjson');
    expect(all).toHaveLength(5);
    const cut = all[4]!.slice(0, 60);
    writeFileSync(file('owner.ndjson'), `${all.slice(0, 4).join('\n')}\n${cut}`);
    const lastStep = JSON.parse(all[4]!).stepId;
    const run = await rollback(OWNER, 'bridge', 'owner.ndjson');
    expect(run.stderr.split('\n')[0]).toBe(
      'rollback: owner.ndjson line 5 is truncated (a crash while apply wrote it?): skipped; if that step changed SES, undo it by hand (verify shows it). The rest rolls back.',
    );
    expect(run.code).toBe(0);
    expect(json(run)).toMatchObject({ truncatedLine: 5, counts: { changed: 3 } });
    expect(json(run).outcomes.map((o: any) => o.stepId)).not.toContain(lastStep);
    const identity = fake.identities.get(`us-east-1|${OWNER}|example.com`)!;
    // Bounce, Complaint and the Bounce headers flag restored; Delivery (the cut line) still on the bridge.
    expect(identity.topics).toEqual({
      Bounce: `arn:aws:sns:us-east-1:${OWNER}:owner-bounces`,
      Complaint: null,
      Delivery: BRIDGE_TOPIC,
    });
  });
});

describe('compare-and-set', () => {
  it('does not overwrite a value changed since the inventory, names both, and applies it with --force STEP', async () => {
    const identity = fake.identities.get(`us-east-1|${OWNER}|example.com`)!;
    const theirs = `arn:aws:sns:us-east-1:${OWNER}:someone-elses`;
    identity.topics.Bounce = theirs;
    const plan = JSON.parse(readFileSync(file('bridge/plan.json'), 'utf8'));
    const step = plan.steps.find((s: any) => s.id.includes('set-bounce-topic')).id;
    const run = await apply(OWNER, 'bridge', 'conflict.ndjson');
    expect(run.code).toBe(1);
    const outcome = json(run).outcomes.find((o: any) => o.stepId === step);
    expect(outcome).toMatchObject({
      status: 'conflict',
      message: `live value is ${theirs}, but the inventory saw arn:aws:sns:us-east-1:${OWNER}:owner-bounces (the plan sets ${BRIDGE_TOPIC}): changed since the inventory; not applied (inventory and plan again, or --force ${step})`,
    });
    expect(identity.topics.Bounce).toBe(theirs);
    const forced = await apply(OWNER, 'bridge', 'conflict.ndjson', ['--force', step]);
    expect(forced.code).toBe(0);
    expect(identity.topics.Bounce).toBe(BRIDGE_TOPIC);
  });

  it("re-reads before each cleanup removal and keeps a delegate's topic changed since the inventory", async () => {
    expect((await apply(OWNER, 'bridge', 'owner-cas.ndjson')).code).toBe(0);
    const verified = await migrate(OWNER, [
      'verify',
      '--plan',
      'bridge/plan.json',
      '--account-id',
      OWNER,
      '--out',
      'verify-owner.json',
    ]);
    expect(verified.code).toBe(0);
    // After the inventory, acme points its Complaint topic elsewhere; its Bounce topic is still the inventoried one.
    const legacy = fake.crossAccount.get(`${ACME}|${ARN}`)!;
    legacy.topics.Complaint = `arn:aws:sns:us-east-1:${ACME}:new-complaints`;
    // acme's own report with a passing canary: no bridge runs here to carry feedback to acme's topic, so the canary
    // part is the one a bridge deployment would have given (migration-canary.test.ts runs a real one).
    const acme = await migrate(ACME, [
      'verify',
      '--plan',
      'bridge/plan.json',
      '--account-id',
      ACME,
      '--out',
      'verify-acme.json',
    ]);
    expect(acme.code).toBe(0);
    const report = JSON.parse(readFileSync(file('verify-acme.json'), 'utf8'));
    report.canary = {
      passed: true,
      timeoutMs: 300_000,
      interrupted: false,
      destinations: [
        { topicArn: ACME_TOPIC, format: 'notification', queueArn: 'q', passed: true, duplicates: 0, types: [] },
      ],
    };
    writeFileSync(file('verify-acme.json'), JSON.stringify(report));
    const cleanup = ['--phase', 'cleanup', '--verified', 'verify-owner.json', '--verified', 'verify-acme.json'];
    // Before the cutover the legacy path is the only live one for acme: cleanup is refused, and nothing changes.
    const early = await apply(ACME, 'bridge', 'acme-cleanup.ndjson', cleanup);
    expect(early.code).toBe(1);
    expect(early.stderr).toBe(
      `ses-bridge migrate apply: refused:\n  - no passing verify report of account ${BRIDGE} covering the cutover: the delegates' routes must be live before the legacy path is removed; once "apply --phase cutover" ran and the routes file is deployed, run "ses-bridge migrate verify --plan plan.json --account-id ${BRIDGE} --phase prepare,switch,cutover --routes routes.json --out verify-${BRIDGE}.json" with ${BRIDGE}'s credentials and pass the file with --verified\nCleanup removes the legacy cross-account settings for good; it runs only after verify passed everywhere.\n`,
    );
    expect(legacy.topics.Bounce).toBe(ACME_TOPIC);
    await cutOver();
    const run = await apply(ACME, 'bridge', 'acme-cleanup.ndjson', [...cleanup, '--verified', `verify-${BRIDGE}.json`]);
    expect(run.code).toBe(1);
    expect(
      json(run)
        .outcomes.filter((o: any) => o.status !== 'skipped')
        .map((o: any) => [o.status, o.message.slice(0, 80)]),
    ).toEqual([
      ['changed', `${ACME_TOPIC} (headers on) -> no topic`],
      [
        'conflict',
        `live value is arn:aws:sns:us-east-1:${ACME}:new-complaints, but the inventory saw ${ACME_TOPIC}`.slice(0, 80),
      ],
    ]);
    expect(legacy.topics).toEqual({
      Bounce: null,
      Complaint: `arn:aws:sns:us-east-1:${ACME}:new-complaints`,
      Delivery: null,
    });
  });
});

describe('sealed plans', () => {
  /** A plan edited by hand with planId and digest recomputed: what an editor who read the code would do. */
  function reseal(from: string, to: string, edit: (plan: any) => void): void {
    const plan = JSON.parse(readFileSync(file(`${from}/plan.json`), 'utf8'));
    edit(plan);
    plan.planId = planDigest(plan.strategy, plan.steps, plan.routes);
    plan.digest = planDocumentDigest(plan);
    rmSync(file(to), { recursive: true, force: true });
    mkdirSync(file(to), { recursive: true });
    writeFileSync(file(`${to}/plan.json`), JSON.stringify(plan));
  }

  it('catches accidents by digest; with SES_BRIDGE_PLAN_HMAC_KEY, also an edit with a recomputed digest', async () => {
    const key = { SES_BRIDGE_PLAN_HMAC_KEY: 'k-0123456789abcdef' };
    const signed = await migrate(
      OWNER,
      ['plan', ...INVENTORIES, '--strategy', 'bridge', '--bridge-topic', BRIDGE_TOPIC, '--out', 'signed'],
      key,
    );
    expect(signed.code).toBe(0);
    expect(JSON.parse(readFileSync(file('signed/plan.json'), 'utf8')).hmac).toMatch(/^hmac-sha256:[0-9a-f]{64}$/);
    const dry = ['apply', '--account-id', OWNER];
    expect((await migrate(OWNER, [...dry, '--plan', 'signed/plan.json'], key)).code).toBe(0);

    const evil = `arn:aws:sns:us-east-1:999999999999:evil`;
    reseal('signed', 'edited', (plan) => {
      for (const step of plan.steps)
        if (step.action.params.SnsTopic === BRIDGE_TOPIC) step.action.params.SnsTopic = evil;
    });
    // Without the key the recomputed digest passes: the digest is no defence against a malicious editor.
    const unkeyed = await migrate(OWNER, [...dry, '--plan', 'edited/plan.json']);
    expect(unkeyed.code).toBe(0);
    expect(unkeyed.stderr).toContain(`-> ${evil}`);
    const keyed = await migrate(OWNER, [...dry, '--plan', 'edited/plan.json'], key);
    expect(keyed.stderr).toBe(
      'ses-bridge migrate apply: edited/plan.json: hmac does not match SES_BRIDGE_PLAN_HMAC_KEY: the plan was changed or signed with another key\n',
    );
    expect(keyed.code).toBe(2);
    const unsigned = await migrate(OWNER, [...dry, '--plan', 'bridge/plan.json'], key);
    expect(unsigned.stderr).toBe(
      'ses-bridge migrate apply: bridge/plan.json: hmac is missing, but SES_BRIDGE_PLAN_HMAC_KEY is set: only plans signed with that key are accepted (run plan with it)\n',
    );
  });
});
