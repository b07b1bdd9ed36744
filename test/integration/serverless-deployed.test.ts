/**
 * What is deployed is what is tested: the stack is packaged once (offline), and each function runs from its zip,
 * with the compiled template's environment, handler, timeout and memory, a Lambda context, and its SDK calls sent to
 * the local SNS and SES servers through recording proxies. Every recorded call must be allowed by that function's
 * compiled role, and every action a role grants must be called here or be listed below with the reason it cannot be.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { TEST_CERT_URL } from '#lib/sns-https/test-certificate';
import {
  DEPLOY,
  type DeployedFunction,
  deployedFunctions,
  type Packaged,
  packageStack,
  removeTempDirs,
  STACK,
  TemplateResolver,
} from '#test/support/deployed';
import {
  deniedCalls,
  forgetTaskRoots,
  type Invocation,
  invokeDeployed,
  type RecordedCall,
  type Recorder,
  startRecorder,
  unusedActions,
} from '#test/support/deployed-invoke';
import { FakeSes } from '#test/support/fake-ses-server';
import { type FakeSns, startFakeSns } from '#test/support/fake-sns-server';
import { loadEvent, REPO_ROOT } from '#test/support/fixtures';
import {
  confirmationBody,
  FOREIGN_SIGNER,
  notificationBody,
  SNS_TEST_SIGNER,
  signedEvent,
  TEST_TOPIC_ARN,
} from '#test/support/sns-signing';

const ACCOUNT = DEPLOY.account;
const ACME = 'arn:aws:sns:us-east-1:111122223333:acme-ses-feedback';
const BILLING = 'arn:aws:sns:us-east-1:444455556666:billing-ses-events';
const OWNER_TOPIC = 'arn:aws:sns:us-east-1:888888888888:example-com-feedback';
const LEGACY = 'arn:aws:sns:us-east-1:123456789012:legacy-feedback';
const PARKING = `arn:aws:sns:us-east-1:${ACCOUNT}:${STACK}-parking`;
const DELEGATE_KEY = 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';

/** The parameters of the packaged stack: every optional path switched on. */
const DEPLOYED_PARAMS = {
  ownerAccountId: ACCOUNT,
  intakeTopicArns: `arn:aws:sns:us-east-1:${ACCOUNT}:identity-feedback`,
  directTopicArns: `arn:aws:sns:us-east-1:${ACCOUNT}:direct-feedback`,
  snsHttpsTopicArns: TEST_TOPIC_ARN,
  delegateKmsKeyArns: DELEGATE_KEY,
  alarmTopicArn: `arn:aws:sns:us-east-1:${ACCOUNT}:ops-alarms`,
  firehoseDeliveryStreamName: 'ses-events',
  migrateIdentities: 'example.com',
  migrateConfigurationSets: 'ses-bridge-example-com',
};

/**
 * Actions a role grants that these tests cannot see called, and why. Anything else granted and never called fails
 * the test: a role must not allow what its function does not do.
 */
const NOT_CALLED_BY_THE_HANDLER: Record<string, string> = {
  'logs:createlogstream': 'the Lambda runtime writes stdout to the log group, not the handler',
  'logs:putlogevents': 'the Lambda runtime writes stdout to the log group, not the handler',
  'kms:generatedatakey*': "SNS uses a delegate topic's key on the publisher's behalf; the SNS test server has no KMS",
  'kms:decrypt': "SNS uses a delegate topic's key on the publisher's behalf; the SNS test server has no KMS",
  'sqs:receivemessage': "Lambda's SQS poller reads the intake queue with the function's role",
  'sqs:deletemessage': "Lambda's SQS poller deletes the handled messages with the function's role",
  'sqs:getqueueattributes': "Lambda's SQS poller reads the queue's attributes with the function's role",
  'sqs:sendmessage': "Lambda sends failed async invocations to the on-failure destination with the function's role",
};
/** migrate runs one inventory here; its plan steps are exercised through the same code in the migration tests. */
const MIGRATE_NOT_CALLED_HERE: Record<string, string> = {
  'ses:getemailidentitypolicies': 'read only when GetEmailIdentity answers without the policies',
  'ses:setidentitynotificationtopic': 'switch and rollback steps',
  'ses:setidentityheadersinnotificationsenabled': 'switch and rollback steps',
  'ses:setidentityfeedbackforwardingenabled': 'rollback of a switch that turned forwarding off',
  'ses:createconfigurationset': 'prepare step of the configuration-set strategy',
  'ses:getconfigurationset': 'prepare and verify steps of the configuration-set strategy',
  'ses:deleteconfigurationset': 'rollback of a prepare step',
  'ses:createconfigurationseteventdestination': 'prepare step of the configuration-set strategy',
  'ses:getconfigurationseteventdestinations': 'verify step of the configuration-set strategy',
  'ses:updateconfigurationseteventdestination': 'prepare step, when the destination exists',
  'ses:deleteconfigurationseteventdestination': 'cleanup and rollback steps',
};

let pkg: Packaged;
let functions: Map<string, DeployedFunction>;
let sns: FakeSns;
let ses: FakeSes;
let recorder: Recorder;
let endpoints: { sns: string; ses: string; sesv2: string; sts: string };
const callsByFunction = new Map<string, RecordedCall[]>();

function fn(key: string): DeployedFunction {
  const found = functions.get(key);
  if (found === undefined) throw new Error(`no function ${key} in the template`);
  return found;
}

/** Invokes a function and checks that each SDK call it made was allowed by its compiled role. */
async function invoke(key: string, event: unknown): Promise<Invocation> {
  const before = recorder.calls.length;
  const invocation = await invokeDeployed(fn(key), event, {
    endpoints,
    certificates: { [TEST_CERT_URL]: SNS_TEST_SIGNER.certPem },
    credentials: ses.credentials(ACCOUNT),
  });
  const calls = recorder.calls.slice(before);
  callsByFunction.set(key, [...(callsByFunction.get(key) ?? []), ...calls]);
  expect(deniedCalls(fn(key).statements, calls), `${key}: calls its role does not allow`).toEqual([]);
  return invocation;
}

/** The metrics of the EMF lines a function logged: namespace, name, dimensions (name to value) and value. */
function emfMetrics(logs: string[]) {
  const out: Array<{ namespace: string; name: string; dimensions: Record<string, string>; value: unknown }> = [];
  for (const line of logs) {
    if (!line.startsWith('{"_aws"')) continue;
    const doc = JSON.parse(line);
    for (const directive of doc._aws.CloudWatchMetrics)
      for (const metric of directive.Metrics)
        out.push({
          namespace: directive.Namespace,
          name: metric.Name,
          dimensions: Object.fromEntries(directive.Dimensions.flat().map((d: string) => [d, doc[d]])),
          value: doc[metric.Name],
        });
  }
  return out;
}

function bodies(topicArn: string): any[] {
  return sns.state.messagesFor(topicArn).map((m) => JSON.parse(m.body));
}

beforeAll(async () => {
  pkg = await packageStack(DEPLOYED_PARAMS);
  functions = deployedFunctions(pkg);
  ses = await FakeSes.start({ accounts: [ACCOUNT] });
}, 180_000);
afterAll(async () => {
  await ses?.close();
  forgetTaskRoots();
  removeTempDirs();
});

beforeEach(async () => {
  sns = await startFakeSns();
  for (const arn of [ACME, BILLING, OWNER_TOPIC, LEGACY, PARKING, TEST_TOPIC_ARN]) {
    const [, , , region, accountId, name] = arn.split(':') as [string, string, string, string, string, string];
    sns.state.createTopic(name, { region, accountId });
  }
  recorder = startRecorder();
  endpoints = {
    sns: await recorder.proxy('sns', sns.endpoint),
    ses: await recorder.proxy('ses', ses.endpoint()),
    sesv2: await recorder.proxy('sesv2', ses.endpoint()),
    sts: await recorder.proxy('sts', ses.endpoint()),
  };
});
afterEach(async () => {
  await recorder.close();
  await sns.close();
});

describe('the packaged functions, as deployed', () => {
  it('run the bundled handlers with the template environment: parking topic ARN, routes file inside the zip', () => {
    for (const key of ['route-sqs', 'route-sns', 'route-eventbridge', 'route-firehose', 'sns-https', 'migrate']) {
      const f = fn(key);
      expect(f.runtime, key).toBe('nodejs22.x');
      expect(f.environment.PARKING_TOPIC, key).toBe(PARKING);
      expect(f.environment.ROUTES_FILE, key).toBe('config/routes.example.json');
      // param dedupeTable is off: no table settings, no DynamoDB action (serverless-deployed-dedupe.test.ts: on).
      expect(
        Object.keys(f.environment).filter((name) => name.startsWith('DEDUPE_')),
        key,
      ).toEqual([]);
      expect(JSON.stringify(f.statements), key).not.toContain('dynamodb');
    }
    expect(fn('sns-https').environment).toMatchObject({
      SNS_HTTPS_ALLOWED_TOPIC_ARNS: TEST_TOPIC_ARN,
      SNS_HTTPS_SIGNATURE_VERSIONS: '1,2',
      SNS_HTTPS_MAX_FUTURE_SKEW_SECONDS: '300',
      SNS_HTTPS_BASIC_AUTH_PASSWORD_PARAMETER: '',
    });
    expect(fn('sns-https').environment).not.toHaveProperty('SNS_HTTPS_BASIC_AUTH_PASSWORD');
  });

  it('route-sqs delivers a batch to each delegate and reports no failures', async () => {
    const out = await invoke('route-sqs', loadEvent('sqs/multi-delegate-batch.json'));
    expect(out.result).toEqual({ batchItemFailures: [] });
    expect(bodies(ACME).map((b) => b.notificationType)).toEqual(['Bounce', 'Complaint', 'Delivery']);
    expect(bodies(BILLING).map((b) => b.eventType)).toEqual(['Bounce', 'Delivery', 'DeliveryDelay']);
  });

  it('route-sqs parks bad records on the parking topic ARN and hands back the messages a failing topic refused', async () => {
    const parked = await invoke('route-sqs', loadEvent('sqs/with-bad-records.json'));
    expect(parked.result).toEqual({ batchItemFailures: [] });
    expect(sns.state.messagesFor(PARKING).length).toBeGreaterThan(0);
    // The metric RecordsParkedAlarm watches is the one the bundle emits (EMF on stdout), with the same dimensions.
    const alarm = new TemplateResolver(pkg.template).resolve(pkg.template.Resources.RecordsParkedAlarm).Properties;
    const emitted = emfMetrics(parked.logs).find((m) => m.name === 'RecordsParked');
    expect(emitted).toEqual({
      namespace: alarm.Namespace,
      name: alarm.MetricName,
      dimensions: Object.fromEntries(alarm.Dimensions.map((d: any) => [d.Name, d.Value])),
      value: sns.state.messagesFor(PARKING).length,
    });
    sns.faults.failTopic(ACME, 'InternalError');
    const event = loadEvent('sqs/multi-delegate-batch.json');
    const failed = await invoke('route-sqs', event);
    expect(failed.result.batchItemFailures.length).toBeGreaterThan(0);
    expect(failed.result.batchItemFailures.length).toBeLessThan(event.Records.length);
    const failures = emfMetrics(failed.logs).find((m) => m.name === 'PublishFailures');
    expect(failures).toMatchObject({
      namespace: 'SesNotificationBridge',
      dimensions: { service: 'ses-notification-bridge' },
    });
    expect(failures?.value).toBeGreaterThan(0);
  });

  it('route-sns delivers, and throws RetryLaterError (readable errorType) when a destination keeps failing', async () => {
    const ok = await invoke('route-sns', loadEvent('sns/multi-delegate-bounce.json'));
    expect(ok.result).toEqual({ delivered: 1, parked: 0, skipped: 0, dropped: 0, suppressed: 0 });
    expect(bodies(ACME)).toHaveLength(1);
    sns.faults.failTopic(ACME, 'InternalError');
    const failed = await invoke('route-sns', loadEvent('sns/multi-delegate-bounce.json'));
    expect(failed.error?.errorType).toBe('RetryLaterError');
    expect(failed.error?.errorMessage).toContain(`InternalError on ${ACME}`);
  });

  it('route-eventbridge delivers an SES event, and throws RetryLaterError when its destination fails', async () => {
    const ok = await invoke('route-eventbridge', loadEvent('eventbridge/bounce.json'));
    expect(ok.result).toEqual({ delivered: 1, parked: 0, skipped: 0, dropped: 0, suppressed: 0 });
    expect(bodies(LEGACY)).toHaveLength(1);
    sns.faults.failTopic(LEGACY, 'Throttling');
    const failed = await invoke('route-eventbridge', loadEvent('eventbridge/bounce.json'));
    expect(failed.error?.errorType).toBe('RetryLaterError');
  });

  it('route-firehose hands every record back unchanged, and throws when a delivery must be retried', async () => {
    const event = loadEvent('firehose/all-event-types.json');
    const ok = await invoke('route-firehose', event);
    expect(ok.result.records).toEqual(
      event.records.map((r: any) => ({ recordId: r.recordId, result: 'Ok', data: r.data })),
    );
    expect(sns.state.published.length).toBeGreaterThan(0);
    const topics = new Set(sns.state.published.map((m) => m.topicArn));
    for (const topic of topics) if (topic !== PARKING) sns.faults.failTopic(topic, 'InternalError');
    const failed = await invoke('route-firehose', event);
    expect(failed.error?.errorType).toBe('RetryLaterError');
  });

  it('route-firehose hands back a poison record SNS refuses to park as ProcessingFailed, the rest Ok, without a retry', async () => {
    const event = loadEvent('firehose/all-event-types.json');
    const poison = { ...event.records[0], recordId: 'poison-1', data: Buffer.from('not json').toString('base64') };
    event.records.splice(1, 0, poison);
    // The parking topic refuses for good (as when its policy lost the function's role): no retry can park it.
    sns.faults.failTopic(PARKING, 'AuthorizationError');
    const out = await invoke('route-firehose', event);
    expect(out.error).toBeUndefined();
    expect(out.result.records).toEqual(
      event.records.map((r: any) => ({
        recordId: r.recordId,
        result: r.recordId === 'poison-1' ? 'ProcessingFailed' : 'Ok',
        data: r.data,
      })),
    );
    expect(sns.state.messagesFor(PARKING)).toHaveLength(0);
  });

  it('sns-https confirms a subscription, delivers a signed notification and refuses a forged one', async () => {
    const client = new SNSClient({ ...sns.clientConfig('us-east-1'), maxAttempts: 1 });
    const token = new Promise<string>((resolve) => sns.state.events.once('subscribe', (_t, s) => resolve(s.token)));
    await client.send(
      new SubscribeCommand({ TopicArn: TEST_TOPIC_ARN, Protocol: 'https', Endpoint: 'https://bridge.example/' }),
    );
    client.destroy();
    const confirm = await invoke(
      'sns-https',
      signedEvent(confirmationBody('SubscriptionConfirmation', { token: await token })).event,
    );
    expect(confirm.result.statusCode).toBe(200);
    expect([...(sns.state.topic(TEST_TOPIC_ARN)?.subscriptions.values() ?? [])][0]?.confirmed).toBe(true);

    const record = JSON.parse(readFileSync(path.join(REPO_ROOT, 'events/raw/legacy-bounce-with-dsn.json'), 'utf8'));
    record.mail.sendingAccountId = '111122223333';
    const message = JSON.stringify(record);
    const ok = await invoke('sns-https', signedEvent(notificationBody({ message })).event);
    expect(ok.result.statusCode).toBe(200);
    expect(sns.state.messagesFor(ACME).map((m) => m.body)).toEqual([message]);

    const forged = await invoke(
      'sns-https',
      signedEvent(notificationBody({ message }), { signer: FOREIGN_SIGNER }).event,
    );
    expect(forged.result.statusCode).toBe(403);
    expect(sns.state.messagesFor(ACME)).toHaveLength(1);
  });

  it('migrate reads an identity it is deployed for, and fails a bad event with a readable ConfigError', async () => {
    ses.addIdentity({
      region: 'us-east-1',
      accountId: ACCOUNT,
      name: 'example.com',
      topics: { Bounce: `arn:aws:sns:us-east-1:${ACCOUNT}:owner-bounces` },
    });
    const read = await invoke('migrate', { action: 'inventory', region: 'us-east-1', identity: 'example.com' });
    expect(read.error).toBeUndefined();
    expect(read.result.identity.notifications.Bounce.topicArn).toBe(`arn:aws:sns:us-east-1:${ACCOUNT}:owner-bounces`);
    const bad = await invoke('migrate', { action: 'migrate' });
    expect(bad.error).toEqual({
      errorType: 'ConfigError',
      errorMessage:
        'event.action: must be "inventory", "apply", "verify" or "rollback" (plans are made with "ses-bridge migrate plan"), got "migrate"',
    });
  });
});

describe('least privilege, both ways', () => {
  it.each([
    ['route-sqs', []],
    ['route-sns', []],
    ['route-eventbridge', []],
    ['route-firehose', []],
    ['sns-https', []],
    ['migrate', Object.keys(MIGRATE_NOT_CALLED_HERE).sort()],
  ])('%s: its role grants no action it never calls, beyond the documented list', (key, alsoUnused) => {
    const calls = callsByFunction.get(key) ?? [];
    expect(calls.length, `${key} made no SDK call: run the whole file`).toBeGreaterThan(0);
    const unused = unusedActions(fn(key).statements, calls).filter((a) => !(a in NOT_CALLED_BY_THE_HANDLER));
    expect(unused).toEqual(alsoUnused);
  });
});

describe('the template with every optional path switched on', () => {
  const resources = () => new TemplateResolver(pkg.template).resources();

  it('deploys the sns-https function URL with a 5xx alarm, and a Firehose processing alarm, all notifying the alarm topic', () => {
    const r = resources();
    expect(r.SnsDashhttpsLambdaFunctionUrl.Properties.AuthType).toBe('NONE');
    expect(r.SnsHttpsUrl5xxAlarm.Properties).toMatchObject({
      MetricName: 'Url5xxCount',
      Dimensions: [{ Name: 'FunctionName', Value: `${STACK}-sns-https` }],
    });
    expect(r.FirehoseProcessingAlarm.Properties).toMatchObject({
      Namespace: 'AWS/Firehose',
      MetricName: 'ExecuteProcessing.Success',
      Dimensions: [{ Name: 'DeliveryStreamName', Value: 'ses-events' }],
    });
    for (const [id, alarm] of Object.entries<any>(r))
      if (alarm.Type === 'AWS::CloudWatch::Alarm')
        expect(alarm.Properties.AlarmActions, id).toEqual([DEPLOYED_PARAMS.alarmTopicArn]);
  });

  it('subscribes route-sns directly with a redrive policy to its own dead-letter queue', () => {
    const r = resources();
    const dlq = `arn:aws:sqs:us-east-1:${ACCOUNT}:${r.DirectDeadLetterQueue.Properties.QueueName ?? `${STACK}-DirectDeadLetterQueue-ABCDEF012345`}`;
    expect(r.DirectSubscription0.Properties).toEqual({
      TopicArn: DEPLOYED_PARAMS.directTopicArns,
      Protocol: 'lambda',
      Endpoint: fn('route-sns').arn,
      RedrivePolicy: { deadLetterTargetArn: dlq },
    });
    expect(r.DirectDeadLetterQueuePolicy.Properties.PolicyDocument.Statement[0].Condition).toEqual({
      ArnEquals: { 'aws:SourceArn': [DEPLOYED_PARAMS.directTopicArns] },
    });
  });

  it("grants the delegates' keys to the publishing roles only, and migrate only its identities and configuration sets", () => {
    for (const key of ['route-sqs', 'route-sns', 'route-eventbridge', 'route-firehose', 'sns-https'])
      expect(
        fn(key).statements.filter((s) => String(s.Action).includes('kms')),
        key,
      ).toEqual([{ Effect: 'Allow', Action: ['kms:GenerateDataKey*', 'kms:Decrypt'], Resource: [DELEGATE_KEY] }]);
    const migrate = fn('migrate').statements.filter((s) => String(s.Action).includes('ses:'));
    expect(migrate.map((s) => s.Resource)).toEqual([
      [`arn:aws:ses:us-east-1:${ACCOUNT}:identity/example.com`],
      [`arn:aws:ses:us-east-1:${ACCOUNT}:configuration-set/ses-bridge-example-com`],
    ]);
    expect(fn('sns-https').statements.find((s) => s.Action === 'sns:ConfirmSubscription')?.Resource).toEqual([
      TEST_TOPIC_ARN,
    ]);
  });
});
