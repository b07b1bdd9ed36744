/**
 * Configuration of the SNS-over-HTTPS intake, read from the environment once per cold start (on the first
 * invocation, never at module load: `serverless invoke local` hangs when a handler module throws while loading).
 */

import { parseSnsTopicArn } from '#lib/arn';
import { envFlag, isDeployedLambda } from '#lib/config';
import { ConfigError } from '#lib/errors';

export interface SnsHttpsConfig {
  /** Topic ARNs allowed to post; anything else is refused with 403 before the body is read. */
  allowedTopicArns: ReadonlySet<string>;
  /** How old a signed Timestamp may be, in seconds. */
  maxAgeSeconds: number;
  /** How far ahead of this function's clock a signed Timestamp may be, in seconds (clock skew). */
  maxFutureSkewSeconds: number;
  /** The SignatureVersions accepted: "1" (SHA1withRSA) and "2" (SHA256withRSA), or "2" only. */
  signatureVersions: ReadonlySet<string>;
  /** Accept raw-delivery posts (no SNS envelope, no signature). Requires basic auth. */
  rawDelivery: boolean;
  /**
   * HTTP basic auth credentials; when set, every post must carry them. The password is read from SSM Parameter
   * Store (a SecureString named by SNS_HTTPS_BASIC_AUTH_PASSWORD_PARAMETER) once per container, never from the
   * environment, the template or the packaging state.
   */
  basicAuth: { user: string; password: string } | null;
  /** TEST ONLY: trust the committed test certificate (serverless invoke local of the samples). */
  trustTestCertificate: boolean;
}

/** The environment variables read, so docs, serverless.yml and errors use the same names. */
export const ENV = {
  allowedTopicArns: 'SNS_HTTPS_ALLOWED_TOPIC_ARNS',
  maxAgeSeconds: 'SNS_HTTPS_MAX_AGE_SECONDS',
  maxFutureSkewSeconds: 'SNS_HTTPS_MAX_FUTURE_SKEW_SECONDS',
  signatureVersions: 'SNS_HTTPS_SIGNATURE_VERSIONS',
  rawDelivery: 'SNS_HTTPS_RAW_DELIVERY',
  basicAuthUser: 'SNS_HTTPS_BASIC_AUTH_USER',
  basicAuthPasswordParameter: 'SNS_HTTPS_BASIC_AUTH_PASSWORD_PARAMETER',
  trustTestCertificate: 'SNS_HTTPS_TRUST_TEST_CERT',
} as const;

/**
 * Default Timestamp window: one hour. SNS keeps a notification's original Timestamp on every retry, and an HTTP/S
 * delivery policy can spread retries over up to an hour; a shorter window would refuse SNS's own late retries.
 */
export const DEFAULT_MAX_AGE_SECONDS = 3600;

/**
 * Default future clock skew: five minutes. SNS stamps a message when it is published and keeps that Timestamp on
 * retries, so a genuine one is never ahead of the function's clock by more than the two clocks' drift.
 */
export const DEFAULT_MAX_FUTURE_SKEW_SECONDS = 300;

function seconds(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number): number {
  const text = (env[name] ?? '').trim();
  if (text === '') return fallback;
  if (!/^\d{1,10}$/.test(text) || Number(text) < min) {
    throw new ConfigError(`must be a whole number of seconds of at least ${min}, got "${text}"`, name);
  }
  return Number(text);
}

/** "1,2" (the default: SNS topics sign with version 1 unless their SignatureVersion attribute says 2) or "2". */
function signatureVersions(env: NodeJS.ProcessEnv): ReadonlySet<string> {
  const text = (env[ENV.signatureVersions] ?? '').trim();
  if (text === '') return new Set(['1', '2']);
  const versions = new Set(text.split(',').map((v) => v.trim()));
  const valid = versions.has('2') && [...versions].every((v) => v === '1' || v === '2');
  if (!valid) {
    throw new ConfigError(
      `must be "1,2" (SHA1 and SHA256 signatures) or "2" (SHA256 only: set each topic's SignatureVersion attribute to 2 first), got "${text}"`,
      ENV.signatureVersions,
    );
  }
  return versions;
}

/** The plaintext variable the password used to be read from: refused, so an old setting cannot linger unnoticed. */
const RETIRED_PASSWORD_VARIABLE = 'SNS_HTTPS_BASIC_AUTH_PASSWORD';

// SSM parameter names (letters, digits, _.-/, at most 2048) or a parameter's ARN (PutParameter API reference).
const PARAMETER_NAME = /^(?:arn:aws[a-z-]*:ssm:[a-z]{2}(?:-[a-z]+)+-\d:\d{12}:parameter\/)?[A-Za-z0-9_./-]{1,2048}$/;

/**
 * The name (or ARN) of the SSM SecureString holding the basic auth password, or null when basic auth is off.
 * Throws ConfigError when only one of the user and the parameter is set, or the name is not a parameter name.
 */
export function basicAuthPasswordParameter(env: NodeJS.ProcessEnv): string | null {
  if ((env[RETIRED_PASSWORD_VARIABLE] ?? '') !== '') {
    throw new ConfigError(
      `is no longer read, so the password stays out of the environment and the template: store it as an SSM SecureString and set ${ENV.basicAuthPasswordParameter} to its name`,
      RETIRED_PASSWORD_VARIABLE,
    );
  }
  const user = env[ENV.basicAuthUser] ?? '';
  const parameter = (env[ENV.basicAuthPasswordParameter] ?? '').trim();
  if ((user === '') !== (parameter === '')) {
    throw new ConfigError(
      `set both ${ENV.basicAuthUser} and ${ENV.basicAuthPasswordParameter}, or neither`,
      user === '' ? ENV.basicAuthUser : ENV.basicAuthPasswordParameter,
    );
  }
  if (parameter === '') return null;
  if (!PARAMETER_NAME.test(parameter)) {
    throw new ConfigError(
      `is not an SSM parameter name or ARN (letters, digits and _.-/), got "${parameter.slice(0, 100)}"`,
      ENV.basicAuthPasswordParameter,
    );
  }
  return parameter;
}

/**
 * Reads and validates the intake configuration. Throws ConfigError naming the variable and what to fix.
 * `SNS_HTTPS_ALLOWED_TOPIC_ARNS` is a comma-separated list of exact topic ARNs (no wildcards).
 * `secrets.basicAuthPassword` is the value of the parameter {@link basicAuthPasswordParameter} names, read by the
 * caller (lib/sns-https/secret.ts) when basic auth is configured.
 */
export function loadSnsHttpsConfig(
  env: NodeJS.ProcessEnv,
  secrets: { basicAuthPassword?: string } = {},
): SnsHttpsConfig {
  const listText = (env[ENV.allowedTopicArns] ?? '').trim();
  if (listText === '') {
    throw new ConfigError(
      'is empty: set it to the comma-separated ARNs of the SNS topics allowed to post to this endpoint',
      ENV.allowedTopicArns,
    );
  }
  const allowed = new Set<string>();
  listText.split(',').forEach((raw, i) => {
    const arn = raw.trim();
    if (arn === '') return;
    if (parseSnsTopicArn(arn) === null) {
      throw new ConfigError(
        `entry ${i + 1} "${arn}" is not an SNS topic ARN (arn:aws:sns:<region>:<account>:<topic>)`,
        ENV.allowedTopicArns,
      );
    }
    allowed.add(arn);
  });
  if (allowed.size === 0) throw new ConfigError('lists no topic ARN', ENV.allowedTopicArns);

  const maxAgeSeconds = seconds(env, ENV.maxAgeSeconds, DEFAULT_MAX_AGE_SECONDS, 1);
  const maxFutureSkewSeconds = seconds(env, ENV.maxFutureSkewSeconds, DEFAULT_MAX_FUTURE_SKEW_SECONDS, 0);

  const user = env[ENV.basicAuthUser] ?? '';
  const parameter = basicAuthPasswordParameter(env);
  if (user.includes(':'))
    throw new ConfigError(
      'must not contain ":" (HTTP basic auth separates user and password with it)',
      ENV.basicAuthUser,
    );
  let basicAuth: SnsHttpsConfig['basicAuth'] = null;
  if (parameter !== null) {
    const password = secrets.basicAuthPassword;
    if (password === undefined || password === '')
      throw new ConfigError(`parameter "${parameter}" gave no password`, ENV.basicAuthPasswordParameter);
    basicAuth = { user, password };
  }

  const rawDelivery = envFlag(env, ENV.rawDelivery);
  if (rawDelivery && basicAuth === null) {
    throw new ConfigError(
      `raw-delivery posts carry no signature, so they are accepted only with HTTP basic auth: set ${ENV.basicAuthUser} and ${ENV.basicAuthPasswordParameter} (and put the credentials in the subscription's endpoint URL), or set ${ENV.rawDelivery}=false`,
      ENV.rawDelivery,
    );
  }

  const trustTestCertificate = envFlag(env, ENV.trustTestCertificate);
  // osls `invoke local` sets IS_LOCAL=true; anywhere else a known private key would make forging trivial.
  if (trustTestCertificate && (env.IS_LOCAL !== 'true' || isDeployedLambda(env))) {
    throw new ConfigError(
      'is a test-only switch for `serverless invoke local` (IS_LOCAL=true); unset it in deployed functions',
      ENV.trustTestCertificate,
    );
  }

  return {
    allowedTopicArns: allowed,
    maxAgeSeconds,
    maxFutureSkewSeconds,
    signatureVersions: signatureVersions(env),
    rawDelivery,
    basicAuth,
    trustTestCertificate,
  };
}
