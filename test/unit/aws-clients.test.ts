import { SESClient } from '@aws-sdk/client-ses';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { SNSClient } from '@aws-sdk/client-sns';
import { afterEach, describe, expect, it } from 'vitest';
import {
  clientConfig,
  configureClients,
  configuredEndpoint,
  DEFAULT_CLIENT_SETTINGS,
  regionOfArn,
  resetClientSettings,
  sesClient,
  sesv2Client,
  setClientFactory,
  snsClient,
} from '#lib/aws-clients';

afterEach(() => resetClientSettings());

describe('regionOfArn', () => {
  it.each([
    ['arn:aws:sns:eu-west-1:111122223333:delegate', 'eu-west-1'],
    ['arn:aws-us-gov:sns:us-gov-west-1:111122223333:t', 'us-gov-west-1'],
    ['arn:aws-cn:sns:cn-north-1:111122223333:t.fifo', 'cn-north-1'],
    ['arn:aws:ses:us-east-1:111122223333:identity/example.com', 'us-east-1'],
  ])('reads the region of %s', (arn, region) => {
    expect(regionOfArn(arn)).toBe(region);
  });

  it.each([
    'delegate-topic',
    'arn:aws:sns::111122223333:t',
    'arn:aws:sns:not a region:1:t',
    'arn:aws:sns:us-east-1',
    '',
  ])('has no region for %j', (text) => {
    expect(regionOfArn(text)).toBeUndefined();
  });
});

describe('endpoints', () => {
  it('prefers the service variable over AWS_ENDPOINT_URL, as the SDK does', () => {
    const env = {
      AWS_ENDPOINT_URL: 'http://127.0.0.1:1',
      AWS_ENDPOINT_URL_SNS: 'http://127.0.0.1:2',
      AWS_ENDPOINT_URL_SESV2: 'http://127.0.0.1:3',
    };
    expect(configuredEndpoint('sns', env)).toBe('http://127.0.0.1:2');
    expect(configuredEndpoint('ses', env)).toBe('http://127.0.0.1:1');
    expect(configuredEndpoint('sesv2', env)).toBe('http://127.0.0.1:3');
    expect(configuredEndpoint('sns', { ...env, AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: 'true' })).toBeUndefined();
    expect(configuredEndpoint('sns', {})).toBeUndefined();
  });

  it('lets an endpoint set in code win over the environment', () => {
    configureClients({ endpoints: { sns: 'http://localhost:4566' } });
    expect(configuredEndpoint('sns', { AWS_ENDPOINT_URL_SNS: 'http://127.0.0.1:2' })).toBe('http://localhost:4566');
    expect(clientConfig('sns', 'us-east-1', {}, {})).toMatchObject({ endpoint: 'http://localhost:4566' });
  });
});

describe('client configuration', () => {
  it('sets timeouts that fail a stuck request, and the retry budget', () => {
    expect(clientConfig('sns', 'eu-west-1', {}, {})).toEqual({
      region: 'eu-west-1',
      maxAttempts: DEFAULT_CLIENT_SETTINGS.maxAttempts,
      requestHandler: { requestTimeout: 5_000, connectionTimeout: 2_000, throwOnRequestTimeout: true },
    });
    configureClients({ requestTimeoutMs: 700, connectionTimeoutMs: 300, maxAttempts: 2 });
    expect(clientConfig('ses', 'us-east-1', { maxAttempts: 1 }, {})).toMatchObject({
      maxAttempts: 1,
      requestHandler: { requestTimeout: 700, connectionTimeout: 300, throwOnRequestTimeout: true },
    });
  });

  it('signs local traffic with throwaway credentials and leaves real endpoints to the default chain', () => {
    expect(
      clientConfig('sns', 'us-east-1', {}, { AWS_ENDPOINT_URL_SNS: 'http://127.0.0.1:9911' }).credentials,
    ).toMatchObject({ accessKeyId: 'AKIDLOCALTEST' });
    expect(
      clientConfig('sns', 'us-east-1', {}, { AWS_ENDPOINT_URL: 'http://localhost:4566' }).credentials,
    ).toMatchObject({ accessKeyId: 'AKIDLOCALTEST' });
    expect(
      clientConfig('sns', 'us-east-1', {}, { AWS_ENDPOINT_URL_SNS: 'https://sns.example.internal' }),
    ).not.toHaveProperty('credentials');
    const credentials = { accessKeyId: 'AKIDEXPLICIT', secretAccessKey: 's' };
    configureClients({ credentials });
    expect(clientConfig('sns', 'us-east-1', {}, { AWS_ENDPOINT_URL_SNS: 'http://127.0.0.1:9911' }).credentials).toBe(
      credentials,
    );
  });

  it('builds each client once per region and options', async () => {
    const a = snsClient('us-east-1');
    expect(snsClient('us-east-1')).toBe(a);
    expect(snsClient('eu-west-1')).not.toBe(a);
    expect(snsClient('us-east-1', { maxAttempts: 1 })).not.toBe(a);
    expect(a).toBeInstanceOf(SNSClient);
    expect(await snsClient('eu-west-1').config.region()).toBe('eu-west-1');
    expect(sesClient('us-west-2')).toBeInstanceOf(SESClient);
    expect(sesv2Client('us-west-2')).toBeInstanceOf(SESv2Client);
    expect(await sesv2Client('us-west-2').config.maxAttempts()).toBe(3);
  });

  it('builds clients with an injected factory, and back with the SDK once it is removed', () => {
    const fake = new SNSClient({ region: 'ap-south-1' });
    const asked: Array<[string, number | undefined]> = [];
    setClientFactory({
      sns: (region, options) => {
        asked.push([region, options.maxAttempts]);
        return fake;
      },
    });
    expect(snsClient('ap-south-1', { maxAttempts: 1 })).toBe(fake);
    expect(sesClient('ap-south-1')).toBeInstanceOf(SESClient);
    expect(asked).toEqual([['ap-south-1', 1]]);
    setClientFactory(undefined);
    expect(snsClient('ap-south-1')).not.toBe(fake);
  });
});
