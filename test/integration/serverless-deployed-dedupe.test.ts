/**
 * De-duplication as deployed (param dedupeTable=true, every route "dedupe": true): the packaged functions run from
 * their zips with the compiled template's environment and role, their SNS calls going to the local SNS server and
 * their DynamoDB calls to a real DynamoDB implementation (dynalite) holding the table the template names, both
 * through recording proxies. Every call must be allowed by the function's compiled role, and the table's actions
 * the roles grant must all be called.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { TEST_CERT_URL } from '#lib/sns-https/test-certificate';
import { theSameBounceTwice } from '#test/support/dedupe-samples';
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
import { createDedupeTable, type LocalDynamo, startLocalDynamo } from '#test/support/dynamodb-local';
import { type FakeSns, startFakeSns } from '#test/support/fake-sns-server';
import { eventText } from '#test/support/fixtures';
import { notificationBody, SNS_TEST_SIGNER, signedEvent, TEST_TOPIC_ARN } from '#test/support/sns-signing';

const ACME = 'arn:aws:sns:us-east-1:111122223333:acme-ses-feedback';
const LEGACY = 'arn:aws:sns:us-east-1:123456789012:legacy-feedback';
const PARKING = `arn:aws:sns:us-east-1:${DEPLOY.account}:${STACK}-parking`;
const PARAMS = {
  dedupeTable: 'true',
  routesFile: 'test/fixtures/routes/dedupe.json',
  snsHttpsTopicArns: TEST_TOPIC_ARN,
};
/** Nothing listens there: DynamoDB is down. */
const DOWN = 'http://127.0.0.1:9';

let pkg: Packaged;
let functions: Map<string, DeployedFunction>;
let retrying: Map<string, DeployedFunction>;
let dynamo: LocalDynamo;
let sns: FakeSns;
let recorder: Recorder;
let endpoints: { sns: string; dynamodb: string };
const callsByFunction = new Map<string, RecordedCall[]>();

beforeAll(async () => {
  pkg = await packageStack(PARAMS);
  functions = deployedFunctions(pkg);
  retrying = deployedFunctions(await packageStack({ ...PARAMS, dedupeOnUnavailable: 'retry' }));
}, 240_000);
afterAll(() => {
  forgetTaskRoots();
  removeTempDirs();
});

beforeEach(async () => {
  // A fresh table per test: the same bounce is claimed in several of them.
  dynamo = await startLocalDynamo();
  await createDedupeTable(dynamo.client, (functions.get('route-sqs') as DeployedFunction).environment.DEDUPE_TABLE!);
  sns = await startFakeSns();
  for (const arn of [ACME, LEGACY, PARKING, TEST_TOPIC_ARN]) {
    const [, , , region, accountId, name] = arn.split(':') as [string, string, string, string, string, string];
    sns.state.createTopic(name, { region, accountId });
  }
  recorder = startRecorder();
  endpoints = {
    sns: await recorder.proxy('sns', sns.endpoint),
    dynamodb: await recorder.proxy('dynamodb', dynamo.endpoint),
  };
});
afterEach(async () => {
  await recorder.close();
  await sns.close();
  await dynamo.close();
});

/** Invokes a function as deployed and checks that each SDK call it made was allowed by its compiled role. */
async function invoke(
  fn: DeployedFunction,
  event: unknown,
  overrides: Partial<typeof endpoints> = {},
): Promise<Invocation> {
  const before = recorder.calls.length;
  const invocation = await invokeDeployed(fn, event, {
    endpoints: { ...endpoints, ...overrides },
    certificates: { [TEST_CERT_URL]: SNS_TEST_SIGNER.certPem },
  });
  const calls = recorder.calls.slice(before);
  callsByFunction.set(fn.key, [...(callsByFunction.get(fn.key) ?? []), ...calls]);
  expect(deniedCalls(fn.statements, calls), `${fn.key}: calls its role does not allow`).toEqual([]);
  return invocation;
}

const fn = (key: string) => functions.get(key) as DeployedFunction;

/** The values of one metric in the EMF lines a function logged. */
function metric(logs: string[], name: string): unknown[] {
  return logs
    .filter((line) => line.startsWith('{"_aws"'))
    .map((line) => JSON.parse(line))
    .filter((doc) => name in doc)
    .map((doc) => ({ value: doc[name], ...(doc.route ? { route: doc.route } : {}) }));
}

describe('de-duplication as deployed', () => {
  it('delivers a bounce once when it arrives as a legacy notification (route-sqs) and as an event record (route-eventbridge)', async () => {
    const { sqs, eventBridge } = theSameBounceTwice(LEGACY);
    const first = await invoke(fn('route-sqs'), sqs);
    expect(first.result).toEqual({ batchItemFailures: [] });
    const copy = await invoke(fn('route-eventbridge'), eventBridge);
    expect(copy.result).toEqual({ delivered: 0, parked: 0, skipped: 0, dropped: 0, suppressed: 1 });
    expect(sns.state.messagesFor(LEGACY)).toHaveLength(1);
    expect(metric(copy.logs, 'DuplicatesSuppressed')).toEqual([{ value: 1, route: 'aws-doc-sender' }]);
    expect(recorder.calls.filter((c) => c.action.startsWith('dynamodb:')).map((c) => c.action)).toEqual([
      'dynamodb:PutItem',
      'dynamodb:PutItem',
      'dynamodb:PutItem',
    ]);
  });

  it('publishes anyway when DynamoDB is down, and counts it (the default)', async () => {
    const { sqs, eventBridge } = theSameBounceTwice(LEGACY);
    const first = await invoke(fn('route-sqs'), sqs, { dynamodb: DOWN });
    const second = await invoke(fn('route-eventbridge'), eventBridge, { dynamodb: DOWN });
    expect(first.result).toEqual({ batchItemFailures: [] });
    expect(second.result).toMatchObject({ delivered: 1, suppressed: 0 });
    expect(sns.state.messagesFor(LEGACY)).toHaveLength(2);
    expect(metric(first.logs, 'DedupeTableErrors')).toEqual([{ value: 1 }]);
    // The metric DedupeTableErrorsAlarm watches is the one the bundle emits, with the same dimensions.
    const alarm = new TemplateResolver(pkg.template).resolve(pkg.template.Resources.DedupeTableErrorsAlarm).Properties;
    const emitted = first.logs
      .filter((line) => line.startsWith('{"_aws"'))
      .map((line) => JSON.parse(line))
      .find((doc) => 'DedupeTableErrors' in doc);
    expect(emitted._aws.CloudWatchMetrics[0].Namespace).toBe(alarm.Namespace);
    for (const { Name, Value } of alarm.Dimensions) expect(emitted[Name]).toBe(Value);
  });

  it('with dedupeOnUnavailable=retry, fails the batch item and publishes nothing when DynamoDB is down', async () => {
    const { sqs } = theSameBounceTwice(LEGACY);
    const out = await invoke(retrying.get('route-sqs') as DeployedFunction, sqs, { dynamodb: DOWN });
    expect(out.result).toEqual({ batchItemFailures: [{ itemIdentifier: sqs.Records[0]?.messageId }] });
    expect(sns.state.messagesFor(LEGACY)).toHaveLength(0);
    expect(metric(out.logs, 'DedupeTableErrors')).toEqual([{ value: 1 }]);
  });

  it('sns-https accepts a signed MessageId once across two containers (two invocations, two processes)', async () => {
    const record = JSON.parse(eventText('raw/legacy-bounce-with-dsn.json'));
    record.mail.sendingAccountId = '111122223333';
    const { event } = signedEvent(notificationBody({ message: JSON.stringify(record) }));
    const first = await invoke(fn('sns-https'), event);
    const copy = await invoke(fn('sns-https'), event);
    expect([first.result.statusCode, JSON.parse(first.result.body).code]).toEqual([200, 'delivered']);
    expect([copy.result.statusCode, JSON.parse(copy.result.body).code]).toEqual([200, 'duplicate']);
    expect(sns.state.messagesFor(ACME)).toHaveLength(1);
  });
});

describe('least privilege with the table', () => {
  it.each([
    ['route-sqs', ['dynamodb:putitem']],
    ['route-eventbridge', ['dynamodb:putitem']],
    ['sns-https', ['dynamodb:getitem', 'dynamodb:putitem']],
  ])('%s: every DynamoDB action its role grants is called', (key, granted) => {
    const calls = callsByFunction.get(key) ?? [];
    const grantedActions = fn(key)
      .statements.flatMap((s) => [s.Action].flat())
      .map((a) => a.toLowerCase())
      .filter((a) => a.startsWith('dynamodb:'));
    expect(grantedActions.sort()).toEqual(granted);
    expect(unusedActions(fn(key).statements, calls).filter((a) => a.startsWith('dynamodb:'))).toEqual([]);
  });
});
