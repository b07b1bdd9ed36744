/**
 * The bridge's runtime configuration, read from the environment once per cold start. Every setting is documented in
 * README.md ("Configuration"); a bad value fails loudly with the name of the variable to fix.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { isStandardTopicArn } from '#lib/arn';
import type { OnUnavailable } from '#lib/dedupe/publisher';
import { ConfigError } from '#lib/errors';
import type { RoutesConfig } from '#lib/routing/config';
import { parseRoutesJson, type RoutesParser } from '#lib/routing/load';

export const PublishMode = { sns: 'sns', dryRun: 'dry-run', auto: 'auto' } as const;
export type PublishMode = (typeof PublishMode)[keyof typeof PublishMode];

export interface BridgeConfig {
  routesFile: string;
  routes: RoutesConfig;
  /**
   * Where poison records are parked: an SNS topic ARN, or a topic name whose ARN is completed with the function's
   * own region and account at the first invocation (the stack passes a name so `invoke local` needs no AWS lookup).
   */
  parkingTopic: string | null;
  /** Where messages go: real SNS, or a dry-run sink printing them (local use with no AWS account). */
  publish: 'sns' | 'dry-run';
  /** Log recipient addresses in clear; off by default (they are personal data). */
  logRecipients: boolean;
  /**
   * How long one batch's publish session (from its first record read) may keep retrying before it reports what
   * is left as retryable.
   */
  publishMaxElapsedMs: number;
  /** The de-duplication table (DEDUPE_TABLE), set by the stack only when its parameter dedupeTable creates it. */
  dedupe: DedupeConfig | null;
}

export interface DedupeConfig {
  tableName: string;
  /** How long a delivered SES event suppresses its copies to the same destination. */
  windowSeconds: number;
  /** What a route does when the table does not answer: publish anyway (at least once) or leave it to retry. */
  onUnavailable: OnUnavailable;
}

/** The de-duplication settings' variables, so docs, serverless.yml and errors use the same names. */
export const DEDUPE_ENV = {
  table: 'DEDUPE_TABLE',
  windowSeconds: 'DEDUPE_WINDOW_SECONDS',
  onUnavailable: 'DEDUPE_ON_UNAVAILABLE',
} as const;

export const DEFAULT_DEDUPE_WINDOW_SECONDS = 86_400;

/** The metric counting calls the de-duplication table did not answer (routes and the HTTPS intake's replay check). */
export const DEDUPE_TABLE_ERRORS_METRIC = 'DedupeTableErrors';

/** The default routes file: the example, so `npm start` and `serverless invoke local` work out of the box. */
export const DEFAULT_ROUTES_FILE = 'config/routes.example.json';

/** A boolean environment variable: unset or empty is false; "true"/"1" and "false"/"0", any case. */
export function envFlag(env: NodeJS.ProcessEnv, name: string): boolean {
  const value = (env[name] ?? '').trim().toLowerCase();
  if (value === '' || value === 'false' || value === '0') return false;
  if (value === 'true' || value === '1') return true;
  throw new ConfigError(`must be "true" or "false", got "${env[name]}"`, name);
}

function positiveInteger(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const value = env[name];
  if (value === undefined || value === '') return fallback;
  if (!/^\d+$/.test(value) || Number(value) === 0)
    throw new ConfigError(`must be a positive whole number, got "${value}"`, name);
  return Number(value);
}

/**
 * Whether the code runs in a deployed Lambda function. `AWS_EXECUTION_ENV` is set by the Lambda runtime and reserved
 * (a function's configuration cannot set it; `serverless invoke local` does not), so an `IS_LOCAL=true` left in a
 * deployed function's environment cannot make it pass for a local run.
 */
export function isDeployedLambda(env: NodeJS.ProcessEnv): boolean {
  if (env.AWS_EXECUTION_ENV?.startsWith('AWS_Lambda_')) return true;
  return env.AWS_LAMBDA_FUNCTION_NAME !== undefined && env.IS_LOCAL !== 'true';
}

/**
 * Resolves the publish mode. `auto` publishes to SNS inside a deployed Lambda or when AWS_ENDPOINT_URL_SNS points at
 * an SNS-compatible endpoint, and to the dry-run sink otherwise (local invoke, CLI, no AWS account).
 */
export function resolvePublishMode(env: NodeJS.ProcessEnv): 'sns' | 'dry-run' {
  const mode = env.BRIDGE_PUBLISH ?? PublishMode.auto;
  if (mode === PublishMode.sns || mode === PublishMode.dryRun) return mode;
  if (mode !== PublishMode.auto)
    throw new ConfigError(`must be "sns", "dry-run" or "auto", got "${mode}"`, 'BRIDGE_PUBLISH');
  return isDeployedLambda(env) || env.AWS_ENDPOINT_URL_SNS || env.AWS_ENDPOINT_URL ? 'sns' : 'dry-run';
}

/**
 * Reads and validates a routes file. A relative path resolves from the Lambda task root where the file was packaged,
 * else from the working directory (`serverless invoke local` sets LAMBDA_TASK_ROOT to a /var/task that is not there).
 */
export function loadRoutesFile(
  file: string,
  env: NodeJS.ProcessEnv = process.env,
  parse: RoutesParser = parseRoutesJson,
): RoutesConfig {
  // `invoke local` names a /var/task that does not exist here: it is no place to look, nor to name in an error.
  const taskRoot = env.LAMBDA_TASK_ROOT && existsSync(env.LAMBDA_TASK_ROOT) ? env.LAMBDA_TASK_ROOT : undefined;
  const roots = taskRoot ? [taskRoot, process.cwd()] : [process.cwd()];
  const resolved =
    roots.map((root) => path.resolve(root, file)).find((candidate) => existsSync(candidate)) ??
    path.resolve(roots[0] as string, file);
  let text: string;
  try {
    text = readFileSync(resolved, 'utf8');
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : String(err);
    throw new ConfigError(`cannot read routes file ${resolved}: ${reason}`, file);
  }
  return parse(text, file);
}

/** Reads the whole configuration from the environment. Throws ConfigError; call it lazily, never at module load. */
export function loadBridgeConfig(env: NodeJS.ProcessEnv = process.env): BridgeConfig {
  const routesFile = env.ROUTES_FILE || DEFAULT_ROUTES_FILE;
  const parkingTopic = env.PARKING_TOPIC || null;
  if (parkingTopic !== null && !isStandardTopicArn(parkingTopic) && !/^[A-Za-z0-9_-]{1,256}$/.test(parkingTopic)) {
    throw new ConfigError(`must be an SNS topic ARN or topic name, got "${parkingTopic}"`, 'PARKING_TOPIC');
  }
  const routes = loadRoutesFile(routesFile, env);
  const dedupe = loadDedupeConfig(env);
  const deduping = routes.routes.findIndex((route) => route.dedupe === true);
  // A route asking for de-duplication must not silently go without it.
  if (deduping >= 0 && dedupe === null)
    throw new ConfigError(
      `routes[${deduping}].dedupe needs the de-duplication table, and ${DEDUPE_ENV.table} is not set: deploy the stack with the parameter dedupeTable=true`,
      routesFile,
    );
  return {
    routesFile,
    routes,
    parkingTopic,
    ...publishAndLogging(env),
    publishMaxElapsedMs: positiveInteger(env, 'PUBLISH_MAX_ELAPSED_MS', 20_000),
    dedupe,
  };
}

/**
 * The de-duplication table's settings, or null when DEDUPE_TABLE is unset (the stack sets all three only when its
 * parameter dedupeTable creates the table). A window or policy without a table is a mistake, not a default.
 */
export function loadDedupeConfig(env: NodeJS.ProcessEnv): DedupeConfig | null {
  const tableName = env[DEDUPE_ENV.table] ?? '';
  if (tableName === '') {
    for (const name of [DEDUPE_ENV.windowSeconds, DEDUPE_ENV.onUnavailable])
      if ((env[name] ?? '') !== '') throw new ConfigError(`is set, but ${DEDUPE_ENV.table} is not`, name);
    return null;
  }
  if (!/^[A-Za-z0-9_.-]{3,255}$/.test(tableName))
    throw new ConfigError(`must be a DynamoDB table name, got "${tableName}"`, DEDUPE_ENV.table);
  const onUnavailable = env[DEDUPE_ENV.onUnavailable] || 'publish';
  if (onUnavailable !== 'publish' && onUnavailable !== 'retry')
    throw new ConfigError(`must be "publish" or "retry", got "${onUnavailable}"`, DEDUPE_ENV.onUnavailable);
  return {
    tableName,
    windowSeconds: positiveInteger(env, DEDUPE_ENV.windowSeconds, DEFAULT_DEDUPE_WINDOW_SECONDS),
    onUnavailable,
  };
}

/**
 * The dry-run sink prints every message, recipients and all, on stdout: in a deployed function that is CloudWatch
 * Logs, where addresses must not go unless the operator asked for them (LOG_RECIPIENTS).
 */
function publishAndLogging(env: NodeJS.ProcessEnv): Pick<BridgeConfig, 'publish' | 'logRecipients'> {
  const publish = resolvePublishMode(env);
  const logRecipients = envFlag(env, 'LOG_RECIPIENTS');
  if (publish === 'dry-run' && isDeployedLambda(env) && !logRecipients)
    throw new ConfigError(
      'is "dry-run" in a deployed function, which would write every message, recipients included, to CloudWatch Logs; set LOG_RECIPIENTS=true to accept that, or publish to SNS',
      'BRIDGE_PUBLISH',
    );
  return { publish, logRecipients };
}

/**
 * The parking topic's ARN: PARKING_TOPIC as given when it is an ARN, else completed with the region and account of
 * the running function (from its invoked ARN, arn:aws:lambda:REGION:ACCOUNT:function:NAME).
 */
export function parkingTopicArn(
  config: Pick<BridgeConfig, 'parkingTopic' | 'publish'>,
  invokedFunctionArn: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): string | null {
  const { parkingTopic } = config;
  if (parkingTopic === null || isStandardTopicArn(parkingTopic)) return parkingTopic;
  const parts = invokedFunctionArn?.split(':') ?? [];
  if (parts.length >= 5) return `arn:${parts[1]}:sns:${parts[3]}:${parts[4]}:${parkingTopic}`;
  // `serverless invoke local` (IS_LOCAL) gives no function ARN; locally, and in any dry run, a placeholder account
  // does (pass PARKING_TOPIC=<ARN> to park on a real topic).
  if (config.publish === 'dry-run' || env.IS_LOCAL === 'true')
    return `arn:aws:sns:${env.AWS_REGION || 'us-east-1'}:000000000000:${parkingTopic}`;
  throw new ConfigError(`is a topic name, and the function's ARN is unknown: give the topic ARN`, 'PARKING_TOPIC');
}
