/**
 * Package-time checks (serverless/*.cjs): the routes file passes the functions' own validator, lives inside the
 * service folder and is named by its path inside the zip; topics, keys and names in the params are checked before
 * anything is packaged. Each mistake is one line naming the file or param and the field, and exit code 1.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadRoutesFile } from '#lib/config';
import { serverless, TemplateResolver } from '#test/support/deployed';
import { REPO_ROOT } from '#test/support/fixtures';

type Computation = (args: { resolveVariable: (name: string) => Promise<unknown> }) => Promise<any>;
const vars: Record<string, Computation> = createRequire(__filename)('../../serverless/vars.cjs').raw;

/** A resolveVariable answering params (and self:service, sls:stage, the region) as osls would. */
function resolver(params: Record<string, string>) {
  const known: Record<string, unknown> = {
    'self:service': 'ses-notification-bridge',
    'sls:stage': 'dev',
    'self:provider.region': 'us-east-1',
  };
  return {
    resolveVariable: async (name: string) => (name.startsWith('param:') ? params[name.slice(6)] : known[name]),
  };
}

const compute = (name: string, params: Record<string, string>) => (vars[name] as Computation)(resolver(params));
const OWNER = '123456789012';

describe('the routes file at package time', () => {
  it('is named by its path inside the zip, even when given as an absolute path', async () => {
    const absolute = path.join(REPO_ROOT, 'config/routes.example.json');
    expect(await compute('routesFile', { routesFile: absolute })).toBe('config/routes.example.json');
  });

  it('is checked by the functions own validator: a misspelt condition key names the file and the field', async () => {
    await expect(compute('routesFile', { routesFile: 'test/fixtures/routes/misspelt-key.json' })).rejects.toThrow(
      'test/fixtures/routes/misspelt-key.json: routes[0].when.sendingAcountId unknown key "sendingAcountId": expected one of sendingAccountId, sourceArn, identity, configurationSet, callerIdentity, types, tags',
    );
  });

  it('refuses an empty file as invalid JSON', async () => {
    await expect(compute('routesFile', { routesFile: 'test/fixtures/routes/empty.json' })).rejects.toThrow(
      'test/fixtures/routes/empty.json: is not valid JSON (Unexpected end of JSON input)',
    );
  });

  it('refuses YAML: routes files are JSON, the same line the functions give at cold start', async () => {
    await expect(compute('routesFile', { routesFile: 'test/fixtures/routes/routes.yaml' })).rejects.toThrow(
      'test/fixtures/routes/routes.yaml: routes files are JSON',
    );
    expect(() => loadRoutesFile('test/fixtures/routes/routes.yaml', { LAMBDA_TASK_ROOT: REPO_ROOT })).toThrow(
      'test/fixtures/routes/routes.yaml: routes files are JSON',
    );
  });

  it('gives at package time the line the functions give at cold start for a misspelt key', async () => {
    const file = 'test/fixtures/routes/misspelt-key.json';
    const atColdStart = (() => {
      try {
        loadRoutesFile(file, { LAMBDA_TASK_ROOT: REPO_ROOT });
      } catch (err) {
        return (err as Error).message;
      }
    })();
    expect(atColdStart).toContain('routes[0].when.sendingAcountId unknown key');
    await expect(compute('routesFile', { routesFile: file })).rejects.toThrow(atColdStart as string);
  });

  it('refuses a file outside the service folder, which would not be packaged', async () => {
    await expect(compute('routesFile', { routesFile: '../routes.json' })).rejects.toThrow(
      `param routesFile: ../routes.json is outside the service folder ${REPO_ROOT}, so it would not be packaged; copy it inside`,
    );
    await expect(compute('routesFile', { routesFile: '/etc/routes.json' })).rejects.toThrow(
      'param routesFile: /etc/routes.json is outside the service folder',
    );
  });

  it('refuses a file that does not exist', async () => {
    await expect(compute('routesFile', { routesFile: 'config/nope.json' })).rejects.toThrow(
      'param routesFile: cannot read config/nope.json: no such file',
    );
  });
});

describe('topics and keys in the params', () => {
  it("refuses intake and direct topics outside the owner's account unless allowForeignTopics is true", async () => {
    const foreign = 'arn:aws:sns:us-east-1:999999999999:their-feedback';
    await expect(compute('intakeSourceArns', { ownerAccountId: OWNER, intakeTopicArns: foreign })).rejects.toThrow(
      `param intakeTopicArns: ${foreign} is not in the owner's account ${OWNER}; set param allowForeignTopics=true if that is intended`,
    );
    await expect(compute('directSubscriptions', { ownerAccountId: OWNER, directTopicArns: foreign })).rejects.toThrow(
      `param directTopicArns: ${foreign} is not in the owner's account ${OWNER}`,
    );
    expect(
      await compute('intakeSourceArns', {
        ownerAccountId: OWNER,
        intakeTopicArns: foreign,
        allowForeignTopics: 'true',
      }),
    ).toEqual([{ Ref: 'IntakeTopic' }, foreign]);
  });

  it('needs the owner account, offline, as soon as intake or direct topics are given', async () => {
    await expect(
      compute('intakeSubscriptions', { intakeTopicArns: `arn:aws:sns:us-east-1:${OWNER}:feedback` }),
    ).rejects.toThrow(
      'param ownerAccountId: must be the 12-digit id of the account you deploy to when param intakeTopicArns is set, got ""',
    );
  });

  it("refuses a direct topic outside the stack's region, where its dead-letter queue could not be", async () => {
    const arn = `arn:aws:sns:eu-west-1:${OWNER}:feedback`;
    await expect(compute('directSubscriptions', { ownerAccountId: OWNER, directTopicArns: arn })).rejects.toThrow(
      `param directTopicArns: ${arn} is not in the stack's region us-east-1; its dead-letter queue could not be`,
    );
  });

  it('refuses what is not a topic ARN, a key ARN or a key choice', async () => {
    await expect(compute('snsHttpsUrl', { snsHttpsTopicArns: 'my-topic' })).rejects.toThrow(
      'param snsHttpsTopicArns: "my-topic" is not an SNS topic ARN',
    );
    await expect(compute('intakeTopicKmsKey', { intakeTopicKmsKey: 'alias/aws/sns' })).rejects.toThrow(
      'param intakeTopicKmsKey: must be "create", "none" or a KMS key ARN, got "alias/aws/sns"',
    );
    await expect(compute('functionRoles', { delegateKmsKeyArns: 'alias/theirs' })).rejects.toThrow(
      'param delegateKmsKeyArns: "alias/theirs" is not a KMS key ARN (arn:...:kms:REGION:ACCOUNT:key/ID)',
    );
  });

  it('reads concurrency params as whole numbers within what Lambda allows', async () => {
    expect(await compute('sqsMaximumConcurrency', { sqsMaximumConcurrency: '20' })).toBe(20);
    expect(await compute('snsHttpsReservedConcurrency', {})).toBe(5);
    await expect(compute('sqsMaximumConcurrency', { sqsMaximumConcurrency: '1' })).rejects.toThrow(
      'param sqsMaximumConcurrency: must be a whole number from 2 to 1000, got "1"',
    );
    await expect(compute('snsHttpsReservedConcurrency', { snsHttpsReservedConcurrency: 'five' })).rejects.toThrow(
      'param snsHttpsReservedConcurrency: must be a whole number from 1 to 1000, got "five"',
    );
  });

  it('encrypts the intake topic with the stack key by default, a given key, or not at all', async () => {
    expect(await compute('intakeTopicKmsKey', {})).toEqual({ Ref: 'IntakeTopicKey' });
    expect(await compute('intakeTopicKmsKey', { intakeTopicKmsKey: 'none' })).toEqual({ Ref: 'AWS::NoValue' });
    const key = `arn:aws:kms:us-east-1:${OWNER}:key/0a1b2c3d-4e5f-4a6b-8c7d-8e9f0a1b2c3d`;
    expect(await compute('intakeTopicKmsKey', { intakeTopicKmsKey: key })).toBe(key);
  });
});

describe('the basic-auth secret of sns-https', () => {
  it('lets the intake role read only the named SSM parameter, and decrypt only through SSM with its key', async () => {
    const key = `arn:aws:kms:us-east-1:${OWNER}:key/0a1b2c3d-4e5f-4a6b-8c7d-8e9f0a1b2c3d`;
    const { Resources } = await compute('functionRoles', {
      snsHttpsBasicAuthUser: 'sns',
      snsHttpsBasicAuthPasswordParameter: '/ses-bridge/sns-https/password',
      snsHttpsBasicAuthPasswordKeyArn: key,
    });
    const statements = Resources.SnsHttpsRole.Properties.Policies[0].PolicyDocument.Statement;
    const secretStatements = statements.filter((s: any) => /^(ssm|kms):/.test(String(s.Action)));
    expect(new TemplateResolver({ Resources: {} }).resolve(secretStatements)).toEqual([
      {
        Effect: 'Allow',
        Action: 'ssm:GetParameter',
        Resource: `arn:aws:ssm:us-east-1:${OWNER}:parameter/ses-bridge/sns-https/password`,
      },
      {
        Effect: 'Allow',
        Action: 'kms:Decrypt',
        Resource: [key],
        Condition: { StringEquals: { 'kms:ViaService': 'ssm.us-east-1.amazonaws.com' } },
      },
    ]);
    for (const other of ['RouteSqsRole', 'RouteSnsRole', 'MigrateRole'])
      expect(JSON.stringify(Resources[other]), other).not.toContain('ssm:');
  });

  it('refuses a user without a password parameter, or the reverse', async () => {
    await expect(compute('functionRoles', { snsHttpsBasicAuthUser: 'sns' })).rejects.toThrow(
      'param snsHttpsBasicAuthUser and param snsHttpsBasicAuthPasswordParameter: set both (basic auth) or neither',
    );
  });
});

describe('serverless package with a bad routes file', () => {
  it('fails with exit code 1 and one line naming the file and the field, no stack trace', async () => {
    const failure = await serverless([
      'package',
      '--package',
      '.serverless-bad',
      '--param',
      'routesFile=test/fixtures/routes/misspelt-key.json',
    ]).then(
      () => undefined,
      (err: { code: number; stderr: string }) => err,
    );
    expect(failure?.code).toBe(1);
    const errors = (failure?.stderr ?? '').split('\n').filter((line) => line.startsWith('Error'));
    expect(errors).toEqual([
      'Error: test/fixtures/routes/misspelt-key.json: routes[0].when.sendingAcountId unknown key "sendingAcountId": expected one of sendingAccountId, sourceArn, identity, configurationSet, callerIdentity, types, tags',
    ]);
    expect(failure?.stderr).not.toMatch(/^\s+at /m);
  }, 120_000);
});
