/**
 * Checks that the pinned SDK clients honour AWS_ENDPOINT_URL_SES / _SESV2 / _SNS (and AWS_ENDPOINT_URL) themselves,
 * so lib/aws-clients.ts need not read them: each client built by lib/aws-clients.ts reaches a local server named
 * only in the environment, signed for the right service and region.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { GetIdentityNotificationAttributesCommand } from '@aws-sdk/client-ses';
import { GetConfigurationSetCommand } from '@aws-sdk/client-sesv2';
import { ListTopicsCommand } from '@aws-sdk/client-sns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resetClientSettings, sesClient, sesv2Client, snsClient } from '#lib/aws-clients';

interface Seen {
  server: string;
  method: string;
  path: string;
  body: string;
  authorization: string;
}

const ENV_KEYS = [
  'AWS_ENDPOINT_URL',
  'AWS_ENDPOINT_URL_SNS',
  'AWS_ENDPOINT_URL_SES',
  'AWS_ENDPOINT_URL_SESV2',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
] as const;
const savedEnv = Object.fromEntries(ENV_KEYS.map((k) => [k, process.env[k]]));
const seen: Seen[] = [];
const servers: http.Server[] = [];

/** A server that records each request and answers with the given protocol's "not found" error. */
async function recorder(name: string, answer: (res: http.ServerResponse) => void): Promise<string> {
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      seen.push({
        server: name,
        method: req.method ?? '',
        path: req.url ?? '',
        body,
        authorization: req.headers.authorization ?? '',
      });
      answer(res);
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

// awsQuery error (SES v1 and SNS): <ErrorResponse><Error><Code>.
const queryError = (code: string) => (res: http.ServerResponse) => {
  res.writeHead(400, { 'content-type': 'text/xml' });
  res.end(
    `<ErrorResponse><Error><Type>Sender</Type><Code>${code}</Code><Message>from the local server</Message></Error><RequestId>r1</RequestId></ErrorResponse>`,
  );
};

beforeAll(async () => {
  for (const k of ENV_KEYS) delete process.env[k];
  process.env.AWS_ENDPOINT_URL_SES = await recorder('ses', queryError('InvalidParameterValue'));
  // SESv2 speaks REST JSON: the error type is in the x-amzn-ErrorType header.
  process.env.AWS_ENDPOINT_URL_SESV2 = await recorder('sesv2', (res) => {
    res.writeHead(404, { 'content-type': 'application/json', 'x-amzn-errortype': 'NotFoundException' });
    res.end(JSON.stringify({ message: 'from the local server' }));
  });
  process.env.AWS_ENDPOINT_URL = await recorder('generic', queryError('AuthorizationError'));
  resetClientSettings();
});

afterAll(async () => {
  resetClientSettings();
  for (const k of ENV_KEYS) {
    if (savedEnv[k] === undefined) delete process.env[k];
    else process.env[k] = savedEnv[k];
  }
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
});

describe('endpoint variables read by the SDK itself', () => {
  it('sends SES v1 calls to AWS_ENDPOINT_URL_SES', async () => {
    await expect(
      sesClient('eu-west-1').send(new GetIdentityNotificationAttributesCommand({ Identities: ['example.com'] })),
    ).rejects.toMatchObject({
      name: 'InvalidParameterValue',
    });
    const req = seen.find((s) => s.server === 'ses')!;
    expect(req.body).toContain('Action=GetIdentityNotificationAttributes');
    expect(req.authorization).toContain('/eu-west-1/ses/aws4_request');
  });

  it('sends SES v2 calls to AWS_ENDPOINT_URL_SESV2', async () => {
    await expect(
      sesv2Client('us-west-2').send(new GetConfigurationSetCommand({ ConfigurationSetName: 'delegate-a' })),
    ).rejects.toMatchObject({
      name: 'NotFoundException',
    });
    const req = seen.find((s) => s.server === 'sesv2')!;
    expect([req.method, req.path]).toEqual(['GET', '/v2/email/configuration-sets/delegate-a']);
    expect(req.authorization).toContain('/us-west-2/ses/aws4_request');
  });

  it('falls back to AWS_ENDPOINT_URL for SNS when AWS_ENDPOINT_URL_SNS is not set', async () => {
    await expect(snsClient('ap-southeast-2').send(new ListTopicsCommand({}))).rejects.toMatchObject({
      name: 'AuthorizationErrorException',
    });
    const req = seen.find((s) => s.server === 'generic')!;
    expect(req.body).toContain('Action=ListTopics');
    expect(req.authorization).toContain('/ap-southeast-2/sns/aws4_request');
  });
});
