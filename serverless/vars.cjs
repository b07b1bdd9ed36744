'use strict';
// Values serverless.yml computes from the routes file and the params, offline (no AWS lookups), so that
// `serverless package` works with no credentials. Resolved through ${file(./serverless/vars.cjs):NAME}.
// Every check here fails the package with one line naming the file or param and the field to fix.
const path = require('node:path');
const { PackageError, checkTopics, forOsls, list, param, params } = require('./params.cjs');
const tls = require('./policies.cjs');
const { functionRoles } = require('./roles.cjs');
const { alarmActions, functionAlarms } = require('./monitoring.cjs');
const { routesFileInZip, publishTopicArns } = require('./routes.cjs');
const { dedupeResources } = require('./dedupe.cjs');

const SERVICE_DIR = path.resolve(__dirname, '..');

/** The routes file as ROUTES_FILE and the package pattern see it: validated, relative to the service folder. */
async function routesFile({ resolveVariable }) {
  return routesFileInZip(await param(resolveVariable, 'routesFile', 'config/routes.example.json'), SERVICE_DIR);
}

/**
 * PARKING_TOPIC: the parking topic's ARN (Ref) in the deployed template. `serverless invoke local` resolves a Ref
 * by asking CloudFormation, which needs the deployed stack and credentials; there it gets the topic's name, which
 * the runtime completes with the region and a placeholder account.
 */
async function parkingTopic({ resolveVariable }) {
  const args = process.argv.slice(2);
  const local = args.indexOf('invoke') !== -1 && args[args.indexOf('invoke') + 1] === 'local';
  if (!local) return { Ref: 'ParkingTopic' };
  return `${await resolveVariable('self:service')}-${await resolveVariable('sls:stage')}-parking`;
}

/** The sns:Publish resources: the routes file's destinations plus the stack's parking topic. */
async function publishResources({ resolveVariable }) {
  const file = await param(resolveVariable, 'routesFile', 'config/routes.example.json');
  return [...publishTopicArns(file, SERVICE_DIR), { Ref: 'ParkingTopic' }];
}

/**
 * Topics of a comma-separated param, each an SNS topic ARN in the owner's account (param ownerAccountId) unless
 * param allowForeignTopics is "true": SES publishes feedback only to topics of the account that sends.
 */
async function ownedTopics(resolveVariable, name) {
  const topics = checkTopics(list(await param(resolveVariable, name, '')), `param ${name}`);
  if (topics.length === 0) return topics;
  const p = await params(resolveVariable, ['ownerAccountId', 'allowForeignTopics']);
  if (p.allowForeignTopics === 'true') return topics;
  if (!/^\d{12}$/.test(p.ownerAccountId))
    throw new PackageError(
      `param ownerAccountId: must be the 12-digit id of the account you deploy to when param ${name} is set, got "${p.ownerAccountId}"`,
    );
  for (const arn of topics) {
    if (arn.split(':')[4] !== p.ownerAccountId)
      throw new PackageError(
        `param ${name}: ${arn} is not in the owner's account ${p.ownerAccountId}; set param allowForeignTopics=true if that is intended`,
      );
  }
  return topics;
}

/** Existing SNS topics (comma-separated param intakeTopicArns) whose feedback the intake queue also takes. */
async function intakeSubscriptions({ resolveVariable }) {
  const topics = await ownedTopics(resolveVariable, 'intakeTopicArns');
  const resources = {};
  topics.forEach((arn, i) => {
    resources[`IntakeSubscription${i}`] = {
      Type: 'AWS::SNS::Subscription',
      Properties: {
        TopicArn: arn,
        Protocol: 'sqs',
        Endpoint: { 'Fn::GetAtt': ['IntakeQueue', 'Arn'] },
        Region: arn.split(':')[3],
      },
    };
  });
  return { Resources: resources };
}

/** Topic ARNs allowed to send to the intake queue: the stack's own intake topic and the param's topics. */
async function intakeSourceArns({ resolveVariable }) {
  return [{ Ref: 'IntakeTopic' }, ...(await ownedTopics(resolveVariable, 'intakeTopicArns'))];
}

/**
 * route-sns's direct subscriptions (param directTopicArns), written here rather than as `sns` events: each needs a
 * redrive policy, and osls would give the dead-letter queue one queue policy per topic (the last one deployed wins).
 * One DLQ for all of them, in the stack's region (SNS requires the subscription's region and account).
 */
async function directSubscriptions({ resolveVariable }) {
  const topics = await ownedTopics(resolveVariable, 'directTopicArns');
  const region = await resolveVariable('self:provider.region');
  const resources = {};
  if (topics.length === 0) return { Resources: resources };
  for (const arn of topics) {
    if (arn.split(':')[3] !== region)
      throw new PackageError(
        `param directTopicArns: ${arn} is not in the stack's region ${region}; its dead-letter queue could not be`,
      );
  }
  const dlq = { 'Fn::GetAtt': ['DirectDeadLetterQueue', 'Arn'] };
  resources.DirectDeadLetterQueue = {
    Type: 'AWS::SQS::Queue',
    Properties: { MessageRetentionPeriod: 1209600, SqsManagedSseEnabled: true },
  };
  resources.DirectDeadLetterQueuePolicy = {
    Type: 'AWS::SQS::QueuePolicy',
    Properties: {
      Queues: [{ Ref: 'DirectDeadLetterQueue' }],
      PolicyDocument: {
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'AllowDirectTopics',
            Effect: 'Allow',
            Principal: { Service: 'sns.amazonaws.com' },
            Action: 'sqs:SendMessage',
            Resource: dlq,
            Condition: { ArnEquals: { 'aws:SourceArn': topics } },
          },
          tls.denyInsecureQueue(dlq),
        ],
      },
    },
  };
  topics.forEach((arn, i) => {
    resources[`DirectSubscription${i}`] = {
      Type: 'AWS::SNS::Subscription',
      Properties: {
        TopicArn: arn,
        Protocol: 'lambda',
        Endpoint: { 'Fn::GetAtt': ['RouteDashsnsLambdaFunction', 'Arn'] },
        RedrivePolicy: { deadLetterTargetArn: dlq },
      },
    };
    resources[`DirectSubscriptionPermission${i}`] = {
      Type: 'AWS::Lambda::Permission',
      Properties: {
        FunctionName: { 'Fn::GetAtt': ['RouteDashsnsLambdaFunction', 'Arn'] },
        Action: 'lambda:InvokeFunction',
        Principal: 'sns.amazonaws.com',
        SourceArn: arn,
      },
    };
  });
  return { Resources: resources };
}

/** The sns-https function URL exists only when some topic is allowlisted: otherwise it is an open door. */
async function snsHttpsUrl({ resolveVariable }) {
  const topics = checkTopics(list(await param(resolveVariable, 'snsHttpsTopicArns', '')), 'param snsHttpsTopicArns');
  return topics.length > 0;
}

/**
 * KmsMasterKeyId of the intake topic: the stack's own key ("create", default), an existing key ARN, or none.
 * SES cannot publish to a topic under the AWS managed key alias/aws/sns (its policy cannot admit ses.amazonaws.com).
 */
async function intakeTopicKmsKey({ resolveVariable }) {
  const value = await param(resolveVariable, 'intakeTopicKmsKey', 'create');
  if (value === 'create') return { Ref: 'IntakeTopicKey' };
  if (value === 'none') return { Ref: 'AWS::NoValue' };
  if (/^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/.test(value)) return value;
  throw new PackageError(`param intakeTopicKmsKey: must be "create", "none" or a KMS key ARN, got "${value}"`);
}

/** A whole-number param within bounds, as a number (CLI params arrive as strings; the schema wants integers). */
function wholeNumber(name, fallback, min, max) {
  return async ({ resolveVariable }) => {
    const text = await param(resolveVariable, name, String(fallback));
    const value = Number(text);
    if (!/^\d+$/.test(text) || value < min || value > max)
      throw new PackageError(`param ${name}: must be a whole number from ${min} to ${max}, got "${text}"`);
    return value;
  };
}

const computations = {
  sqsMaximumConcurrency: wholeNumber('sqsMaximumConcurrency', 10, 2, 1000),
  snsHttpsReservedConcurrency: wholeNumber('snsHttpsReservedConcurrency', 5, 1, 1000),
  routesFile,
  parkingTopic,
  publishResources,
  intakeSubscriptions,
  intakeSourceArns,
  directSubscriptions,
  snsHttpsUrl,
  intakeTopicKmsKey,
  alarmActions,
  functionRoles,
  functionAlarms,
  dedupeResources,
};

// osls gets the wrapped computations (a configuration mistake is one line and exit code 1); tests call `raw`.
module.exports = { ...forOsls(computations), raw: computations };
