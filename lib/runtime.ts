/**
 * The handlers' shared runtime: configuration, routes and publisher built once per cold start (lazily, on the first
 * invocation: a module that throws while loading makes `serverless invoke local` hang), then one call per batch.
 */

import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import {
  type BridgeConfig,
  DEDUPE_TABLE_ERRORS_METRIC,
  type DedupeConfig,
  loadBridgeConfig,
  parkingTopicArn,
} from '#lib/config';
import { dynamoTableApi } from '#lib/dedupe/dynamodb-json';
import { createDedupingPublisher } from '#lib/dedupe/publisher';
import { DEFAULT_DEDUPE_SETTINGS, DedupeStore } from '#lib/dedupe/store';
import type { TriggerItems } from '#lib/envelopes/index';
import { type Trigger, triggerEventItems } from '#lib/envelopes/triggers';
import { BridgeError, ConfigError, describeError, ErrorCode } from '#lib/errors';
import { logger, logReport, metrics, recordMetrics } from '#lib/logger';
import { type BatchReport, type BridgeDeps, processItems } from '#lib/pipeline';
import { createDryRunPublisher } from '#lib/publish/dry-run';
import { createSnsPublisher } from '#lib/publish/sns';
import type { Publisher } from '#lib/publish/types';
import { compileRoutes } from '#lib/routing/index';

export interface Runtime {
  config: BridgeConfig;
  deps: BridgeDeps;
}

let current: Runtime | undefined;

/** Builds the runtime from the environment. Throws ConfigError when the configuration is bad. */
export function createRuntime(env: NodeJS.ProcessEnv = process.env, invokedFunctionArn?: string): Runtime {
  const config = loadBridgeConfig(env);
  const base =
    config.publish === 'sns'
      ? createSnsPublisher({ retry: { maxElapsedMs: config.publishMaxElapsedMs } })
      : createDryRunPublisher(process.stdout);
  // Only messages of routes with "dedupe": true carry a dedupeKey; with no such route nothing is wrapped, and the
  // DynamoDB SDK is never loaded.
  const publisher =
    config.dedupe !== null && config.routes.routes.some((route) => route.dedupe === true)
      ? dedupingPublisher(base, config.dedupe, env.AWS_REGION || 'us-east-1')
      : base;
  const parking = parkingTopicArn(config, invokedFunctionArn, env);
  return { config, deps: { routes: compileRoutes(config.routes), publisher, parkingTopicArn: parking } };
}

/** The publisher with copies of one SES event to one destination suppressed through the table in this region. */
export function dedupingPublisher(inner: Publisher, dedupe: DedupeConfig, region: string): Publisher {
  const store = new DedupeStore(dynamoTableApi(region), {
    ...DEFAULT_DEDUPE_SETTINGS,
    tableName: dedupe.tableName,
    windowSeconds: dedupe.windowSeconds,
  });
  return createDedupingPublisher(inner, {
    store,
    onUnavailable: dedupe.onUnavailable,
    onTableError: (error, write) => {
      logger.warn('the de-duplication table did not answer', {
        write,
        outcome:
          write === 'mark'
            ? 'the claim stays pending until its lease ends'
            : dedupe.onUnavailable === 'publish'
              ? 'published anyway'
              : 'left to retry',
        error: describeError(error),
      });
      metrics.addMetric(DEDUPE_TABLE_ERRORS_METRIC, MetricUnit.Count, 1);
    },
  });
}

/**
 * The runtime of this Lambda container, built on first use. Whatever stops it being built is a ConfigError (the
 * invocation fails, so the function's Errors metric and alarm see it), and it is tried again on the next invocation.
 */
export function runtime(context?: Pick<Context, 'invokedFunctionArn'>): Runtime {
  if (current === undefined) {
    try {
      current = createRuntime(process.env, context?.invokedFunctionArn);
    } catch (err) {
      logger.critical('configuration is invalid; fix it and redeploy', { error: err as Error });
      throw err instanceof ConfigError
        ? err
        : new ConfigError(`the bridge could not be configured: ${describeError(err)}`);
    }
    logger.info('bridge configured', {
      routesFile: current.config.routesFile,
      routes: current.config.routes.routes.length,
      unmatched: current.config.routes.unmatched.action,
      publish: current.config.publish,
      dedupeTable: current.config.dedupe?.tableName ?? null,
      parkingTopicArn: current.deps.parkingTopicArn,
    });
  }
  return current;
}

/** Replaces the container's runtime (tests, local tools); undefined resets it. */
export function setRuntime(next: Runtime | undefined): void {
  current = next;
}

/**
 * Reads one event of `trigger` with that trigger's strict reader (lib/envelopes/triggers) and processes it, routing
 * each record as it is read: route, render, publish, park; logs and records metrics. An event that trigger never
 * sends throws UnsupportedEventError before the configuration is even read: nothing is parked, on any retry.
 */
export async function processEvent(
  trigger: Trigger,
  event: unknown,
  context?: Pick<Context, 'invokedFunctionArn'>,
): Promise<BatchReport> {
  return processTriggerItems(triggerEventItems(trigger, event), context);
}

/** {@link processEvent} over items already read (the SNS HTTPS intake's signed Message, a raw-delivery post). */
export async function processTriggerItems(
  items: TriggerItems,
  context?: Pick<Context, 'invokedFunctionArn'>,
): Promise<BatchReport> {
  const { deps, config } = runtime(context);
  return reported(await processItems(items, deps), config);
}

function reported(report: BatchReport, config: BridgeConfig): BatchReport {
  logReport(report, config.logRecipients);
  recordMetrics(report);
  metrics.publishStoredMetrics();
  return report;
}

/** Error thrown by async-invoked handlers (SNS, EventBridge) so Lambda retries the event, then sends it to the DLQ. */
export class RetryLaterError extends BridgeError {
  override readonly name = 'RetryLaterError';
  readonly code = ErrorCode.retryLater;
}

/** What an asynchronous trigger's handler returns: the batch's outcome in the words its log line uses. */
export interface BatchSummary {
  delivered: number;
  parked: number;
  /** Inputs skipped (confirmations, setup notices) and deliveries skipped for their format (format_unsupported). */
  skipped: number;
  /** Records no route matched, under `unmatched: drop`. */
  dropped: number;
  /** Copies not published because the same SES event was already delivered there (de-duplication). */
  suppressed: number;
}

export function summarize(report: BatchReport): BatchSummary {
  const { counts } = report;
  return {
    delivered: counts.delivered,
    parked: counts.parked,
    skipped: counts.skippedInputs + counts.skippedFormat,
    dropped: counts.dropped,
    suppressed: counts.suppressed,
  };
}

/**
 * Firehose's answer per record: `ProcessingFailed` for records whose parking message SNS refused for good (Firehose
 * writes them, data and all, to the delivery stream's processing-failed S3 prefix: kept, and the batch is not
 * retried for them), `Ok` for the rest. Any other retry throws as {@link throwIfRetry} does: retrying the batch may
 * still deliver it.
 */
export function firehoseRecordResults(report: BatchReport): Map<number, 'Ok' | 'ProcessingFailed'> {
  const results = new Map<number, 'Ok' | 'ProcessingFailed'>();
  for (const [item, status] of report.items) {
    if (status === 'retry' && !report.unparkable.has(item)) throwIfRetry(report);
    results.set(item, status === 'retry' ? 'ProcessingFailed' : 'Ok');
  }
  return results;
}

/**
 * Throws RetryLaterError when any item of the report must be retried. The message names what failed (SNS's code and
 * the destination, at most three): after the last retry it is the `errorMessage` an operator reads in the
 * on-failure destination's invocation record, beside the event itself.
 */
export function throwIfRetry(report: BatchReport): void {
  if (report.counts.retry === 0) return;
  const topics = new Map<string, string>();
  for (const plan of report.notable)
    for (const step of plan.steps) if (step.kind === 'publish') topics.set(step.key, step.delivery.topicArn);
  const causes = new Set<string>();
  for (const result of report.failed.values()) {
    if (result.status === 'retryable') causes.add(`${result.code} on ${topics.get(result.key) ?? 'an unknown topic'}`);
  }
  for (const record of report.unparked) causes.add(`${record.code} (could not be parked)`);
  for (const record of report.deferred)
    causes.add(`${record.code} on ${record.topicArn ?? 'no destination'} (parked once the rest is delivered)`);
  const shown = [...causes].slice(0, 3).join(', ') + (causes.size > 3 ? `, and ${causes.size - 3} more` : '');
  throw new RetryLaterError(
    `${report.counts.retry} of ${report.items.size} records could not be delivered yet; Lambda will retry the event. Last failures: ${shown}`,
  );
}
