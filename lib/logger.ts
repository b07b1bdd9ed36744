/**
 * Structured JSON logging (Powertools Logger) and CloudWatch metrics (Powertools Metrics, EMF).
 * Recipient addresses are personal data: they are never logged in clear unless LOG_RECIPIENTS=true.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { BatchReport, ParkedRecord } from '#lib/pipeline';

export const SERVICE_NAME = 'ses-notification-bridge';

export const logger = new Logger({ serviceName: SERVICE_NAME });
const rootLogger = logger;
export const metrics = new Metrics({ namespace: 'SesNotificationBridge', serviceName: SERVICE_NAME });

/** `jane.doe@example.com` -> `j***@example.com`: enough to tell addresses apart in a log, not to mail them. */
export function maskAddress(address: string): string {
  const at = address.lastIndexOf('@');
  if (at <= 0) return '***';
  return `${address[0]}***${address.slice(at)}`;
}

// The @ and the ways a text can spell it: JSON and JavaScript escapes (a log reader decodes them back into an @),
// URL and HTML encodings.
const AT = String.raw`@|\\u0040|\\x40|%40|&#0*64;|&#x0*40;`;
// Anything shaped like an address around one: no quote, bracket, separator or blank on either side; or a quoted
// local part ("jane doe"@..., also with its quotes escaped inside a JSON string) or a domain literal
// (...@[192.0.2.1]). Wider than what mail accepts on purpose (a hostile sender writes whatever it likes, e.g. a tag
// name or a SigningCertURL). Runs are bounded so that a long text without a match costs linear time.
const PLAIN = String.raw`[^\s"'\`<>()[\]{},;:\\@]{1,256}`;
const ADDRESS_LIKE = new RegExp(
  String.raw`("(?:[^"\\\r\n]|\\.){0,256}"|"[^"\r\n]{0,256}"|${PLAIN})(${AT})(\[[^\]\s]{0,256}\]|${PLAIN})`,
  'gi',
);
const MAY_HOLD_ADDRESS = /@|\\u0040|\\x40|%40|&#/i;

/** `text` with every address-like run masked (`j***@example.com`, `"***@example.com`, `j***%40example.com`). */
export function redactAddresses(text: string): string {
  if (!MAY_HOLD_ADDRESS.test(text)) return text;
  return text.replace(ADDRESS_LIKE, (_, local: string, at: string, domain: string) => `${local[0]}***${at}${domain}`);
}

/**
 * A copy of a log line's fields with every address-like run masked, in values and keys, at any depth: the last
 * guard between a hostile input (an address in a tag name, an envelope field, a parse error) and the logs. Reasons
 * and paths come from the input's own keys and values, so they are masked here whatever produced them.
 */
export function redactFields<T>(value: T, depth = 0): T {
  if (typeof value === 'string') return redactAddresses(value) as T;
  if (value === null || typeof value !== 'object' || depth > 20) return value;
  if (Array.isArray(value)) return value.map((v) => redactFields(v, depth + 1)) as T;
  if (value instanceof Error) return { name: value.name, message: redactAddresses(value.message) } as T;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) out[redactAddresses(key)] = redactFields(v, depth + 1);
  return out as T;
}

function parkedFields(record: ParkedRecord, logRecipients: boolean) {
  const { text, ...rest } = record;
  // The original text holds recipient addresses and headers: only with LOG_RECIPIENTS=true.
  return logRecipients ? record : { ...rest, textBytes: text === null ? 0 : Buffer.byteLength(text) };
}

/**
 * Logs what an operator must know about a batch: every record parked or left for retry, and one summary line.
 * Without LOG_RECIPIENTS=true every field is passed through {@link redactFields}.
 */
export function logReport(report: BatchReport, logRecipients: boolean): void {
  const logger = logRecipients ? rootLogger : redactingLogger;
  for (const plan of report.notable) {
    if (plan.outcome.kind === 'skipped') logger.info('input skipped', { notice: plan.outcome.notice });
  }
  for (const record of report.parked) {
    logger.error('record parked', { correlation_id: record.messageId, ...parkedFields(record, logRecipients) });
  }
  for (const record of report.unparked) {
    logger.error(
      'record could not be parked; its trigger item is retried or kept whole (dead-letter queue, Firehose processing-failed prefix)',
      {
        correlation_id: record.messageId,
        ...parkedFields(record, logRecipients),
      },
    );
  }
  for (const record of report.deferred) {
    logger.warn(
      'record refused by a destination; parked once its other deliveries settle (or kept whole in the dead-letter queue)',
      {
        correlation_id: record.messageId,
        ...parkedFields(record, logRecipients),
      },
    );
  }
  for (const plan of report.notable) {
    if (plan.outcome.kind !== 'event') continue;
    const { event } = plan.outcome;
    for (const step of plan.steps) {
      if (step.kind !== 'publish') continue;
      const result = report.failed.get(step.key);
      if (result !== undefined && result.status === 'retryable') {
        logger.warn('publish failed; will be retried', {
          correlation_id: event.messageId,
          type: event.type,
          route: step.delivery.route,
          topicArn: step.delivery.topicArn,
          code: result.code,
          reason: result.reason,
          recipients: logRecipients ? event.recipients : event.recipients.map(maskAddress),
        });
      }
    }
  }
  const { routed, ...counts } = report.counts;
  // Published messages per route and type; shadow routes and suppressed copies apart.
  const routes: Record<string, Record<string, number>> = {};
  const shadowRoutes: Record<string, Record<string, number>> = {};
  const suppressedRoutes: Record<string, number> = {};
  for (const { route, type, shadow, delivered, suppressed } of routed) {
    if (delivered > 0) {
      const into = shadow ? shadowRoutes : routes;
      into[route] ??= {};
      into[route][type] = delivered;
    }
    if (suppressed > 0) suppressedRoutes[route] = (suppressedRoutes[route] ?? 0) + suppressed;
  }
  logger.info('batch processed', { ...counts, routes, shadowRoutes, suppressedRoutes });
}

/** The logger's calls with their fields redacted (the message strings are the bridge's own). */
const redactingLogger = {
  info: (message: string, fields: Record<string, unknown>) => rootLogger.info(message, redactFields(fields)),
  warn: (message: string, fields: Record<string, unknown>) => rootLogger.warn(message, redactFields(fields)),
  error: (message: string, fields: Record<string, unknown>) => rootLogger.error(message, redactFields(fields)),
};

/** Adds the batch's figures to the metrics buffer; the handler flushes it (publishStoredMetrics). */
export function recordMetrics(report: BatchReport): void {
  const { counts } = report;
  const suppressedByRoute = new Map<string, number>();
  for (const { route, type, shadow, delivered, suppressed } of counts.routed) {
    if (delivered > 0) {
      const metric = metrics.singleMetric();
      metric.addDimensions({ route, type });
      metric.addMetric(shadow ? 'RecordsShadowed' : 'RecordsRouted', MetricUnit.Count, delivered);
    }
    if (suppressed > 0) suppressedByRoute.set(route, (suppressedByRoute.get(route) ?? 0) + suppressed);
  }
  for (const [route, suppressed] of suppressedByRoute) {
    const metric = metrics.singleMetric();
    metric.addDimensions({ route });
    metric.addMetric('DuplicatesSuppressed', MetricUnit.Count, suppressed);
  }
  metrics.addMetric('RecordsReceived', MetricUnit.Count, counts.records);
  metrics.addMetric('RecordsUnmatchedDropped', MetricUnit.Count, counts.dropped);
  metrics.addMetric('DeliveriesSkippedFormat', MetricUnit.Count, counts.skippedFormat);
  metrics.addMetric('InputsSkipped', MetricUnit.Count, counts.skippedInputs);
  metrics.addMetric('RecordsParked', MetricUnit.Count, counts.parked + report.unparked.length);
  metrics.addMetric('PublishFailures', MetricUnit.Count, report.failed.size);
  metrics.addMetric('ItemsRetried', MetricUnit.Count, counts.retry);
}
