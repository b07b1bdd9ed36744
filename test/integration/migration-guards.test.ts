/**
 * The identity guard, through the real CLI against the local SES/STS server: every command that reads or writes AWS
 * asks STS whose credentials are in use and refuses, in one line and before any SES call, when that account is not
 * the one it was told.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FakeSes } from '#test/support/fake-ses-server';
import { REPO_ROOT } from '#test/support/fixtures';
import { runMigrate } from '#test/support/migrate-cli';

const OWNER = '111111111111';
const ACME = '222222222222';
const BETA = '333333333333';
const BRIDGE_TOPIC = 'arn:aws:sns:us-east-1:444444444444:ses-bridge-intake';
const FIXTURES = path.join(REPO_ROOT, 'test/fixtures/migration');
const scenario = JSON.parse(readFileSync(path.join(FIXTURES, 'scenario.json'), 'utf8'));

let fake: FakeSes;
let dir: string;
const migrate = (account: string | null, args: string[], env?: Record<string, string>) =>
  runMigrate(fake, account, args, { cwd: dir, ...(env ? { env } : {}) });

beforeAll(async () => {
  fake = await FakeSes.start({ accounts: [OWNER, ACME, BETA] });
  dir = mkdtempSync(path.join(tmpdir(), 'ses-bridge-guards-'));
  const planned = await migrate(OWNER, [
    'plan',
    ...[OWNER, ACME, BETA].flatMap((a) => [
      '--inventory',
      path.join(FIXTURES, a === OWNER ? `inventory-owner-${a}.json` : `inventory-delegate-${a}.json`),
    ]),
    '--strategy',
    'bridge',
    '--bridge-topic',
    BRIDGE_TOPIC,
    '--out',
    'plan',
  ]);
  expect(planned.code).toBe(0);
});
afterAll(async () => {
  await fake.close();
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => {
  fake.identities.clear();
  fake.crossAccount.clear();
  fake.configurationSets.clear();
  fake.calls.length = 0;
  fake.seed(scenario);
});

/** The one line every wrong-account refusal prints. */
const wrongAccount = (command: string, caller: string, source: string, claimed: string) =>
  `ses-bridge migrate ${command}: refused: the credentials in use are of account ${caller}, but ${source} is ${claimed}: nothing was read or changed\n`;

describe('the identity guard', () => {
  it('refuses apply, verify and cleanup run with another account than --account-id, before any SES call', async () => {
    const initial = fake.snapshot();
    const runs = [
      ['apply', ['apply', '--plan', 'plan/plan.json', '--account-id', OWNER, '--execute']],
      ['verify', ['verify', '--plan', 'plan/plan.json', '--account-id', OWNER, '--send-test']],
      [
        'apply',
        ['apply', '--plan', 'plan/plan.json', '--account-id', ACME, '--phase', 'cleanup', '--execute'],
        OWNER,
        ACME,
      ],
    ] as const;
    for (const [command, args, caller = ACME, claimed = OWNER] of runs) {
      const run = await migrate(caller, [...args]);
      expect(run.stderr).toBe(wrongAccount(command, caller, '--account-id', claimed));
      expect(run.code).toBe(1);
      expect(run.stdout).toBe('');
    }
    expect(fake.calls).toEqual([]);
    expect(fake.sent).toEqual([]);
    expect(fake.snapshot()).toEqual(initial);
  });

  it("refuses a rollback with another account's credentials, or of another account's journal", async () => {
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
    const after = fake.snapshot();
    fake.calls.length = 0;

    const stolen = await migrate(ACME, [
      'rollback',
      '--journal',
      'journal-owner.ndjson',
      '--plan',
      'plan/plan.json',
      '--account-id',
      OWNER,
      '--execute',
    ]);
    expect(stolen.stderr).toBe(wrongAccount('rollback', ACME, '--account-id', OWNER));
    expect(stolen.code).toBe(1);

    const foreign = await migrate(ACME, [
      'rollback',
      '--journal',
      'journal-owner.ndjson',
      '--plan',
      'plan/plan.json',
      '--account-id',
      ACME,
      '--execute',
    ]);
    expect(foreign.stderr).toBe(wrongAccount('rollback', ACME, "the journal's account", OWNER));
    expect(foreign.code).toBe(1);

    expect(fake.calls).toEqual([]);
    expect(fake.snapshot()).toEqual(after);
  });

  it('refuses an inventory whose --account-id is not the caller, and takes the account from STS otherwise', async () => {
    const wrong = await migrate(ACME, ['inventory', '--all', '--account-id', OWNER]);
    expect(wrong.stderr).toBe(wrongAccount('inventory', ACME, '--account-id', OWNER));
    expect(wrong.code).toBe(1);
    const own = await migrate(BETA, [
      'inventory',
      '--identities',
      `arn:aws:ses:us-east-1:${OWNER}:identity/example.com`,
    ]);
    expect(own.code).toBe(0);
    expect(JSON.parse(own.stdout).accountId).toBe(BETA);
  });

  it('says in one line that STS does not know the key, as AWS does', async () => {
    const run = await migrate(null, ['apply', '--plan', 'plan/plan.json', '--account-id', OWNER], {
      AWS_ACCESS_KEY_ID: 'AKIALOCL999999999999',
      AWS_SECRET_ACCESS_KEY: 'nobody',
    });
    expect(run.stderr).toBe(
      'ses-bridge migrate apply: failed: InvalidClientTokenId: The security token included in the request is invalid.\n',
    );
    expect(run.code).toBe(1);
  });

  it('fails at once, in one line naming the endpoint, when nothing listens there', async () => {
    const run = await migrate(OWNER, ['apply', '--plan', 'plan/plan.json', '--account-id', OWNER], {
      AWS_ENDPOINT_URL_STS: 'http://127.0.0.1:9',
      AWS_ENDPOINT_URL_SES: 'http://127.0.0.1:9',
      AWS_ENDPOINT_URL_SESV2: 'http://127.0.0.1:9',
    });
    expect(run.stderr).toBe(
      'ses-bridge migrate apply: failed: cannot connect to 127.0.0.1:9: connection refused (is the endpoint right? AWS_ENDPOINT_URL_* and the region decide it)\n',
    );
    expect(run.code).toBe(1);
  });
});

describe('usability', () => {
  it("reports other accounts' and phases' steps as skipped when this account's reads fail", async () => {
    fake.failNext('GetIdentityNotificationAttributes', 'AccessDenied');
    const run = await migrate(OWNER, ['apply', '--plan', 'plan/plan.json', '--account-id', OWNER]);
    expect(run.code).toBe(1);
    const { outcomes, counts } = JSON.parse(run.stdout);
    const plan = JSON.parse(readFileSync(path.join(dir, 'plan/plan.json'), 'utf8'));
    const mine = plan.steps.filter((s: any) => s.account === OWNER && s.phase !== 'cleanup').length;
    expect(counts).toEqual({ failed: mine, skipped: plan.steps.length - mine });
    expect(outcomes.find((o: any) => o.status === 'failed').message).toBe(
      'not run: AccessDenied: injected AccessDenied',
    );
  });

  it('names the failed call and the account, and still writes what the inventory could read', async () => {
    fake.failNext('ListConfigurationSets', 'AccessDeniedException');
    const run = await migrate(OWNER, ['inventory', '--all', '--out', 'partial.json']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      `ses-bridge migrate inventory: incomplete: sesv2:ListConfigurationSets failed for account ${OWNER} in us-east-1: AccessDeniedException: injected AccessDeniedException; no configuration set is in the inventory (plan cannot check name clashes)\n`,
    );
    const inventory = JSON.parse(readFileSync(path.join(dir, 'partial.json'), 'utf8'));
    expect(inventory.identities.map((i: any) => i.identity)).toEqual(['example.com', 'news@example.org']);
    expect(inventory.configurationSets).toEqual([]);
    expect(inventory.warnings).toContain(
      `incomplete: sesv2:ListConfigurationSets failed for account ${OWNER} in us-east-1: AccessDeniedException: injected AccessDeniedException; no configuration set is in the inventory (plan cannot check name clashes)`,
    );
  });

  it('takes the region from the AWS profile when AWS_REGION is not set', async () => {
    writeFileSync(path.join(dir, 'aws-config'), '[default]\nregion = eu-west-1\n');
    const run = await migrate(OWNER, ['inventory', '--all'], {
      AWS_REGION: '',
      AWS_CONFIG_FILE: path.join(dir, 'aws-config'),
    });
    expect(run.stderr).toContain('inventory: ListIdentities found 0 identities in eu-west-1\n');
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ accountId: OWNER, region: 'eu-west-1', identities: [] });
  });
});
