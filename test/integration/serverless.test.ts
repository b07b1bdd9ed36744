/**
 * The real osls CLI: `serverless package` works offline with no AWS credentials, and `serverless invoke local`
 * runs a sample event end to end, publishing through the real SDK to the SNS test server on 127.0.0.1.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  deployedFunctions,
  offlineEnv,
  type Packaged,
  packageStack,
  removeTempDirs,
  serverless,
  TemplateResolver,
} from '#test/support/deployed';
import { type FakeSns, startFakeSns } from '#test/support/fake-sns-server';
import { REPO_ROOT } from '#test/support/fixtures';

describe('serverless package, default parameters', () => {
  let pkg: Packaged;
  let resources: Record<string, any>;
  beforeAll(async () => {
    pkg = await packageStack();
    resources = new TemplateResolver(pkg.template).resources();
  }, 180_000);
  afterAll(removeTempDirs);
  const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);

  it('packages every function offline, each zip at most 150 KB', () => {
    for (const name of ['route-sqs', 'route-sns', 'route-eventbridge', 'route-firehose', 'sns-https', 'migrate']) {
      const zip = path.join(pkg.dir, `${name}.zip`);
      expect(existsSync(zip), zip).toBe(true);
      expect(statSync(zip).size, `${name}.zip bytes`).toBeLessThanOrEqual(150 * 1024);
    }
  });

  it('warns that the alarms notify nobody when no alarm topic is given', () => {
    expect(pkg.stderr).toContain(
      'Warning: param alarmTopicArn is empty: the alarms will change state but notify nobody (set it to an SNS topic ARN)',
    );
    for (const [id, alarm] of ofType('AWS::CloudWatch::Alarm')) expect(alarm.Properties.AlarmActions, id).toEqual([]);
  });

  it('gives each function its own role, granting sns:Publish only on the routes file topics and the parking topic', () => {
    const functions = deployedFunctions(pkg);
    const roles = [...functions.values()].map((f) => f.roleLogicalId);
    expect(new Set(roles).size).toBe(6);
    expect(Object.keys(pkg.template.Resources)).not.toContain('IamRoleLambdaExecution');
    for (const f of functions.values()) {
      expect(f.managedPolicies, f.key).toEqual([]);
      const publish = f.statements.filter((s) => [s.Action].flat().includes('sns:Publish'));
      if (f.key === 'migrate') {
        expect(publish).toEqual([]);
        continue;
      }
      expect(publish.map((s) => s.Resource)).toEqual([
        [
          'arn:aws:sns:us-east-1:111122223333:acme-ses-feedback',
          'arn:aws:sns:us-east-1:444455556666:billing-ses-events',
          'arn:aws:sns:us-east-1:888888888888:example-com-feedback',
          'arn:aws:sns:us-east-1:123456789012:legacy-feedback',
          'arn:aws:sns:us-east-1:123456789012:ses-notification-bridge-dev-parking',
        ],
      ]);
      const logs = f.statements.find((s) => [s.Action].flat().includes('logs:PutLogEvents'));
      expect(logs?.Resource).toBe(`arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/${f.name}:*`);
    }
  });

  it('names Resource "*" in no policy statement, except in the key policy, where nothing narrower exists', () => {
    // A key policy is attached to its key: "*" there means "this key" (KMS developer guide, key policies).
    const allowed: Record<string, string> = {
      'IntakeTopicKey AccountAdministers': 'key policy: "*" is the key itself',
      'IntakeTopicKey AllowSesToPublish': 'key policy: "*" is the key itself',
    };
    const found: string[] = [];
    for (const [id, resource] of Object.entries(resources)) {
      const props = resource.Properties ?? {};
      const documents = [
        props.KeyPolicy,
        props.PolicyDocument,
        ...(props.Policies ?? []).map((p: any) => p.PolicyDocument),
      ].filter(Boolean);
      for (const document of documents)
        for (const statement of document.Statement)
          if ([statement.Resource].flat().includes('*')) found.push(`${id} ${statement.Sid ?? statement.Action}`);
    }
    expect(found).toEqual(Object.keys(allowed));
  });

  it('deploys no sns-https function URL while no topic is allowlisted, and caps the intake at 5 concurrent runs', () => {
    expect(ofType('AWS::Lambda::Url')).toEqual([]);
    expect(resources.SnsDashhttpsLambdaFunction.Properties.ReservedConcurrentExecutions).toBe(5);
    expect(resources.SnsHttpsUrl5xxAlarm).toBeUndefined();
  });

  it('encrypts every topic: the intake with its own key admitting SES, the parking topic with alias/aws/sns', () => {
    expect(resources.IntakeTopic.Properties.KmsMasterKeyId).toBe('0a1b2c3d-4e5f-4a6b-8c7d-8e9f0a1b2c3d');
    expect(resources.ParkingTopic.Properties.KmsMasterKeyId).toBe('alias/aws/sns');
    for (const [id, topic] of ofType('AWS::SNS::Topic')) expect(topic.Properties.KmsMasterKeyId, id).toBeTruthy();
    const ses = resources.IntakeTopicKey.Properties.KeyPolicy.Statement.find((s: any) => s.Sid === 'AllowSesToPublish');
    expect(ses).toEqual({
      Sid: 'AllowSesToPublish',
      Effect: 'Allow',
      Principal: { Service: 'ses.amazonaws.com' },
      Action: ['kms:GenerateDataKey*', 'kms:Decrypt'],
      // Key policies name the key itself as "*": nothing narrower exists.
      Resource: '*',
      Condition: {
        StringEquals: { 'aws:SourceAccount': '123456789012' },
        ArnLike: {
          'aws:SourceArn': [
            'arn:aws:ses:us-east-1:123456789012:identity/*',
            'arn:aws:ses:us-east-1:123456789012:configuration-set/*',
          ],
        },
      },
    });
  });

  it('lets SES publish to the intake topic only for this account, and denies every topic and queue without TLS', () => {
    const allow = resources.IntakeTopicPolicy.Properties.PolicyDocument.Statement[0];
    expect(allow.Condition).toEqual({
      StringEquals: { 'aws:SourceAccount': '123456789012' },
      ArnLike: {
        'aws:SourceArn': [
          'arn:aws:ses:us-east-1:123456789012:identity/*',
          'arn:aws:ses:us-east-1:123456789012:configuration-set/*',
        ],
      },
    });
    const policies = [...ofType('AWS::SNS::TopicPolicy'), ...ofType('AWS::SQS::QueuePolicy')];
    const covered = new Set<string>();
    for (const [id, policy] of policies) {
      const deny = policy.Properties.PolicyDocument.Statement.find((s: any) => s.Sid === 'DenyInsecureTransport');
      expect(deny, id).toMatchObject({
        Effect: 'Deny',
        Principal: '*',
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      });
      for (const target of policy.Properties.Topics ?? policy.Properties.Queues) covered.add(target);
    }
    const resolver = new TemplateResolver(pkg.template);
    for (const [id] of [...ofType('AWS::SNS::Topic'), ...ofType('AWS::SQS::Queue')])
      expect(covered, id).toContain(resolver.resolve({ Ref: id }));
  });

  it('gives every asynchronous path a dead-letter queue and retry policy, each DLQ keeping messages longer', () => {
    const rule = ofType('AWS::Events::Rule')[0]?.[1];
    expect(rule.Properties.Targets[0]).toMatchObject({
      DeadLetterConfig: { Arn: 'arn:aws:sqs:us-east-1:123456789012:ses-notification-bridge-dev-async-failures' },
      RetryPolicy: { MaximumEventAgeInSeconds: 86400, MaximumRetryAttempts: 185 },
    });
    for (const id of ['RouteDashsnsLambdaEvConf', 'RouteDasheventbridgeLambdaEvConf'])
      expect(resources[id].Properties).toMatchObject({
        MaximumRetryAttempts: 2,
        DestinationConfig: {
          OnFailure: { Destination: 'arn:aws:sqs:us-east-1:123456789012:ses-notification-bridge-dev-async-failures' },
        },
      });
    const intake = resources.IntakeQueue.Properties;
    expect(intake.RedrivePolicy.deadLetterTargetArn).toBe(
      'arn:aws:sqs:us-east-1:123456789012:ses-notification-bridge-dev-intake-dlq',
    );
    expect(resources.IntakeDeadLetterQueue.Properties.MessageRetentionPeriod).toBeGreaterThan(
      intake.MessageRetentionPeriod,
    );
    // Lambda: at least 6 x the function timeout plus the batching window.
    const mapping = ofType('AWS::Lambda::EventSourceMapping')[0]?.[1].Properties;
    const timeout = resources.RouteDashsqsLambdaFunction.Properties.Timeout;
    expect(intake.VisibilityTimeout).toBeGreaterThanOrEqual(6 * timeout + mapping.MaximumBatchingWindowInSeconds);
    expect(mapping.ScalingConfig).toEqual({ MaximumConcurrency: 10 });
  });

  it("alarms on every function's errors and throttles, the intake age and the bridge metrics, with a dashboard", () => {
    for (const f of ['RouteSqs', 'RouteSns', 'RouteEventbridge', 'RouteFirehose', 'SnsHttps', 'Migrate']) {
      expect(resources[`${f}ErrorsAlarm`].Properties.MetricName).toBe('Errors');
      expect(resources[`${f}ThrottlesAlarm`].Properties.MetricName).toBe('Throttles');
    }
    expect(resources.IntakeOldestMessageAlarm.Properties).toMatchObject({
      MetricName: 'ApproximateAgeOfOldestMessage',
      Threshold: 900,
    });
    for (const metric of ['RecordsParked', 'PublishFailures'])
      expect(resources[`${metric}Alarm`].Properties).toMatchObject({
        Namespace: 'SesNotificationBridge',
        MetricName: metric,
        Dimensions: [{ Name: 'service', Value: 'ses-notification-bridge' }],
      });
    expect(resources.EventBridgeFailedInvocationsAlarm.Properties.Dimensions).toEqual([
      { Name: 'RuleName', Value: 'ses-notification-bridge-dev-ses-events' },
    ]);
    const dashboard = JSON.parse(resources.Dashboard.Properties.DashboardBody);
    expect(dashboard.widgets.map((w: any) => w.properties.title)).toEqual([
      'Delivered per route and type',
      'Received, dropped (unmatched), parked, publish failures',
      'Queue ages (s)',
      'Messages waiting',
      'Function errors and throttles',
      'Function durations (p99, ms)',
    ]);
  });
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
