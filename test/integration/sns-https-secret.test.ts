/**
 * The intake's basic auth password comes from an SSM SecureString, read over real HTTP (the AWS SDK's SSM client,
 * AWS JSON 1.1) from the local SSM test server: decrypted, once per container, and any failure to read it fails the
 * invocation with the variable to fix, until it can be read.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { resetClients } from '#lib/aws-clients';
import { type FakeSsm, startFakeSsm } from '#test/support/fake-ssm-server';
import { functionUrlEvent, TEST_TOPIC_ARN } from '#test/support/sns-signing';
import { createSnsHttpsHandler, defaultSnsHttpsDeps } from '../../functions/sns-https';

const PARAMETER = '/ses-bridge/prod/sns-https-basic-auth-password';
const PASSWORD = 'correct horse battery staple';
const ENV = {
  SNS_HTTPS_ALLOWED_TOPIC_ARNS: TEST_TOPIC_ARN,
  SNS_HTTPS_RAW_DELIVERY: 'true',
  SNS_HTTPS_BASIC_AUTH_USER: 'sns-intake',
  SNS_HTTPS_BASIC_AUTH_PASSWORD_PARAMETER: PARAMETER,
  AWS_REGION: 'us-east-1',
};

let ssm: FakeSsm;

beforeAll(async () => {
  ssm = await startFakeSsm();
});
afterAll(() => ssm.close());
beforeEach(() => {
  ssm.parameters.clear();
  ssm.denied.clear();
  ssm.requests.length = 0;
  vi.stubEnv('AWS_ENDPOINT_URL_SSM', ssm.endpoint);
  resetClients();
});
afterEach(() => {
  vi.unstubAllEnvs();
  resetClients();
});

/** A raw-delivery post (unsigned: only the basic auth credentials vouch for it) of a record that is not SES. */
function rawPost(password: string) {
  return functionUrlEvent('{"hello":"not SES"}', {
    'x-amz-sns-rawdelivery': 'true',
    'x-amz-sns-message-type': 'Notification',
    'x-amz-sns-topic-arn': TEST_TOPIC_ARN,
    authorization: `Basic ${Buffer.from(`sns-intake:${password}`).toString('base64')}`,
  });
}

/** The production dependencies, with the notification step stubbed (the routes are not what is tested here). */
function handler(env: Record<string, string> = ENV) {
  return createSnsHttpsHandler(async () => ({
    ...(await defaultSnsHttpsDeps(env)),
    onNotification: async () => 'delivered' as const,
    logger: { info: () => undefined, warn: () => undefined, error: () => undefined },
  }));
}

describe('the basic auth password in SSM Parameter Store', () => {
  it('is read decrypted with GetParameter, over the JSON 1.1 protocol, and checked on every post', async () => {
    ssm.parameters.set(PARAMETER, { type: 'SecureString', value: PASSWORD });
    const deps = await defaultSnsHttpsDeps(ENV);
    expect(deps.config.basicAuth).toEqual({ user: 'sns-intake', password: PASSWORD });
    expect(ssm.requests).toEqual([
      { target: 'AmazonSSM.GetParameter', body: { Name: PARAMETER, WithDecryption: true } },
    ]);
  });

  it('is read once per container, however many posts arrive', async () => {
    ssm.parameters.set(PARAMETER, { type: 'SecureString', value: PASSWORD });
    const h = handler();
    expect((await h(rawPost(PASSWORD))).statusCode).toBe(200);
    expect((await h(rawPost('wrong'))).statusCode).toBe(401);
    expect((await h(rawPost(PASSWORD))).statusCode).toBe(200);
    expect(ssm.requests).toHaveLength(1);
  });

  it('fails the invocation while the parameter does not exist, then reads it once it does', async () => {
    const h = handler();
    await expect(h(rawPost(PASSWORD))).rejects.toThrow(
      `SNS_HTTPS_BASIC_AUTH_PASSWORD_PARAMETER: parameter "${PARAMETER}" could not be read (ParameterNotFound: `,
    );
    ssm.parameters.set(PARAMETER, { type: 'SecureString', value: PASSWORD });
    expect((await h(rawPost(PASSWORD))).statusCode).toBe(200);
    expect(ssm.requests).toHaveLength(2);
  });

  it('fails the invocation when the role may not read the parameter, naming the permissions it needs', async () => {
    ssm.parameters.set(PARAMETER, { type: 'SecureString', value: PASSWORD });
    ssm.denied.add(PARAMETER);
    await expect(handler()(rawPost(PASSWORD))).rejects.toThrow(
      /parameter ".*" could not be read \(AccessDeniedException: .*not authorized to perform: ssm:GetParameter.*\); check that it exists in this Region and that the function's role may ssm:GetParameter it and kms:Decrypt with its key/,
    );
  });

  it('refuses a plain String parameter: the password must be stored encrypted', async () => {
    ssm.parameters.set(PARAMETER, { type: 'String', value: PASSWORD });
    await expect(defaultSnsHttpsDeps(ENV)).rejects.toThrow(
      `SNS_HTTPS_BASIC_AUTH_PASSWORD_PARAMETER: parameter "${PARAMETER}" is a String, not a SecureString: store the password encrypted`,
    );
  });

  it('reads a parameter given by ARN in the Region of its ARN', async () => {
    ssm.parameters.set(PARAMETER, { type: 'SecureString', value: PASSWORD });
    const arn = `arn:aws:ssm:eu-west-1:888888888888:parameter${PARAMETER}`;
    const deps = await defaultSnsHttpsDeps({ ...ENV, SNS_HTTPS_BASIC_AUTH_PASSWORD_PARAMETER: arn });
    expect(deps.config.basicAuth?.password).toBe(PASSWORD);
    expect(ssm.requests.map((r) => r.body.Name)).toEqual([arn]);
  });

  it('is not read at all when basic auth is off', async () => {
    await defaultSnsHttpsDeps({ SNS_HTTPS_ALLOWED_TOPIC_ARNS: TEST_TOPIC_ARN });
    expect(ssm.requests).toEqual([]);
  });
});

describe('the local SSM test server', () => {
  it('answers a SecureString read without WithDecryption with its ciphertext, as SSM does', async () => {
    const { GetParameterCommand } = await import('@aws-sdk/client-ssm');
    const { ssmClient } = await import('#lib/aws-clients');
    ssm.parameters.set(PARAMETER, { type: 'SecureString', value: PASSWORD });
    const out = await ssmClient('us-east-1').send(new GetParameterCommand({ Name: PARAMETER }));
    expect(out.Parameter?.Value).not.toBe(PASSWORD);
    expect(out.Parameter?.Type).toBe('SecureString');
  });
});
