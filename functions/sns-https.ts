/**
 * SNS-over-HTTPS intake: a Lambda function URL (or HTTP API) that topics with HTTP/S subscriptions post to.
 * Thin adapter: build the dependencies once per cold start (on the first invocation: a module that throws while
 * loading hangs `serverless invoke local`), then lib/sns-https decides and answers.
 */

import type { Context } from 'aws-lambda';
import { regionOfArn, snsClient, ssmClient } from '#lib/aws-clients';
import { loadDedupeConfig } from '#lib/config';
import { logger } from '#lib/logger';
import { CertificateStore, httpsCertFetcher } from '#lib/sns-https/certs';
import { basicAuthPasswordParameter, loadSnsHttpsConfig } from '#lib/sns-https/config';
import { confirmWithSns } from '#lib/sns-https/confirm';
import {
  handleSnsHttpsRequest,
  type InvocationContext,
  RecentMessageIds,
  type SnsHttpsDeps,
} from '#lib/sns-https/handle';
import { pipelineOnNotification } from '#lib/sns-https/notify';
import { snsHttpsReplayGuard } from '#lib/sns-https/replay';
import { type HttpResponse, requestFromEvent } from '#lib/sns-https/request';
import { readBasicAuthPassword } from '#lib/sns-https/secret';
import { TEST_CERT_PEM, TEST_CERT_URL } from '#lib/sns-https/test-certificate';

/**
 * The production dependencies, from the environment and, when basic auth is on, the password's SSM parameter (in
 * the Region of its ARN, else the function's). Throws ConfigError naming the variable to fix.
 */
export async function defaultSnsHttpsDeps(env: NodeJS.ProcessEnv = process.env): Promise<SnsHttpsDeps> {
  const parameter = basicAuthPasswordParameter(env);
  const basicAuthPassword =
    parameter === null
      ? undefined
      : await readBasicAuthPassword(parameter, ssmClient(regionOfArn(parameter) ?? env.AWS_REGION ?? 'us-east-1'));
  const config = loadSnsHttpsConfig(env, { basicAuthPassword });
  const certs = new CertificateStore(httpsCertFetcher());
  // TEST ONLY (config refuses it outside `serverless invoke local`): lets the signed samples in events/sns-https/
  // verify.
  if (config.trustTestCertificate) certs.add(TEST_CERT_URL, TEST_CERT_PEM);
  return {
    config,
    certs,
    confirm: confirmWithSns((region) => snsClient(region)),
    onNotification: pipelineOnNotification,
    logger,
    recent: new RecentMessageIds(),
    replay: snsHttpsReplayGuard(loadDedupeConfig(env), config, env.AWS_REGION || 'us-east-1'),
  };
}

/**
 * A handler over the given dependencies, built on its first invocation and kept for the container's life. The
 * Lambda context goes on to the runtime, whose function ARN completes a bare PARKING_TOPIC name.
 */
export function createSnsHttpsHandler(
  build: () => SnsHttpsDeps | Promise<SnsHttpsDeps>,
): (event: unknown, context?: InvocationContext) => Promise<HttpResponse> {
  let deps: SnsHttpsDeps | undefined;
  return async (event, context) => {
    // A ConfigError is thrown (the invocation fails, SNS sees a 5xx and retries) until the configuration is fixed;
    // nothing is kept from a failed build, so the next invocation reads the configuration (and the secret) again.
    deps ??= await build();
    return handleSnsHttpsRequest(requestFromEvent(event), deps, context);
  };
}

export const handler: (event: unknown, context: Context) => Promise<HttpResponse> = createSnsHttpsHandler(async () => {
  try {
    return await defaultSnsHttpsDeps();
  } catch (err) {
    logger.critical('SNS HTTPS intake configuration is invalid; fix it and redeploy', { error: err as Error });
    throw err;
  }
});
