import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadBridgeConfig } from '#lib/config';

function routesFile(doc: unknown): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'routes-')), 'routes.json');
  writeFileSync(file, JSON.stringify(doc));
  return file;
}

describe('loadBridgeConfig', () => {
  it('refuses a route that asks for de-duplication while the stack has no table for it', () => {
    const file = routesFile({
      routes: [
        { name: 'a', to: { topicArn: 'arn:aws:sns:us-east-1:111122223333:a' } },
        { name: 'b', to: { topicArn: 'arn:aws:sns:us-east-1:111122223333:b' }, dedupe: true },
      ],
    });
    expect(() => loadBridgeConfig({ ROUTES_FILE: file })).toThrow(
      `${file}: routes[1].dedupe needs the de-duplication table, and DEDUPE_TABLE is not set: deploy the stack with the parameter dedupeTable=true`,
    );
    expect(loadBridgeConfig({ ROUTES_FILE: file, DEDUPE_TABLE: 'bridge-dedupe' }).dedupe).toEqual({
      tableName: 'bridge-dedupe',
      windowSeconds: 86_400,
      onUnavailable: 'publish',
    });
  });

  it('reads the de-duplication settings only with a table, and refuses bad values naming the variable', () => {
    const file = routesFile({ routes: [{ name: 'a', to: { topicArn: 'arn:aws:sns:us-east-1:111122223333:a' } }] });
    const env = { ROUTES_FILE: file, DEDUPE_TABLE: 'bridge-dedupe' };
    expect(loadBridgeConfig({ ROUTES_FILE: file }).dedupe).toBeNull();
    expect(loadBridgeConfig({ ...env, DEDUPE_WINDOW_SECONDS: '3600', DEDUPE_ON_UNAVAILABLE: 'retry' }).dedupe).toEqual({
      tableName: 'bridge-dedupe',
      windowSeconds: 3600,
      onUnavailable: 'retry',
    });
    expect(() => loadBridgeConfig({ ...env, DEDUPE_ON_UNAVAILABLE: 'drop' })).toThrow(
      'DEDUPE_ON_UNAVAILABLE: must be "publish" or "retry", got "drop"',
    );
    expect(() => loadBridgeConfig({ ...env, DEDUPE_WINDOW_SECONDS: '1.5' })).toThrow(
      'DEDUPE_WINDOW_SECONDS: must be a positive whole number, got "1.5"',
    );
    expect(() => loadBridgeConfig({ ...env, DEDUPE_WINDOW_SECONDS: '0' })).toThrow(
      'DEDUPE_WINDOW_SECONDS: must be a positive whole number, got "0"',
    );
    expect(() => loadBridgeConfig({ ...env, DEDUPE_TABLE: 'arn:aws:dynamodb:us-east-1:1:table/x' })).toThrow(
      'DEDUPE_TABLE: must be a DynamoDB table name, got "arn:aws:dynamodb:us-east-1:1:table/x"',
    );
    expect(() => loadBridgeConfig({ ROUTES_FILE: file, DEDUPE_ON_UNAVAILABLE: 'retry' })).toThrow(
      'DEDUPE_ON_UNAVAILABLE: is set, but DEDUPE_TABLE is not',
    );
  });

  it('accepts shadow routes and reads every route', () => {
    const file = routesFile({
      routes: [
        {
          name: 'a',
          to: { topicArn: 'arn:aws:sns:us-east-1:111122223333:a' },
          mode: 'shadow',
          shadowTopicArn: 'arn:aws:sns:us-east-1:111122223333:a-shadow',
        },
      ],
    });
    expect(loadBridgeConfig({ ROUTES_FILE: file }).routes.routes[0]).toMatchObject({
      mode: 'shadow',
      shadowTopicArn: 'arn:aws:sns:us-east-1:111122223333:a-shadow',
      dedupe: false,
    });
  });

  it('refuses the dry-run sink in a deployed function unless recipients may be logged', () => {
    const file = routesFile({ routes: [{ name: 'a', to: { topicArn: 'arn:aws:sns:us-east-1:111122223333:a' } }] });
    const deployed = { ROUTES_FILE: file, AWS_LAMBDA_FUNCTION_NAME: 'route-sqs', BRIDGE_PUBLISH: 'dry-run' };
    expect(() => loadBridgeConfig(deployed)).toThrow(
      'BRIDGE_PUBLISH: is "dry-run" in a deployed function, which would write every message, recipients included, to CloudWatch Logs; set LOG_RECIPIENTS=true to accept that, or publish to SNS',
    );
    expect(loadBridgeConfig({ ...deployed, LOG_RECIPIENTS: 'true' }).publish).toBe('dry-run');
    expect(loadBridgeConfig({ ...deployed, IS_LOCAL: 'true' }).publish).toBe('dry-run');
    // IS_LOCAL cannot make a deployed function (the runtime sets AWS_EXECUTION_ENV) pass for a local run.
    expect(() =>
      loadBridgeConfig({ ...deployed, IS_LOCAL: 'true', AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x' }),
    ).toThrow('BRIDGE_PUBLISH: is "dry-run" in a deployed function');
    expect(loadBridgeConfig({ ...deployed, BRIDGE_PUBLISH: 'auto' }).publish).toBe('sns');
  });
});
