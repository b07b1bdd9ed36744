/**
 * The de-duplication table in the compiled template (param dedupeTable): off by default, with nothing of it in the
 * stack; on, a table and, on exactly the functions that use it, its settings and only the actions lib/dedupe calls.
 * A route asking for de-duplication fails the package while the table is off.
 */
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { DEPLOY, type DeployedFunction, deployedFunctions, packageStack, serverless } from '#test/support/deployed';

type Computation = (args: { resolveVariable: (name: string) => Promise<unknown> }) => Promise<any>;
const vars: Record<string, Computation> = createRequire(__filename)('../../serverless/vars.cjs').raw;
const compute = (params: Record<string, string>) =>
  (vars.dedupeResources as Computation)({
    resolveVariable: async (name: string) => (name.startsWith('param:') ? params[name.slice(6)] : undefined),
  });

const DEDUPE_ROUTES = 'test/fixtures/routes/dedupe.json';
const TABLE = `ses-notification-bridge-${DEPLOY.stage}-DedupeTable-ABCDEF012345`;
const TABLE_ARN = `arn:aws:dynamodb:${DEPLOY.region}:${DEPLOY.account}:table/${TABLE}`;
const ON_RETRY = { dedupeTable: 'true', routesFile: DEDUPE_ROUTES, dedupeOnUnavailable: 'retry' };
const ROUTES = ['route-sqs', 'route-sns', 'route-eventbridge', 'route-firehose'];

const dynamoStatements = (f: DeployedFunction) => f.statements.filter((s) => JSON.stringify(s).includes('dynamodb'));
const dedupeEnvironment = (f: DeployedFunction) =>
  Object.fromEntries(Object.entries(f.environment).filter(([name]) => name.startsWith('DEDUPE_')));

describe('param dedupeTable at package time', () => {
  it('refuses a route with "dedupe": true while the table is off, naming the route and the param', async () => {
    await expect(compute({ routesFile: DEDUPE_ROUTES })).rejects.toThrow(
      'test/fixtures/routes/dedupe.json: routes[0] ("acme-esp") has "dedupe": true, which needs the de-duplication table: package with --param dedupeTable=true',
    );
    await expect(compute({ routesFile: DEDUPE_ROUTES, dedupeTable: 'false' })).rejects.toThrow('routes[0]');
  });

  it('refuses values it does not know, naming the param', async () => {
    await expect(compute({ dedupeTable: 'yes' })).rejects.toThrow(
      'param dedupeTable: must be "true" or "false", got "yes"',
    );
    await expect(compute({ dedupeTable: 'true', dedupeWindowSeconds: '30' })).rejects.toThrow(
      'param dedupeWindowSeconds: must be a whole number of seconds from 60 to 2592000 (30 days), got "30"',
    );
    await expect(compute({ dedupeTable: 'true', dedupeOnUnavailable: 'drop' })).rejects.toThrow(
      'param dedupeOnUnavailable: must be "publish" or "retry", got "drop"',
    );
  });

  it('fails `serverless package` with exit code 1 and that one line', async () => {
    const failure = await serverless([
      'package',
      '--package',
      '.serverless-bad',
      '--param',
      `routesFile=${DEDUPE_ROUTES}`,
    ]).then(
      () => undefined,
      (err: { code: number; stderr: string }) => err,
    );
    expect(failure?.code).toBe(1);
    expect((failure?.stderr ?? '').split('\n').filter((line) => line.startsWith('Error'))).toEqual([
      'Error: test/fixtures/routes/dedupe.json: routes[0] ("acme-esp") has "dedupe": true, which needs the de-duplication table: package with --param dedupeTable=true',
    ]);
  }, 120_000);
});

describe('the compiled template', () => {
  it('has no table, no DynamoDB action, no DEDUPE_ variable and no table alarm by default', async () => {
    const pkg = await packageStack();
    expect(Object.values<any>(pkg.template.Resources).filter((r) => r.Type === 'AWS::DynamoDB::Table')).toEqual([]);
    expect(JSON.stringify(pkg.template)).not.toMatch(/dynamodb|DEDUPE_|DedupeTable/i);
  }, 180_000);

  it('with the param on and dedupe routes: an on-demand, TTL, encrypted, retained table', async () => {
    const pkg = await packageStack(ON_RETRY);
    expect(pkg.template.Resources.DedupeTable).toEqual({
      Type: 'AWS::DynamoDB::Table',
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: {
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
        SSESpecification: { SSEEnabled: true },
      },
    });
    const dashboard = JSON.parse(pkg.template.Resources.Dashboard.Properties.DashboardBody['Fn::Sub']);
    expect(dashboard.widgets.at(-1).properties.title).toBe('De-duplication: copies suppressed per route, table errors');
    expect(pkg.template.Resources.DedupeTableErrorsAlarm.Properties).toMatchObject({
      Namespace: 'SesNotificationBridge',
      MetricName: 'DedupeTableErrors',
      Dimensions: [{ Name: 'service', Value: 'ses-notification-bridge' }],
    });
  }, 180_000);

  it('with the param on and dedupe routes: PutItem on that table only to the publishing functions, GetItem to sns-https only, migrate nothing', async () => {
    const functions = deployedFunctions(await packageStack(ON_RETRY));
    for (const key of ROUTES) {
      const f = functions.get(key) as DeployedFunction;
      expect(dynamoStatements(f), key).toEqual([
        { Effect: 'Allow', Action: ['dynamodb:PutItem'], Resource: TABLE_ARN },
      ]);
      expect(dedupeEnvironment(f), key).toEqual({
        DEDUPE_TABLE: TABLE,
        DEDUPE_WINDOW_SECONDS: '86400',
        DEDUPE_ON_UNAVAILABLE: 'retry',
      });
      // The merge into the compiled function adds the settings and keeps everything osls compiled.
      expect(f.environment.ROUTES_FILE, key).toBe(DEDUPE_ROUTES);
    }
    const https = functions.get('sns-https') as DeployedFunction;
    expect(dynamoStatements(https)).toEqual([
      { Effect: 'Allow', Action: ['dynamodb:PutItem', 'dynamodb:GetItem'], Resource: TABLE_ARN },
    ]);
    expect(https.environment).toMatchObject({ DEDUPE_TABLE: TABLE, SNS_HTTPS_MAX_AGE_SECONDS: '3600' });
    const migrate = functions.get('migrate') as DeployedFunction;
    expect(dynamoStatements(migrate)).toEqual([]);
    expect(dedupeEnvironment(migrate)).toEqual({});
  }, 180_000);

  it('with the param on and no dedupe route: only sns-https uses the table (its replay check)', async () => {
    const functions = deployedFunctions(await packageStack({ dedupeTable: 'true', dedupeWindowSeconds: '3600' }));
    for (const key of [...ROUTES, 'migrate']) {
      const f = functions.get(key) as DeployedFunction;
      expect(dynamoStatements(f), key).toEqual([]);
      expect(dedupeEnvironment(f), key).toEqual({});
    }
    const https = functions.get('sns-https') as DeployedFunction;
    expect(dynamoStatements(https)).toEqual([
      { Effect: 'Allow', Action: ['dynamodb:PutItem', 'dynamodb:GetItem'], Resource: TABLE_ARN },
    ]);
    expect(dedupeEnvironment(https)).toEqual({
      DEDUPE_TABLE: TABLE,
      DEDUPE_WINDOW_SECONDS: '3600',
      DEDUPE_ON_UNAVAILABLE: 'publish',
    });
  }, 180_000);
});
