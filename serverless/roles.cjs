'use strict';
// One IAM role per function, each allowed only what that function (or Lambda on its behalf) calls.
// test/integration/serverless-deployed.test.ts proves it both ways: every call the bundled handlers make is
// allowed, and every action granted is called (or listed there with the reason it cannot be called in a test).
const { PackageError, checkTopics, list, logicalName, params } = require('./params.cjs');
const { dedupeStatements } = require('./dedupe.cjs');
const { publishTopicArns } = require('./routes.cjs');
const path = require('node:path');

const SERVICE_DIR = path.resolve(__dirname, '..');
const KMS_KEY_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/;
const SSM_NAME = /^[A-Za-z0-9_.\-/]{1,1011}$/;
const IDENTITY = /^(?:arn:aws[a-z-]*:ses:[a-z0-9-]+:\d{12}:identity\/)?[^\s,*?]+$/;
const CONFIGURATION_SET = /^[A-Za-z0-9_-]{1,64}$/;

/** The role's logical id: route-sqs -> RouteSqsRole. */
function roleName(fn) {
  return `${fn.replace(/(^|-)([a-z])/g, (_, __, c) => c.toUpperCase())}Role`;
}

function sub(text) {
  return { 'Fn::Sub': text };
}

function allow(action, resource, condition) {
  return { Effect: 'Allow', Action: action, Resource: resource, ...(condition ? { Condition: condition } : {}) };
}

function role(fn, functionName, statements) {
  return {
    Type: 'AWS::IAM::Role',
    Properties: {
      AssumeRolePolicyDocument: {
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
      },
      Policies: [
        {
          PolicyName: fn,
          PolicyDocument: {
            Version: '2012-10-17',
            Statement: [
              // Its own log group only (the stack creates it, so no logs:CreateLogGroup).
              allow(
                ['logs:CreateLogStream', 'logs:PutLogEvents'],
                sub(
                  `arn:\${AWS::Partition}:logs:\${AWS::Region}:\${AWS::AccountId}:log-group:/aws/lambda/${functionName}:*`,
                ),
              ),
              ...statements,
            ],
          },
        },
      ],
    },
  };
}

function keyArns(value, name) {
  const keys = list(value);
  for (const key of keys)
    if (!KMS_KEY_ARN.test(key))
      throw new PackageError(`param ${name}: "${key}" is not a KMS key ARN (arn:...:kms:REGION:ACCOUNT:key/ID)`);
  return keys;
}

/** SES identity ARNs of param migrateIdentities: names in the stack's account, or full identity ARNs as given. */
function identityArns(value) {
  return list(value).map((identity) => {
    if (!IDENTITY.test(identity))
      throw new PackageError(
        `param migrateIdentities: "${identity}" is not an SES identity (a domain, an address or an identity ARN)`,
      );
    return identity.startsWith('arn:')
      ? identity
      : sub(`arn:\${AWS::Partition}:ses:\${AWS::Region}:\${AWS::AccountId}:identity/${identity}`);
  });
}

function configurationSetArns(value) {
  return list(value).map((name) => {
    if (!CONFIGURATION_SET.test(name))
      throw new PackageError(`param migrateConfigurationSets: "${name}" is not a configuration set name`);
    return sub(`arn:\${AWS::Partition}:ses:\${AWS::Region}:\${AWS::AccountId}:configuration-set/${name}`);
  });
}

async function functionRoles({ resolveVariable }) {
  const service = await resolveVariable('self:service');
  const stage = await resolveVariable('sls:stage');
  const p = await params(resolveVariable, [
    'routesFile',
    'snsHttpsTopicArns',
    'snsHttpsBasicAuthUser',
    'snsHttpsBasicAuthPasswordParameter',
    'snsHttpsBasicAuthPasswordKeyArn',
    'delegateKmsKeyArns',
    'migrateIdentities',
    'migrateConfigurationSets',
  ]);
  const publish = allow('sns:Publish', [
    ...publishTopicArns(p.routesFile || 'config/routes.example.json', SERVICE_DIR),
    { Ref: 'ParkingTopic' },
  ]);
  // Delegates' topics encrypted with their own keys: SNS needs the publisher to use the key.
  const delegateKeys = keyArns(p.delegateKmsKeyArns, 'delegateKmsKeyArns');
  const publishing = [
    publish,
    ...(delegateKeys.length ? [allow(['kms:GenerateDataKey*', 'kms:Decrypt'], delegateKeys)] : []),
  ];
  const asyncFailure = allow('sqs:SendMessage', { 'Fn::GetAtt': ['AsyncFailureQueue', 'Arn'] });
  const name = (fn) => `${service}-${stage}-${fn}`;

  const allowlisted = checkTopics(list(p.snsHttpsTopicArns), 'param snsHttpsTopicArns');
  const secret = p.snsHttpsBasicAuthPasswordParameter.replace(/^\//, '');
  if (secret !== '' && !SSM_NAME.test(secret))
    throw new PackageError(
      `param snsHttpsBasicAuthPasswordParameter: "${p.snsHttpsBasicAuthPasswordParameter}" is not an SSM parameter name`,
    );
  if ((p.snsHttpsBasicAuthUser === '') !== (secret === ''))
    throw new PackageError(
      'param snsHttpsBasicAuthUser and param snsHttpsBasicAuthPasswordParameter: set both (basic auth) or neither',
    );
  const secretKeys = keyArns(p.snsHttpsBasicAuthPasswordKeyArn, 'snsHttpsBasicAuthPasswordKeyArn');
  const snsHttps = [
    ...publishing,
    ...(allowlisted.length ? [allow('sns:ConfirmSubscription', allowlisted)] : []),
    ...(secret
      ? [
          allow(
            'ssm:GetParameter',
            sub(`arn:\${AWS::Partition}:ssm:\${AWS::Region}:\${AWS::AccountId}:parameter/${secret}`),
          ),
        ]
      : []),
    // A SecureString under a customer managed key; under aws/ssm the key policy already admits the account via SSM.
    ...(secret && secretKeys.length
      ? [
          allow('kms:Decrypt', secretKeys, {
            StringEquals: { 'kms:ViaService': sub('ssm.${AWS::Region}.amazonaws.com') },
          }),
        ]
      : []),
  ];

  const identities = identityArns(p.migrateIdentities);
  const configurationSets = configurationSetArns(p.migrateConfigurationSets);
  const migrate = [
    ...(identities.length
      ? [
          allow(
            [
              'ses:GetIdentityNotificationAttributes',
              'ses:SetIdentityNotificationTopic',
              'ses:SetIdentityHeadersInNotificationsEnabled',
              'ses:SetIdentityFeedbackForwardingEnabled',
              'ses:GetEmailIdentity',
              'ses:GetEmailIdentityPolicies',
            ],
            identities,
          ),
        ]
      : []),
    ...(configurationSets.length
      ? [
          allow(
            [
              'ses:CreateConfigurationSet',
              'ses:GetConfigurationSet',
              'ses:DeleteConfigurationSet',
              'ses:CreateConfigurationSetEventDestination',
              'ses:GetConfigurationSetEventDestinations',
              'ses:UpdateConfigurationSetEventDestination',
              'ses:DeleteConfigurationSetEventDestination',
            ],
            configurationSets,
          ),
        ]
      : []),
  ];

  const statements = {
    // Lambda's SQS poller uses the function's role to read and delete the intake queue's messages.
    'route-sqs': [
      ...publishing,
      allow(['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'], {
        'Fn::GetAtt': ['IntakeQueue', 'Arn'],
      }),
    ],
    // Lambda sends events that failed every retry to the on-failure destination with the function's role.
    'route-sns': [...publishing, asyncFailure],
    'route-eventbridge': [...publishing, asyncFailure],
    'route-firehose': publishing,
    'sns-https': snsHttps,
    migrate,
  };
  const resources = {};
  for (const [fn, list] of Object.entries(statements)) {
    // The de-duplication table (param dedupeTable), to the functions that use it only (serverless/dedupe.cjs).
    const table = await dedupeStatements(resolveVariable, fn);
    resources[roleName(fn)] = role(fn, name(fn), [...list, ...table]);
  }
  return { Resources: resources };
}

module.exports = { functionRoles, logicalName, roleName };
