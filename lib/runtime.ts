/**
 * The handlers' shared runtime: configuration, routes and publisher built once per cold start (lazily, on the first
 * invocation: a module that throws while loading makes `serverless invoke local` hang), then one call per batch.
 */
import type { Context } from 'aws-lambda';
import { loadBridgeConfig, parkingTopicArn, type BridgeConfig } from '#lib/config';
import { ProblemCode, describeError } from '#lib/errors';
import { readFeedback } from '#lib/intake';
import { isObject, safeStringify } from '#lib/json';
import { logReport, logger, metrics, recordMetrics } from '#lib/logger';
import { type BatchReport, type BridgeDeps, processBatch } from '#lib/pipeline';
import { createDryRunPublisher } from '#lib/publish/dry-run';
import { createSnsPublisher } from '#lib/publish/sns';
import { compileRoutes } from '#lib/routing/index';
import type { Outcome } from '#lib/ses/types';

export interface Runtime {
  config: BridgeConfig;
  deps: BridgeDeps;
}

let current: Runtime | undefined;

/** Builds the runtime from the environment. Throws ConfigError when the configuration is bad. */
export function createRuntime(env: NodeJS.ProcessEnv = process.env, invokedFunctionArn?: string): Runtime {
  const config = loadBridgeConfig(env);
  const publisher = config.publish === 'sns' ? createSnsPublisher({ retry: { maxElapsedMs: config.publishMaxElapsedMs } }) : createDryRunPublisher(process.stdout);
  const parking = parkingTopicArn(config, invokedFunctionArn, env);
  return { config, deps: { routes: compileRoutes(config.routes), publisher, parkingTopicArn: parking } };
}

/** The runtime of this Lambda container, built on first use. */
export function runtime(context?: Pick<Context, 'invokedFunctionArn'>): Runtime {
  if (current === undefined) {
    try {
      current = createRuntime(process.env, context?.invokedFunctionArn);
    } catch (err) {
      logger.critical('configuration is invalid; fix it and redeploy', { error: err as Error });
      throw err;
    }
    logger.info('bridge configured', {
      routesFile: current.config.routesFile,
      routes: current.config.routes.routes.length,
      unmatched: current.config.routes.unmatched.action,
      publish: current.config.publish,
      parkingTopicArn: current.deps.parkingTopicArn,
    });
  }
  return current;
}

/** Replaces the container's runtime (tests, local tools); undefined resets it. */
export function setRuntime(next: Runtime | undefined): void {
  current = next;
}

/** Processes already-read outcomes: route, render, publish, park; logs and records metrics. */
export async function processOutcomes(outcomes: Outcome[], context?: Pick<Context, 'invokedFunctionArn'>): Promise<BatchReport> {
  const { deps, config } = runtime(context);
  const report = await processBatch(outcomes, deps);
  logReport(report, config.logRecipients);
  recordMetrics(report);
  metrics.publishStoredMetrics();
  return report;
}

/** Reads one trigger event (any supported envelope) and processes it. */
export function processEvent(event: unknown, context?: Pick<Context, 'invokedFunctionArn'>): Promise<BatchReport> {
  return processOutcomes(readEvent(event), context);
}

/**
 * readFeedback, with one guarantee more: an item the reader throws on (a bug, or an input shape nobody foresaw)
 * becomes an `unsupported_input` problem, parked with its text, and never takes its batch down with it. Without
 * this, one such SQS message fails every message of its batch until they all reach the dead-letter queue.
 */
export function readEvent(event: unknown): Outcome[] {
  try {
    return readFeedback(event);
  } catch (err) {
    logger.error('reading the event threw; the items that make it throw are parked as unsupported_input', { error: err as Error });
    if (!isObject(event)) return [unreadable('', 0, err, event)];
    const key = Array.isArray(event.Records) ? 'Records' : Array.isArray(event.records) ? 'records' : null;
    if (key === null) return [unreadable('', 0, err, event)];
    const items = event[key] as unknown[];
    // Find the items that throw on their own, then read the event again with each replaced by null: the reader
    // reports a null item at its own path, so every other item keeps its path and index.
    const broken = new Map<number, unknown>();
    items.forEach((item, i) => {
      try {
        readFeedback({ ...event, [key]: [item] });
      } catch (itemErr) {
        broken.set(i, itemErr);
      }
    });
    let outcomes: Outcome[];
    try {
      outcomes = readFeedback({ ...event, [key]: items.map((item, i) => (broken.has(i) ? null : item)) });
    } catch {
      return [unreadable('', 0, err, event)];
    }
    return outcomes.map((outcome) => {
      if (outcome.kind !== 'problem' || !broken.has(outcome.problem.item) || outcome.problem.path !== `${key}[${outcome.problem.item}]`) return outcome;
      const i = outcome.problem.item;
      return unreadable(`${key}[${i}]`, i, broken.get(i), items[i]);
    });
  }
}

function unreadable(path: string, item: number, err: unknown, value: unknown): Outcome {
  const where = path === '' ? 'the event' : path;
  return {
    kind: 'problem',
    problem: { code: ProblemCode.unsupportedInput, message: `${where} could not be read: ${describeError(err)}`, path, item, transport: null, text: safeStringify(value) },
  };
}

/** Error thrown by async-invoked handlers (SNS, EventBridge) so Lambda retries the event, then sends it to the DLQ. */
export class RetryLaterError extends Error {
  override readonly name = 'RetryLaterError';
}

/**
 * Throws RetryLaterError when any item of the report must be retried. The message names what failed (SNS's code and
 * the destination, at most three): after the last retry it is the `errorMessage` an operator reads in the
 * on-failure destination's invocation record, beside the event itself.
 */
export function throwIfRetry(report: BatchReport): void {
  if (report.counts.retry === 0) return;
  const topics = new Map<string, string>();
  for (const plan of report.planned) for (const step of plan.steps) if (step.kind === 'publish') topics.set(step.message.key, step.message.topicArn);
  const causes = new Set<string>();
  for (const result of report.published.values()) {
    if (result.status === 'retryable') causes.add(`${result.code} on ${topics.get(result.key) ?? 'an unknown topic'}`);
  }
  for (const record of report.unparked) causes.add(`${record.code} (could not be parked)`);
  for (const record of report.deferred) causes.add(`${record.code} on ${record.topicArn ?? 'no destination'} (parked once the rest is delivered)`);
  const shown = [...causes].slice(0, 3).join(', ') + (causes.size > 3 ? `, and ${causes.size - 3} more` : '');
  throw new RetryLaterError(`${report.counts.retry} of ${report.items.size} records could not be delivered yet; Lambda will retry the event. Last failures: ${shown}`);
}
