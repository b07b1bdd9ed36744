'use strict';
// The de-duplication table (param dedupeTable), the functions that use it and the settings they are given.
// Off by default: at volume its writes cost more than everything else the bridge does (docs/cutover.md).
const path = require('node:path');
const { PackageError, logicalName, param } = require('./params.cjs');
const { dedupeRoutes } = require('./routes.cjs');

const SERVICE_DIR = path.resolve(__dirname, '..');

/** The functions that publish routes (every route can match a record of any trigger). */
const PUBLISHING = ['route-sqs', 'route-sns', 'route-eventbridge', 'route-firehose', 'sns-https'];
/** The HTTPS intake also keeps its replay check there (signed MessageIds), with or without a dedupe route. */
const REPLAY = 'sns-https';

const TABLE_ARN = { 'Fn::GetAtt': ['DedupeTable', 'Arn'] };

/**
 * What the params ask for: whether the table exists, which functions use it and with which actions (only the calls
 * lib/dedupe makes: PutItem for the routes' claims, GetItem for the intake's replay check), and their settings.
 */
async function dedupePlan(resolveVariable) {
  const flag = await param(resolveVariable, 'dedupeTable', 'false');
  if (flag !== 'true' && flag !== 'false')
    throw new PackageError(`param dedupeTable: must be "true" or "false", got "${flag}"`);
  const file = await param(resolveVariable, 'routesFile', 'config/routes.example.json');
  const { inZip, routes } = dedupeRoutes(file, SERVICE_DIR);
  if (flag === 'false') {
    if (routes.length > 0) {
      const { index, name } = routes[0];
      throw new PackageError(
        `${inZip}: routes[${index}] ("${name}") has "dedupe": true, which needs the de-duplication table: package with --param dedupeTable=true`,
      );
    }
    return { on: false, actions: {}, environment: {} };
  }
  const window = await param(resolveVariable, 'dedupeWindowSeconds', '86400');
  if (!/^\d+$/.test(window) || Number(window) < 60 || Number(window) > 2_592_000)
    throw new PackageError(
      `param dedupeWindowSeconds: must be a whole number of seconds from 60 to 2592000 (30 days), got "${window}"`,
    );
  const onUnavailable = await param(resolveVariable, 'dedupeOnUnavailable', 'publish');
  if (onUnavailable !== 'publish' && onUnavailable !== 'retry')
    throw new PackageError(`param dedupeOnUnavailable: must be "publish" or "retry", got "${onUnavailable}"`);
  const actions = {};
  for (const fn of PUBLISHING) {
    if (fn === REPLAY) actions[fn] = ['dynamodb:PutItem', 'dynamodb:GetItem'];
    else if (routes.length > 0) actions[fn] = ['dynamodb:PutItem'];
  }
  const environment = {
    DEDUPE_TABLE: { Ref: 'DedupeTable' },
    DEDUPE_WINDOW_SECONDS: window,
    DEDUPE_ON_UNAVAILABLE: onUnavailable,
  };
  return { on: true, actions, environment };
}

/** The statement a function's role gets for the table (none when it does not use it). */
async function dedupeStatements(resolveVariable, fn) {
  const plan = await dedupePlan(resolveVariable);
  const actions = plan.actions[fn];
  return actions ? [{ Effect: 'Allow', Action: actions, Resource: TABLE_ARN }] : [];
}

/**
 * The table and, merged into the compiled functions (osls deep-merges resources over what it compiled), the
 * settings of the functions that use it. Nothing at all when the param is off: no table, no variable, no action.
 */
async function dedupeResources({ resolveVariable }) {
  const plan = await dedupePlan(resolveVariable);
  if (!plan.on) return { Resources: {} };
  const resources = {
    // Retained when the param is turned off or the stack is deleted: CloudFormation never drops it silently. Its
    // items expire by themselves (TTL), so a retained table empties and can be deleted by hand (docs/operations.md).
    // No fixed name, so turning the param on again creates a fresh table instead of failing on the retained one.
    DedupeTable: {
      Type: 'AWS::DynamoDB::Table',
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: {
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
        // KMS with the AWS managed key aws/dynamodb: DynamoDB uses it on the caller's behalf, no kms:* needed.
        SSESpecification: { SSEEnabled: true },
      },
    },
  };
  for (const fn of Object.keys(plan.actions))
    resources[`${logicalName(fn)}LambdaFunction`] = {
      // The schema wants a Type on every resource; it is the compiled function's own, so the merge changes nothing else.
      Type: 'AWS::Lambda::Function',
      Properties: { Environment: { Variables: plan.environment } },
    };
  return { Resources: resources };
}

module.exports = { dedupePlan, dedupeStatements, dedupeResources };
