/**
 * The bridge's one path, shared by every trigger and the CLI:
 * outcomes (normalized events, rejections, skips) -> plan (route + render) -> publish -> park the poison.
 * Every record ends delivered, deliberately dropped/skipped, parked with its reason and original text, or marked
 * for retry by its trigger. Nothing is swallowed.
 */
import { type CompiledRoutes, type Delivery, route, unmatchedDelivery } from '#lib/routing/index';
import { render } from '#lib/render/index';
import { describeError } from '#lib/errors';
import type { OutboundMessage, PublishOutcome, Publisher } from '#lib/publish/types';
import type { EventType, Outcome, Transport } from '#lib/ses/types';

/** What happens to one (record, destination) pair, or to a record that has none. */
export type PlannedStep =
  | { kind: 'publish'; delivery: Delivery; message: OutboundMessage }
  | { kind: 'skip'; delivery: Delivery; reason: 'format_unsupported' }
  | { kind: 'drop' }
  | { kind: 'poison'; code: string; reason: string; delivery: Delivery | null };

export interface PlannedRecord {
  /** Index of the outcome in the batch. */
  index: number;
  outcome: Outcome;
  steps: PlannedStep[];
}

/** Why a record was parked; the closed vocabulary operators see in the parking queue. */
export const PoisonCode = {
  unmatched: 'unmatched',
  messageTooLarge: 'message_too_large',
  renderFailed: 'render_failed',
} as const;

/** Routes and renders one outcome. Pure: no I/O. */
export function planOutcome(outcome: Outcome, index: number, routes: CompiledRoutes): PlannedRecord {
  if (outcome.kind === 'skipped') return { index, outcome, steps: [] };
  if (outcome.kind === 'problem') {
    return { index, outcome, steps: [{ kind: 'poison', code: outcome.problem.code, reason: outcome.problem.message, delivery: null }] };
  }
  const { event, record } = outcome;
  let deliveries = route(routes, event);
  if (deliveries.length === 0) {
    const fallback = unmatchedDelivery(routes);
    if (fallback !== null) deliveries = [fallback];
    else if (routes.unmatched.action === 'fail') {
      return { index, outcome, steps: [{ kind: 'poison', code: PoisonCode.unmatched, reason: 'no route matches this record and unmatched.action is "fail"', delivery: null }] };
    } else return { index, outcome, steps: [{ kind: 'drop' }] };
  }
  const steps: PlannedStep[] = [];
  deliveries.forEach((delivery, d) => {
    let rendered;
    try {
      rendered = render(event, record, delivery.topicArn, delivery.format);
    } catch (err) {
      steps.push({ kind: 'poison', code: PoisonCode.renderFailed, reason: `could not render the ${delivery.format} format: ${describeError(err)}`, delivery });
      return;
    }
    if (rendered.kind === 'skip') steps.push({ kind: 'skip', delivery, reason: rendered.reason });
    else if (rendered.kind === 'too_large') {
      steps.push({ kind: 'poison', code: PoisonCode.messageTooLarge, reason: `the ${delivery.format} message is ${rendered.bytes} bytes, over the SNS limit of 262144`, delivery });
    } else {
      steps.push({ kind: 'publish', delivery, message: { key: `${index}.${d}`, topicArn: delivery.topicArn, body: rendered.body, attributes: rendered.attributes } });
    }
  });
  return { index, outcome, steps };
}

/** A record that could not be delivered and never will be as it is: kept with its reason and original text. */
export interface ParkedRecord {
  parkedAt: string;
  code: string;
  reason: string;
  route: string | null;
  topicArn: string | null;
  messageId: string | null;
  type: EventType | null;
  path: string;
  transport: Transport | null;
  text: string | null;
}

export interface BridgeDeps {
  routes: CompiledRoutes;
  publisher: Publisher;
  /** SNS topic poison records are published to (the stack subscribes the parking queue); null: none. */
  parkingTopicArn: string | null;
  now?: () => Date;
}

/** The result for one trigger item (an SQS message, an SNS record...). */
export type ItemStatus = 'ok' | 'retry';

export interface BatchReport {
  /** Trigger item index -> status; `retry` when any of its deliveries may still succeed later. */
  items: Map<number, ItemStatus>;
  planned: PlannedRecord[];
  /** Publish outcome per message key. */
  published: Map<string, PublishOutcome>;
  parked: ParkedRecord[];
  /** Poison records that could not be parked (so their trigger item is retried, ending in its DLQ). */
  unparked: ParkedRecord[];
  counts: BatchCounts;
}

export interface BatchCounts {
  records: number;
  delivered: number;
  skippedFormat: number;
  dropped: number;
  skippedInputs: number;
  parked: number;
  retry: number;
  /** Messages published per route name ('(unmatched)' for the unmatched destination) and type. */
  routed: Map<string, number>;
}

function itemOf(outcome: Outcome): number {
  if (outcome.kind === 'event') return outcome.record.item;
  return outcome.kind === 'problem' ? outcome.problem.item : outcome.notice.item;
}

function parkedRecord(outcome: Outcome, code: string, reason: string, delivery: Delivery | null, now: Date): ParkedRecord {
  const base = { parkedAt: now.toISOString(), code, reason, route: delivery?.route ?? null, topicArn: delivery?.topicArn ?? null };
  if (outcome.kind === 'event') {
    const { event, record } = outcome;
    return { ...base, messageId: event.messageId, type: event.type, path: record.path, transport: record.transport, text: record.text ?? JSON.stringify(record.json) };
  }
  if (outcome.kind === 'problem') {
    const { path, transport, text } = outcome.problem;
    return { ...base, messageId: null, type: null, path, transport, text };
  }
  return { ...base, messageId: null, type: null, path: outcome.notice.path, transport: outcome.notice.transport, text: null };
}

/**
 * Runs a batch of outcomes through routing, rendering, publishing and parking. Never throws for a record-level
 * failure: the report says, per trigger item, whether it must be retried.
 */
export async function processBatch(outcomes: Outcome[], deps: BridgeDeps): Promise<BatchReport> {
  const now = (deps.now ?? (() => new Date()))();
  const planned = outcomes.map((outcome, i) => planOutcome(outcome, i, deps.routes));
  const items = new Map<number, ItemStatus>();
  const counts: BatchCounts = { records: 0, delivered: 0, skippedFormat: 0, dropped: 0, skippedInputs: 0, parked: 0, retry: 0, routed: new Map() };
  const messages: OutboundMessage[] = [];
  for (const plan of planned) {
    items.set(itemOf(plan.outcome), items.get(itemOf(plan.outcome)) ?? 'ok');
    if (plan.outcome.kind === 'skipped') counts.skippedInputs++;
    else counts.records++;
    for (const step of plan.steps) if (step.kind === 'publish') messages.push(step.message);
  }

  const published = new Map<string, PublishOutcome>();
  if (messages.length > 0) for (const result of await deps.publisher.publish(messages)) published.set(result.key, result);

  const poison: Array<{ item: number; record: ParkedRecord }> = [];
  for (const plan of planned) {
    const item = itemOf(plan.outcome);
    for (const step of plan.steps) {
      if (step.kind === 'skip') counts.skippedFormat++;
      else if (step.kind === 'drop') counts.dropped++;
      else if (step.kind === 'poison') poison.push({ item, record: parkedRecord(plan.outcome, step.code, step.reason, step.delivery, now) });
      else {
        const result = published.get(step.message.key);
        if (result?.status === 'ok') {
          counts.delivered++;
          const key = `${step.delivery.route ?? '(unmatched)'}\t${plan.outcome.kind === 'event' ? plan.outcome.event.type : 'unknown'}`;
          counts.routed.set(key, (counts.routed.get(key) ?? 0) + 1);
        } else if (result?.status === 'poison') {
          poison.push({ item, record: parkedRecord(plan.outcome, result.code, result.reason, step.delivery, now) });
        } else {
          items.set(item, 'retry');
        }
      }
    }
  }

  const { parked, unparked } = await park(poison, deps);
  for (const { item } of unparked) items.set(item, 'retry');
  counts.parked = parked.length;
  for (const status of items.values()) if (status === 'retry') counts.retry++;
  return { items, planned, published, parked: parked.map((p) => p.record), unparked: unparked.map((p) => p.record), counts };
}

async function park(poison: Array<{ item: number; record: ParkedRecord }>, deps: BridgeDeps) {
  if (poison.length === 0) return { parked: [], unparked: [] };
  if (deps.parkingTopicArn === null) return { parked: [], unparked: poison };
  const topicArn = deps.parkingTopicArn;
  const messages: OutboundMessage[] = poison.map(({ record }, i) => ({
    key: `park.${i}`,
    topicArn,
    body: JSON.stringify(record),
    attributes: { code: { DataType: 'String', StringValue: record.code } },
  }));
  const results = await deps.publisher.publish(messages);
  const ok = new Set(results.filter((r) => r.status === 'ok').map((r) => r.key));
  return {
    parked: poison.filter((_, i) => ok.has(`park.${i}`)),
    unparked: poison.filter((_, i) => !ok.has(`park.${i}`)),
  };
}
