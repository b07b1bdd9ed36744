/**
 * The one place AWS SDK clients are built. Every client gets the same timeouts and retry budget, honours the
 * SDK's `AWS_ENDPOINT_URL_<SERVICE>` variables (read by the SDK itself, see below) and is cached per region: a
 * destination topic's region comes from its ARN, and one Lambda container may publish to several regions.
 *
 * Tests swap the clients with `setClientFactory`, or point them at a local server with `configureClients`.
 */

import { SESClient } from '@aws-sdk/client-ses';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { SNSClient, type SNSClientConfig } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { SSMClient } from '@aws-sdk/client-ssm';
import { STSClient } from '@aws-sdk/client-sts';
import { usePublishBatchSerializer } from '#lib/publish/sns-protocol';

/** The services the bridge talks to. The value is the SDK's service id, upper-cased for the env variable. */
export const AwsService = {
  sns: 'SNS',
  ses: 'SES',
  sesv2: 'SESV2',
  ssm: 'SSM',
  sts: 'STS',
  sqs: 'SQS',
  dynamodb: 'DYNAMODB',
} as const;
export type AwsService = keyof typeof AwsService;

type Credentials = SNSClientConfig['credentials'];

export interface AwsClientSettings {
  /**
   * Milliseconds from sending a request to its response headers. With `throwOnRequestTimeout` the SDK fails the
   * request instead of only logging a warning, so a stuck endpoint cannot hang a Lambda until its own timeout.
   */
  requestTimeoutMs: number;
  /** Milliseconds to establish the TCP (and TLS) connection. */
  connectionTimeoutMs: number;
  /** SDK attempts per call, first one included (the SDK retries throttling, 5xx, timeouts and resets). */
  maxAttempts: number;
  /**
   * Endpoints set in code. When a service has none here, the SDK reads `AWS_ENDPOINT_URL_<SERVICE>` (`SNS`, `SES`,
   * `SESV2`, `SSM`, `STS`, `SQS`, `DYNAMODB`) or `AWS_ENDPOINT_URL` itself (checked with the pinned
   * @aws-sdk/client-* 3.116x: `getEndpointUrlConfig` in @smithy/core, honouring AWS_IGNORE_CONFIGURED_ENDPOINT_URLS).
   */
  endpoints: Partial<Record<AwsService, string>>;
  /** Credentials set in code; otherwise the SDK's default chain (Lambda: the function role). */
  credentials?: Credentials;
}

/**
 * Defaults sized for SNS and SES control-plane calls from Lambda: a healthy in-region call answers in tens of
 * milliseconds, so a few seconds is already a stuck connection worth abandoning and retrying.
 */
export const DEFAULT_CLIENT_SETTINGS: Readonly<AwsClientSettings> = Object.freeze({
  requestTimeoutMs: 5_000,
  connectionTimeoutMs: 2_000,
  maxAttempts: 3,
  endpoints: {},
});

/**
 * Credentials sent to a loopback endpoint (a local SNS/SES stand-in) when none are set in code or in
 * `AWS_ACCESS_KEY_ID`: no AWS account is needed, and credentials from a profile or an instance role are never signed
 * into local traffic.
 */
const LOOPBACK_CREDENTIALS = { accessKeyId: 'AKIDLOCALTEST', secretAccessKey: 'local-test-secret' } as const;

/** Per-call overrides for one client; part of the cache key. */
export interface ClientOptions {
  /** Overrides `AwsClientSettings.maxAttempts`, e.g. 1 for a caller that runs its own retry loop. */
  maxAttempts?: number;
}

/** Builds clients instead of the SDK constructors (tests). A service it does not cover is built as usual. */
export interface ClientFactory {
  sns?: (region: string, options: ClientOptions) => SNSClient;
  ses?: (region: string, options: ClientOptions) => SESClient;
  sesv2?: (region: string, options: ClientOptions) => SESv2Client;
  ssm?: (region: string, options: ClientOptions) => SSMClient;
  sts?: (region: string, options: ClientOptions) => STSClient;
  sqs?: (region: string, options: ClientOptions) => SQSClient;
}

interface ClientState {
  settings: AwsClientSettings;
  factory: ClientFactory | undefined;
  cache: Map<string, { destroy(): void }>;
}

// Module state is created lazily and never throws at load time (osls `invoke local` hangs on a throwing module).
const state: ClientState = {
  settings: { ...DEFAULT_CLIENT_SETTINGS, endpoints: {} },
  factory: undefined,
  cache: new Map(),
};

/**
 * Changes the settings of clients built from now on (and drops the cached ones). Call it at cold start, from the
 * config module, or in tests.
 */
export function configureClients(settings: Partial<AwsClientSettings>): void {
  state.settings = {
    ...state.settings,
    ...settings,
    endpoints: { ...state.settings.endpoints, ...settings.endpoints },
  };
  resetClients();
}

/** Replaces the SDK constructors (pass `undefined` to restore them); drops the cached clients. */
export function setClientFactory(factory: ClientFactory | undefined): void {
  state.factory = factory;
  resetClients();
}

/** Destroys and forgets every cached client; the next call builds fresh ones. Settings are kept. */
export function resetClients(): void {
  for (const client of state.cache.values()) client.destroy();
  state.cache.clear();
}

/** Restores the default settings, the SDK constructors and an empty cache. */
export function resetClientSettings(): void {
  state.settings = { ...DEFAULT_CLIENT_SETTINGS, endpoints: {} };
  setClientFactory(undefined);
}

/**
 * The SNS client for a region (cached per region and options), writing PublishBatch bodies with the byte-level
 * serializer of lib/publish/sns-protocol.ts (the SDK's own serializer if the SDK's protocol is not the one it knows).
 */
export function snsClient(region: string, options: ClientOptions = {}): SNSClient {
  return cached(
    'sns',
    region,
    options,
    () =>
      state.factory?.sns?.(region, options) ??
      usePublishBatchSerializer(new SNSClient(snsClientConfig(region, options))),
  );
}

/**
 * The SNS client's constructor config (exported for the benchmark's in-process client): the shared config, and the
 * middleware stack resolved once per command type instead of on every request (`cacheMiddleware`; the bridge adds
 * no middleware to a client after building it).
 */
export function snsClientConfig(region: string, options: ClientOptions = {}): SNSClientConfig {
  return { ...clientConfig('sns', region, options), cacheMiddleware: true };
}

/** The SES v1 client for a region: identity notification topics exist only in the v1 API. */
export function sesClient(region: string, options: ClientOptions = {}): SESClient {
  return cached(
    'ses',
    region,
    options,
    () => state.factory?.ses?.(region, options) ?? new SESClient(clientConfig('ses', region, options)),
  );
}

/** The SES v2 client for a region (configuration sets and event destinations). */
export function sesv2Client(region: string, options: ClientOptions = {}): SESv2Client {
  return cached(
    'sesv2',
    region,
    options,
    () => state.factory?.sesv2?.(region, options) ?? new SESv2Client(clientConfig('sesv2', region, options)),
  );
}

/** The SSM client for a region: the SNS HTTPS intake reads its basic auth password (a SecureString) with it. */
export function ssmClient(region: string, options: ClientOptions = {}): SSMClient {
  return cached(
    'ssm',
    region,
    options,
    () => state.factory?.ssm?.(region, options) ?? new SSMClient(clientConfig('ssm', region, options)),
  );
}

/** The STS client for a region: the migration asks it whose credentials are in use (GetCallerIdentity). */
export function stsClient(region: string, options: ClientOptions = {}): STSClient {
  return cached(
    'sts',
    region,
    options,
    () => state.factory?.sts?.(region, options) ?? new STSClient(clientConfig('sts', region, options)),
  );
}

/** The SQS client for a region (redrive: the parked queue and intake DLQ; the migration canary's queues). */
export function sqsClient(region: string, options: ClientOptions = {}): SQSClient {
  return cached(
    'sqs',
    region,
    options,
    () => state.factory?.sqs?.(region, options) ?? new SQSClient(clientConfig('sqs', region, options)),
  );
}

function cached<T extends { destroy(): void }>(
  service: AwsService,
  region: string,
  options: ClientOptions,
  build: () => T,
): T {
  const key = `${service}|${region}|${options.maxAttempts ?? ''}`;
  let client = state.cache.get(key) as T | undefined;
  if (client === undefined) {
    client = build();
    state.cache.set(key, client);
  }
  return client;
}

/** The constructor config every client shares; exported for tests and diagnostics. */
export function clientConfig(
  service: AwsService,
  region: string,
  options: ClientOptions = {},
  env: NodeJS.ProcessEnv = process.env,
) {
  const { settings } = state;
  const endpoint = settings.endpoints[service];
  const effectiveEndpoint = endpoint ?? configuredEndpoint(service, env);
  // Keys set explicitly in the environment are used as they are, also locally: the local test servers tell accounts
  // apart by access key id (the migration tests act as several accounts).
  const credentials =
    settings.credentials ??
    (effectiveEndpoint !== undefined && isLoopback(effectiveEndpoint) && !nonEmpty(env.AWS_ACCESS_KEY_ID)
      ? LOOPBACK_CREDENTIALS
      : undefined);
  return {
    region,
    maxAttempts: options.maxAttempts ?? settings.maxAttempts,
    requestHandler: {
      requestTimeout: settings.requestTimeoutMs,
      connectionTimeout: settings.connectionTimeoutMs,
      throwOnRequestTimeout: true,
    },
    ...(endpoint !== undefined ? { endpoint } : {}),
    ...(credentials !== undefined ? { credentials } : {}),
  };
}

/**
 * The endpoint override in effect for a service, as the SDK resolves it from the environment:
 * `AWS_ENDPOINT_URL_<SERVICE>`, then `AWS_ENDPOINT_URL`, none when `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true`.
 * An endpoint set with `configureClients` wins. `undefined` means the real AWS endpoint.
 * (AWS SDKs and Tools reference guide, "Service-specific endpoints".)
 */
export function configuredEndpoint(service: AwsService, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const fromSettings = state.settings.endpoints[service];
  if (fromSettings !== undefined) return fromSettings;
  if (env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS?.toLowerCase() === 'true') return undefined;
  return nonEmpty(env[`AWS_ENDPOINT_URL_${AwsService[service]}`]) ?? nonEmpty(env.AWS_ENDPOINT_URL);
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

function isLoopback(url: string): boolean {
  try {
    const host = new URL(url).hostname;
    return host === 'localhost' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
  } catch {
    return false;
  }
}

/**
 * The region of an ARN (`arn:aws:sns:eu-west-1:111122223333:name` gives `eu-west-1`), or `undefined` when the text
 * is not an ARN with a region. Works for every partition (aws, aws-cn, aws-us-gov...).
 * (IAM user guide, "Amazon Resource Names": arn:partition:service:region:account-id:resource.)
 */
export function regionOfArn(arn: string): string | undefined {
  const parts = arn.split(':');
  if (parts.length < 6 || parts[0] !== 'arn' || !parts[1] || !parts[2]) return undefined;
  const region = parts[3];
  return region && /^[a-z]{2}(-[a-z]+)+-\d+$/.test(region) ? region : undefined;
}
