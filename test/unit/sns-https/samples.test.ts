import 'aws-sdk-client-mock-vitest/extend';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ConfirmSubscriptionCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { CertFetchError, CertificateStore } from '#lib/sns-https/certs';
import { loadSnsHttpsConfig } from '#lib/sns-https/config';
import { confirmWithSns } from '#lib/sns-https/confirm';
import { TEST_CERT_PEM } from '#lib/sns-https/test-certificate';
import {
  buildSnsHttpsSamples,
  SAMPLE_BASIC_AUTH,
  SNS_HTTPS_EVENTS_DIR,
  snsHttpsSampleText,
} from '#test/support/sns-https-samples';
import { SNS_TEST_SIGNER, TEST_TOPIC_ARN } from '#test/support/sns-signing';
import { createSnsHttpsHandler, defaultSnsHttpsDeps } from '../../../functions/sns-https';

const snsMock = mockClient(SNSClient);
// Module-level stubs patch the client class for the whole process: give it back for the files that follow.
afterAll(() => {
  snsMock.restore();
});
afterEach(() => snsMock.reset());

describe('the sample events under events/sns-https/', () => {
  it('are exactly what test/support/sns-https-samples.ts builds (run write-sns-https-events.ts after changing it)', () => {
    const samples = buildSnsHttpsSamples();
    expect(readdirSync(SNS_HTTPS_EVENTS_DIR).sort()).toEqual([...samples.keys()].sort());
    for (const [name, event] of samples)
      expect(readFileSync(path.join(SNS_HTTPS_EVENTS_DIR, name), 'utf8'), name).toBe(snsHttpsSampleText(event));
  });

  it('are signed with the certificate the handler embeds for invoke local', () => {
    expect(TEST_CERT_PEM).toBe(SNS_TEST_SIGNER.certPem);
  });

  // What `serverless invoke local` shows with SNS_HTTPS_TRUST_TEST_CERT=true and a wide Timestamp window.
  const localEnv = {
    IS_LOCAL: 'true',
    SNS_HTTPS_TRUST_TEST_CERT: 'true',
    SNS_HTTPS_ALLOWED_TOPIC_ARNS: TEST_TOPIC_ARN,
    SNS_HTTPS_MAX_AGE_SECONDS: '3153600000',
  };

  function localHandler(env: Record<string, string> = {}) {
    const notifications: string[] = [];
    const handler = createSnsHttpsHandler(async () => ({
      ...(await defaultSnsHttpsDeps({ ...localEnv })),
      // The sample's password, as its SecureString would hold it (SSM itself: test/integration/sns-https-secret.test.ts).
      config: loadSnsHttpsConfig({ ...localEnv, ...env }, { basicAuthPassword: SAMPLE_BASIC_AUTH.password }),
      confirm: confirmWithSns((region) => new SNSClient({ region })),
      onNotification: async (post) => {
        notifications.push(post.raw ? post.text : post.message.Message);
        return 'delivered';
      },
      logger: { info: () => undefined, warn: () => undefined, error: () => undefined },
    }));
    return { handler, notifications };
  }

  const load = (name: string) =>
    JSON.parse(readFileSync(path.join(SNS_HTTPS_EVENTS_DIR, name), 'utf8')) as Record<string, unknown>;

  it.each([
    ['subscription-confirmation.json', 200, 'confirmed'],
    ['unsubscribe-confirmation.json', 200, 'ignored'],
    ['notification-bounce.json', 200, 'delivered'],
    ['notification-delivery-v1.json', 200, 'delivered'],
    ['forged-tampered-message.json', 403, 'bad_signature'],
    ['raw-delivery.json', 403, 'raw_delivery_disabled'],
  ])('%s answers %i %s when invoked locally with the test certificate trusted', async (name, status, code) => {
    snsMock.on(ConfirmSubscriptionCommand).resolves({ SubscriptionArn: `${TEST_TOPIC_ARN}:1` });
    const res = await localHandler().handler(load(name));
    expect([res.statusCode, JSON.parse(res.body).code]).toEqual([status, code]);
  });

  it('raw-delivery.json is delivered once raw delivery is enabled with its credentials', async () => {
    const { handler, notifications } = localHandler({
      SNS_HTTPS_RAW_DELIVERY: 'true',
      SNS_HTTPS_BASIC_AUTH_USER: SAMPLE_BASIC_AUTH.user,
      SNS_HTTPS_BASIC_AUTH_PASSWORD_PARAMETER: '/ses-bridge/sns-https/basic-auth-password',
    });
    const event = load('raw-delivery.json');
    const res = await handler(event);
    expect(res.statusCode).toBe(200);
    expect(notifications).toEqual([event.body]);
  });

  it('are refused by a handler that does not trust the test certificate', async () => {
    const handler = createSnsHttpsHandler(async () => ({
      ...(await defaultSnsHttpsDeps({
        SNS_HTTPS_ALLOWED_TOPIC_ARNS: TEST_TOPIC_ARN,
        SNS_HTTPS_MAX_AGE_SECONDS: '3153600000',
      })),
      certs: new CertificateStore(async (url) => {
        throw new CertFetchError(`fetching ${url} answered HTTP 404`, false);
      }),
      logger: { info: () => undefined, warn: () => undefined, error: () => undefined },
    }));
    const res = await handler(load('notification-bounce.json'));
    expect([res.statusCode, JSON.parse(res.body).code]).toEqual([403, 'untrusted_cert_url']);
  });
});
