/**
 * `verify --canary`: proof of delivery, not of configuration. For each destination topic of the plan in this account
 * it creates a temporary SQS queue that only that topic may send to, subscribes it, sends test mail to the SES mailbox
 * simulator through the path the plan promises, and waits (bounded) for each feedback type. It checks the payload
 * format the plan promises (legacy notification or event publishing), counts duplicates (the same feedback arriving
 * more than once, e.g. by the legacy and the new path: AWS warns that several feedback methods duplicate), measures
 * latency per type, and always removes the queue and the subscription, also when interrupted.
 */
import { randomBytes } from 'node:crypto';
import { type CanaryDestination, canaryDestinations } from '#lib/migration/canary-destinations';
import type { SesSession } from '#lib/migration/ses';
import { type Clients, openQueue, receiveAndDelete, removeQueues, type TempQueue } from '#lib/migration/temp-queue';
import type { CanaryReport, CanaryResult, Plan } from '#lib/migration/types';
import { SIMULATOR } from '#lib/migration/verify';

/** Default bound of the wait for feedback. */
export const CANARY_TIMEOUT_MS = 5 * 60 * 1000;

export interface CanaryOptions {
  plan: Plan;
  accountId: string;
  session: SesSession;
  clients: Clients;
  timeoutMs?: number;
  /** After every expected copy arrived, how long to keep listening for duplicates. */
  settleMs?: number;
  progress?: (line: string) => void;
  /** Aborts the wait (Ctrl-C); the queues and subscriptions are removed all the same. */
  signal?: AbortSignal;
}

/** A copy of feedback read from a canary queue. */
interface Copy {
  messageId: string;
  type: string;
  format: 'notification' | 'event' | 'other';
  path: string;
}

/** Reads one SQS message body: an SNS envelope (unwrapped) or a raw SES record. */
export function readCopy(body: string): Copy | null {
  try {
    let doc = JSON.parse(body);
    // The bridge marks what it publishes with a bridgeId message attribute (README, "Message attributes").
    let via = 'directly from SES';
    if (doc?.Type === 'Notification' && typeof doc.Message === 'string') {
      if (doc.MessageAttributes?.bridgeId) via = 'through the bridge';
      doc = JSON.parse(doc.Message);
    }
    const messageId = doc?.mail?.messageId;
    if (typeof messageId !== 'string') return null;
    if (typeof doc.notificationType === 'string')
      return { messageId, type: doc.notificationType, format: 'notification', path: `identity notification ${via}` };
    if (typeof doc.eventType === 'string') {
      const set = doc.mail?.tags?.['ses:configuration-set']?.[0];
      return {
        messageId,
        type: doc.eventType,
        format: 'event',
        path: `configuration set ${set ?? '(unnamed)'} ${via}`,
      };
    }
    return { messageId, type: String(doc.type ?? 'unknown'), format: 'other', path: 'unknown' };
  } catch {
    return null;
  }
}

export { canaryQueuePolicy } from '#lib/migration/temp-queue';

/** Runs the canary for every destination of the account. */
export async function runCanary(options: CanaryOptions): Promise<CanaryReport> {
  const { plan, accountId, session, signal } = options;
  const progress = options.progress ?? (() => {});
  const timeoutMs = options.timeoutMs ?? CANARY_TIMEOUT_MS;
  const destinations = canaryDestinations(plan, accountId);
  const started = Date.now();
  const results: CanaryResult[] = [];
  const created: TempQueue[] = [];
  const tag = randomBytes(4).toString('hex');
  if (destinations.length === 0) progress(`canary: the plan promises no feedback on a topic of account ${accountId}`);
  try {
    const listening: Array<{ d: CanaryDestination; queue: Required<TempQueue>; result: CanaryResult }> = [];
    for (const [i, d] of destinations.entries()) {
      const queue = await openQueue(
        options.clients,
        d.region,
        d.topicArn,
        `ses-bridge-canary-${tag}-${i + 1}`,
        created,
      );
      const queueArn = queue.queueArn;
      const result: CanaryResult = {
        topicArn: d.topicArn,
        format: d.format,
        queueArn,
        passed: false,
        duplicates: 0,
        types: [],
      };
      for (const type of d.types) {
        const messageId = await session.sendEmail(d.region, {
          from: d.from,
          to: SIMULATOR[type],
          subject: `ses-bridge migration canary ${plan.planId} ${type}`,
          body: `Canary of the migrated feedback path (plan ${plan.planId}); expect a ${d.format} ${type} on ${d.topicArn}.`,
          sourceArn: d.sourceArn,
          configurationSetName: d.configurationSetName,
        });
        result.types.push({ type, messageId, sentAt: Date.now(), latencyMs: null, copies: [], status: 'missing' });
      }
      progress(`canary: ${d.topicArn}: sent ${d.types.join(', ')} from ${d.from}; listening on ${queueArn}`);
      results.push(result);
      listening.push({ d, queue, result });
    }
    const deadline = started + timeoutMs;
    let settleUntil: number | null = null;
    while (!signal?.aborted && Date.now() < (settleUntil ?? deadline)) {
      for (const { d, queue, result } of listening) {
        for (const m of await receiveAndDelete(options.clients, queue)) {
          const copy = readCopy(m.Body ?? '');
          const expected = copy && result.types.find((t) => t.messageId === copy.messageId && t.type === copy.type);
          if (!copy || !expected) continue;
          expected.copies.push({ format: copy.format, path: copy.path, latencyMs: Date.now() - expected.sentAt });
          if (copy.format === d.format && expected.latencyMs === null)
            expected.latencyMs = Date.now() - expected.sentAt;
        }
      }
      const waiting = listening.flatMap(({ d, result }) =>
        result.types.filter((t) => t.latencyMs === null).map((t) => `${t.type} on ${d.topicArn}`),
      );
      if (waiting.length === 0 && settleUntil === null) settleUntil = Date.now() + (options.settleMs ?? 3000);
      if (waiting.length > 0)
        progress(
          `canary: waiting for ${waiting.join(', ')} (${Math.round((Date.now() - started) / 1000)} s of ${Math.round(timeoutMs / 1000)} s)`,
        );
    }
    for (const result of results) {
      for (const t of result.types) {
        t.status =
          t.latencyMs !== null
            ? 'ok'
            : t.copies.length > 0
              ? 'wrong-format'
              : signal?.aborted
                ? 'interrupted'
                : 'missing';
        result.duplicates += Math.max(0, t.copies.length - 1);
      }
      result.passed = result.types.every((t) => t.status === 'ok');
    }
  } finally {
    await removeQueues(options.clients, created, progress, 'canary');
  }
  return {
    passed: results.every((r) => r.passed) && !signal?.aborted,
    timeoutMs,
    interrupted: signal?.aborted === true,
    destinations: results,
  };
}
