/**
 * `verify --canary` end to end through the real CLI: SES (fake-ses-server) publishes the feedback of mailbox
 * simulator sends to SNS (fake-sns-server), which delivers to the canary's temporary SQS queue (fake-sqs-server).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { feedbackBody, publishFeedback } from '#test/support/fake-ses-feedback';
import { FakeSes } from '#test/support/fake-ses-server';
import { type FakeSns, startFakeSns } from '#test/support/fake-sns-server';
import { deliverToSqs } from '#test/support/fake-sns-sqs-delivery';
import { type FakeSqs, startFakeSqs } from '#test/support/fake-sqs-server';
import { REPO_ROOT } from '#test/support/fixtures';
import { type CliRun, runMigrate } from '#test/support/migrate-cli';

const OWNER = '111111111111';
const ACME = '222222222222';
const BETA = '333333333333';
const ARN = `arn:aws:ses:us-east-1:${OWNER}:identity/example.com`;
const ACME_TOPIC = `arn:aws:sns:us-east-1:${ACME}:acme-feedback`;
const FIXTURES = path.join(REPO_ROOT, 'test/fixtures/migration');
const scenario = JSON.parse(readFileSync(path.join(FIXTURES, 'scenario.json'), 'utf8'));
const INVENTORIES = [OWNER, ACME, BETA].flatMap((a) => [
  '--inventory',
  path.join(FIXTURES, a === OWNER ? `inventory-owner-${a}.json` : `inventory-delegate-${a}.json`),
]);

let ses: FakeSes;
let sns: FakeSns;
let sqs: FakeSqs;
let dir: string;
const env = () => ({ AWS_ENDPOINT_URL_SNS: sns.endpoint, AWS_ENDPOINT_URL_SQS: sqs.endpoint });
const migrate = (account: string, args: string[]) => runMigrate(ses, account, args, { cwd: dir, env: env() });
const json = (run: CliRun) => JSON.parse(run.stdout);
const canaryArgs = ['verify', '--plan', 'plan/plan.json', '--account-id', ACME, '--canary'];

beforeAll(async () => {
  ses = await FakeSes.start({ accounts: [OWNER, ACME, BETA] });
  sns = await startFakeSns({ accountId: ACME });
  // The canary queues live in the delegate's account: the SQS test server serves one account.
  sqs = await startFakeSqs({ accountId: ACME, maxWaitMs: 500 });
  deliverToSqs(sns.state, sqs.state);
  ses.onFeedback = (sent, feedback, recipient) =>
    publishFeedback(sns.state, feedback.topicArn, feedbackBody(sent, feedback, recipient));
  for (const [account, name] of [
    [ACME, 'acme-feedback'],
    [BETA, 'beta-bounces'],
    [BETA, 'beta-deliveries'],
    [OWNER, 'owner-bounces'],
  ] as const)
    sns.state.createTopic(name, { accountId: account });
  dir = mkdtempSync(path.join(tmpdir(), 'ses-bridge-canary-'));
  expect((await migrate(OWNER, ['plan', ...INVENTORIES, '--strategy', 'config-set', '--out', 'plan'])).code).toBe(0);
});
afterAll(async () => {
  await Promise.all([ses.close(), sns.close(), sqs.close()]);
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(async () => {
  ses.identities.clear();
  ses.crossAccount.clear();
  ses.configurationSets.clear();
  ses.seed(scenario);
  const prepared = await migrate(ACME, ['apply', '--plan', 'plan/plan.json', '--account-id', ACME, '--execute']);
  expect(prepared.code).toBe(0);
});

/** Nothing the canary made is left: no queue, no subscription. */
function nothingLeft(): void {
  expect([...sqs.state.queues.values()].map((q) => q.name)).toEqual([]);
  expect([...sns.state.topic(ACME_TOPIC)!.subscriptions.values()]).toEqual([]);
}

describe('verify --canary', () => {
  it('proves delivery while the legacy path still delivers too, reports the duplicates, and opens the cleanup gate', async () => {
    const run = await migrate(ACME, [...canaryArgs, '--canary-timeout', '30', '--out', 'verify-acme.json']);
    expect(run.code).toBe(0);
    const { canary } = json(run);
    expect(canary).toMatchObject({ passed: true, interrupted: false, timeoutMs: 30_000 });
    expect(canary.destinations).toHaveLength(1);
    const [dest] = canary.destinations;
    expect(dest).toMatchObject({ topicArn: ACME_TOPIC, format: 'event', passed: true, duplicates: 2 });
    for (const t of dest.types) {
      expect(t.status).toBe('ok');
      expect(t.latencyMs).toBeGreaterThanOrEqual(0);
      expect(t.copies.map((c: any) => [c.format, c.path]).sort()).toEqual([
        ['event', 'configuration set legacy-feedback directly from SES'],
        ['notification', 'identity notification directly from SES'],
      ]);
    }
    expect(dest.types.map((t: any) => t.type)).toEqual(['Bounce', 'Complaint']);
    expect(run.stderr).toMatch(
      /canary: arn:aws:sns:us-east-1:222222222222:acme-feedback: PASSED \(event\); Bounce ok in \d+ ms, 2 copies \((event by configuration set legacy-feedback directly from SES; notification by identity notification directly from SES|notification by identity notification directly from SES; event by configuration set legacy-feedback directly from SES)\), Complaint ok in \d+ ms, 2 copies .*; duplicates 2\n/,
    );
    expect(run.stderr).toContain('canary: removed 1 temporary queues and subscriptions\n');
    nothingLeft();

    // The proof opens the cleanup (config-set: the delegate's own report is all it needs); the legacy path goes.
    const cleanup = await migrate(ACME, [
      'apply',
      '--plan',
      'plan/plan.json',
      '--account-id',
      ACME,
      '--phase',
      'cleanup',
      '--verified',
      'verify-acme.json',
      '--execute',
      '--journal',
      'cleanup.ndjson',
    ]);
    expect(cleanup.code).toBe(0);
    // Every legacy type cleared: SES forgets the cross-account setting.
    expect(ses.crossAccount.has(`${ACME}|${ARN}`)).toBe(false);
    const after = await migrate(ACME, [...canaryArgs, '--canary-timeout', '30']);
    expect(after.code).toBe(0);
    expect(json(after).canary.destinations[0]).toMatchObject({ passed: true, duplicates: 0 });
  });

  it('fails within its bound when nothing arrives, names what is missing, and removes its queue', async () => {
    // The new path is off (destination disabled) and the legacy one gone: SES publishes nothing to the topic.
    ses.configurationSets.get(`us-east-1|${ACME}|legacy-feedback`)!.eventDestinations[0]!.Enabled = false;
    ses.crossAccount.delete(`${ACME}|${ARN}`);
    const run = await migrate(ACME, [...canaryArgs, '--canary-timeout', '3']);
    expect(run.code).toBe(1);
    const { canary } = json(run);
    expect(canary).toMatchObject({ passed: false, timeoutMs: 3000 });
    expect(canary.destinations[0].types.map((t: any) => [t.type, t.status, t.copies.length])).toEqual([
      ['Bounce', 'missing', 0],
      ['Complaint', 'missing', 0],
    ]);
    expect(run.stderr).toContain(`canary: waiting for Bounce on ${ACME_TOPIC}, Complaint on ${ACME_TOPIC} (`);
    expect(run.stderr).toContain(
      `canary: ${ACME_TOPIC}: FAILED (event); Bounce missing, 0 copies, Complaint missing, 0 copies; duplicates 0\n`,
    );
    nothingLeft();
  });

  it('removes its queue and subscription when interrupted with Ctrl-C', async () => {
    ses.crossAccount.delete(`${ACME}|${ARN}`);
    ses.configurationSets.get(`us-east-1|${ACME}|legacy-feedback`)!.eventDestinations[0]!.Enabled = false;
    const keys = ses.credentials(ACME);
    const child = spawn(
      process.execPath,
      [path.join(REPO_ROOT, 'bin/ses-bridge.cjs'), 'migrate', ...canaryArgs, '--pace-ms', '0'],
      {
        cwd: dir,
        env: {
          PATH: process.env.PATH ?? '',
          HOME: dir,
          AWS_REGION: 'us-east-1',
          AWS_ACCESS_KEY_ID: keys.accessKeyId,
          AWS_SECRET_ACCESS_KEY: keys.secretAccessKey,
          AWS_ENDPOINT_URL_SES: ses.endpoint(),
          AWS_ENDPOINT_URL_SESV2: ses.endpoint(),
          AWS_ENDPOINT_URL_STS: ses.endpoint(),
          ...env(),
        },
      },
    );
    let stderr = '';
    const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    await new Promise<void>((resolve) =>
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        if (stderr.includes('canary: waiting for')) resolve();
      }),
    );
    expect(sqs.state.queues.size).toBe(1);
    child.kill('SIGINT');
    expect(await exit).toBe(130);
    expect(stderr).toContain('canary: interrupted: removing its queues and subscriptions\n');
    nothingLeft();
  });
});
