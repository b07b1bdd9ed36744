/**
 * The real osls CLI: `serverless package` works offline with no AWS credentials, and `serverless invoke local`
 * runs a sample event end to end, publishing through the real SDK to the SNS test server on 127.0.0.1.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeSns, startFakeSns } from '#test/support/fake-sns-server';
import { REPO_ROOT } from '#test/support/fixtures';

const run = promisify(execFile);
const SERVERLESS = path.join(REPO_ROOT, 'node_modules/.bin/serverless');

/** The environment of a developer machine with no AWS account: no credentials, no profile. */
function offlineEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    SLS_TELEMETRY_DISABLED: '1',
    ...extra,
  };
  for (const key of [
    'AWS_PROFILE',
    'AWS_ACCESS_KEY_ID',
    'AWS_SECRET_ACCESS_KEY',
    'AWS_SESSION_TOKEN',
    'VITEST',
    'POWERTOOLS_LOG_LEVEL',
  ])
    delete env[key];
  return env;
}

async function serverless(args: string[], env: NodeJS.ProcessEnv) {
  // A handler module that throws while loading makes invoke local hang: always bound the run.
  return run(SERVERLESS, args, { cwd: REPO_ROOT, env, timeout: 120_000, maxBuffer: 64 * 1024 * 1024 });
}

const PACKAGE_DIR = '.serverless-test';

describe('serverless package', () => {
  it('packages every function offline, each zip at most 150 KB, with sns:Publish only on the routes file topics', async () => {
    await serverless(['package', '--package', PACKAGE_DIR], offlineEnv());
    const template = JSON.parse(
      readFileSync(path.join(REPO_ROOT, PACKAGE_DIR, 'cloudformation-template-update-stack.json'), 'utf8'),
    );
    const functions = Object.keys(template.Resources).filter(
      (k) => template.Resources[k].Type === 'AWS::Lambda::Function',
    );
    expect(functions.length).toBeGreaterThanOrEqual(3);
    for (const name of ['route-sqs', 'route-sns', 'route-eventbridge', 'route-firehose', 'sns-https', 'migrate']) {
      const zip = path.join(REPO_ROOT, PACKAGE_DIR, `${name}.zip`);
      expect(existsSync(zip), zip).toBe(true);
      expect(statSync(zip).size, `${name}.zip bytes`).toBeLessThanOrEqual(150 * 1024);
    }
    const statements = template.Resources.IamRoleLambdaExecution.Properties.Policies[0].PolicyDocument.Statement;
    const publish = statements.filter((s: any) => [s.Action].flat().includes('sns:Publish'));
    expect(publish).toHaveLength(1);
    expect(publish[0].Resource).toEqual([
      'arn:aws:sns:us-east-1:111122223333:acme-ses-feedback',
      'arn:aws:sns:us-east-1:444455556666:billing-ses-events',
      'arn:aws:sns:us-east-1:888888888888:example-com-feedback',
      'arn:aws:sns:us-east-1:123456789012:legacy-feedback',
      { Ref: 'ParkingTopic' },
    ]);
    expect(template.Resources.IntakeQueue.Properties.RedrivePolicy.deadLetterTargetArn).toEqual({
      'Fn::GetAtt': ['IntakeDeadLetterQueue', 'Arn'],
    });
    expect(template.Resources.IntakeDeadLetterAlarm.Properties.MetricName).toBe('ApproximateNumberOfMessagesVisible');
  }, 180_000);
});

describe('serverless invoke local', () => {
  let fake: FakeSns;
  beforeAll(async () => {
    fake = await startFakeSns();
    const routes = JSON.parse(readFileSync(path.join(REPO_ROOT, 'config/routes.example.json'), 'utf8'));
    for (const { to } of routes.routes) {
      const [, , , region, accountId, name] = to.topicArn.split(':');
      fake.state.createTopic(name, { region, accountId });
    }
  });
  afterAll(() => fake.close());

  it('runs route-sqs on a sample batch and publishes each delegate its feedback through the SNS endpoint', async () => {
    const { stdout } = await serverless(
      ['invoke', 'local', '-f', 'route-sqs', '-p', 'events/sqs/multi-delegate-batch.json'],
      offlineEnv({ AWS_ENDPOINT_URL_SNS: fake.endpoint }),
    );
    expect(stdout).toContain('"batchItemFailures": []');
    const bodies = (arn: string) => fake.state.messagesFor(arn).map((m) => JSON.parse(m.body));
    expect(bodies('arn:aws:sns:us-east-1:111122223333:acme-ses-feedback').map((b) => b.notificationType)).toEqual([
      'Bounce',
      'Complaint',
      'Delivery',
    ]);
    expect(bodies('arn:aws:sns:us-east-1:444455556666:billing-ses-events').map((b) => b.eventType)).toEqual([
      'Bounce',
      'Delivery',
      'DeliveryDelay',
    ]);
    expect(bodies('arn:aws:sns:us-east-1:888888888888:example-com-feedback').map((b) => b.notificationType)).toEqual([
      'Bounce',
    ]);
  }, 180_000);

  it('runs route-sns with the dry-run sink when no SNS endpoint is configured', async () => {
    const { stdout } = await serverless(
      ['invoke', 'local', '-f', 'route-sns', '-p', 'events/sns/multi-delegate-bounce.json'],
      offlineEnv(),
    );
    const published = stdout
      .split('\n')
      .filter((l) => l.startsWith('{"topicArn"'))
      .map((l) => JSON.parse(l));
    expect(published.map((p) => p.topicArn)).toEqual(['arn:aws:sns:us-east-1:111122223333:acme-ses-feedback']);
    expect(stdout).toContain('"delivered": 1');
  }, 180_000);
});
