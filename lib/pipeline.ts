/**
 * The bridge's one path, shared by every trigger and the CLI:
 * outcomes (normalized events, rejections, skips) -> plan (route + render) -> publish -> park the poison.
 * Every record ends delivered, deliberately dropped/skipped, parked with its reason and original text, or marked
 * for retry by its trigger. Nothing is swallowed.
 */
import { createHash } from 'node:crypto';
import { dedupeKey } from '#lib/dedupe/key';
import { type TriggerItems, triggerItems } from '#lib/envelopes/index';
import { describeError, ProblemCode } from '#lib/errors';
import { feedbackSink } from '#lib/intake';
import { safeStringify } from '#lib/json';
import { payloadBytes, publishAll } from '#lib/publish/index';
import {
  type MessageAttribute,
  type OutboundMessage,
  type Publisher,
  type PublishOutcome,
  type PublishSession,
  SNS_MAX_PAYLOAD_BYTES,
} from '#lib/publish/types';
import { render } from '#lib/render/index';
import { type CompiledRoutes, type Delivery, route, unmatchedDelivery } from '#lib/routing/index';
import type { EventType, FeedbackEvent, Outcome, SesRecord, Transport } from '#lib/ses/types';

/** What happens to one (record, destination) pair, or to a record that has none. */
export type PlannedStep =
  | { kind: 'publish'; delivery: Delivery; key: string }
  | { kind: 'skip'; delivery: Delivery; reason: 'format_unsupported' }
  | { kind: 'drop' }
  | { kind: 'poison'; code: string; reason: string; delivery: Delivery | null; path?: string };

/**
 * What a plan keeps of a normalized event: what the report's readers (logs, parking) use once the record is routed
 * and rendered, not the whole event (its `detail`, `tags`, a dozen strings).
 */
export type PlannedEvent = Pick<FeedbackEvent, 'messageId' | 'type' | 'recipients'>;

/** An outcome as a plan keeps it: an event outcome with its {@link PlannedEvent}, the others as they are. */
export type PlannedOutcome =
  | { kind: 'event'; event: PlannedEvent; record: SesRecord }
  | Exclude<Outcome, { kind: 'event' }>;

export interface PlannedRecord {
  /** Index of the outcome in the batch. */
  index: number;
  outcome: PlannedOutcome;
  steps: PlannedStep[];
}

/** Why a record was parked; the closed vocabulary operators see in the parking queue. */
export const PoisonCode = {
  unmatched: 'unmatched',
  messageTooLarge: 'message_too_large',
  renderFailed: 'render_failed',
} as const;

/**
 * Routes and renders one outcome. Each rendered message goes to `emit` (a publish session), not into the plan: a
 * batch keeps its plans to the end, and a message need only live until its request is sent. Pure: no I/O.
 */
export function planOutcome(
  outcome: Outcome,
  index: number,
  routes: CompiledRoutes,
  emit: (message: OutboundMessage) => void,
): PlannedRecord {
  if (outcome.kind === 'skipped') return { index, outcome, steps: [] };
  if (outcome.kind === 'problem') {
    return {
      index,
      outcome,
      steps: [{ kind: 'poison', code: outcome.problem.code, reason: outcome.problem.message, delivery: null }],
    };
  }
  const { event, record } = outcome;
  const kept: PlannedOutcome = {
    kind: 'event',
    event: { messageId: event.messageId, type: event.type, recipients: event.recipients },
    record,
  };
  let deliveries = route(routes, event);
  if (deliveries.length === 0) {
    const fallback = unmatchedDelivery(routes);
    if (fallback !== null) deliveries = [fallback];
    else if (routes.unmatched.action === 'fail') {
      return {
        index,
        outcome: kept,
        steps: [
          {
            kind: 'poison',
            code: PoisonCode.unmatched,
            reason: 'no route matches this record and unmatched.action is "fail"',
            delivery: null,
          },
        ],
      };
    } else return { index, outcome: kept, steps: [{ kind: 'drop' }] };
  }
  const steps: PlannedStep[] = [];
  deliveries.forEach((delivery, d) => {
    let rendered: ReturnType<typeof render>;
    try {
      rendered = render(event, record, delivery.topicArn, delivery.format, delivery.shadow);
    } catch (err) {
      steps.push({
        kind: 'poison',
        code: PoisonCode.renderFailed,
        reason: `could not render the ${delivery.format} format: ${describeError(err)}`,
        delivery,
      });
      return;
    }
    if (rendered.kind === 'skip') steps.push({ kind: 'skip', delivery, reason: rendered.reason });
    else if (rendered.kind === 'invalid') {
      steps.push({
        kind: 'poison',
        code: ProblemCode.invalidRecord,
        reason: rendered.reason,
        delivery,
        path: rendered.path,
      });
    } else if (rendered.kind === 'too_large') {
      steps.push({
        kind: 'poison',
        code: PoisonCode.messageTooLarge,
        reason: `the ${delivery.format} message is ${rendered.bytes} bytes, over the SNS limit of 262144`,
        delivery,
      });
    } else {
      const key = `${index}.${d}`;
      const message: OutboundMessage = {
        key,
        topicArn: delivery.topicArn,
        body: rendered.body,
        attributes: rendered.attributes,
      };
      if (delivery.dedupe) message.dedupeKey = dedupeKey(event.feedbackKey, delivery.topicArn);
      emit(message);
      steps.push({ kind: 'publish', delivery, key });
    }
  });
  return { index, outcome: kept, steps };
}

/** A record that could not be delivered and never will be as it is: kept with its reason and original text. */
export interface ParkedRecord {
  /**
   * Deterministic id of this (record, reason, destination): the same poison parked twice (a redelivered batch)
   * has the same parkId, and the parts of a record too large for one parking message share it.
   */
  parkId: string;
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
  /**
   * The plans a reader of the report needs, in batch order: skipped inputs and the records that were not simply
   * delivered (poison, a failed or retried delivery). A delivered record's plan is not kept.
   */
  notable: PlannedRecord[];
  /** The publish outcomes other than `ok` (retryable, poison), per message key. */
  failed: Map<string, Exclude<PublishOutcome, { status: 'ok' }>>;
  parked: ParkedRecord[];
  /** Poison records that could not be parked (so their trigger item is retried, ending in its DLQ). */
  unparked: ParkedRecord[];
  /**
   * Poison deliveries of items that are retried anyway (another of their deliveries may still succeed): not parked
   * now, or every redelivery would park them again. They are parked by the attempt that settles the item; if the
   * item ends in its DLQ instead, the DLQ holds the whole record.
   */
  deferred: ParkedRecord[];
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
  /** Messages not published because a copy of their SES event to the same destination was (lib/dedupe). */
  suppressed: number;
  /** Per route ('(unmatched)' for the unmatched destination) and type: what was published and suppressed. */
  routed: RouteCount[];
}

export interface RouteCount {
  route: string;
  type: EventType;
  /** A shadow route's deliveries (to its shadow topic), counted apart from live ones. */
  shadow: boolean;
  delivered: number;
  suppressed: number;
}

function itemOf(outcome: PlannedOutcome): number {
  if (outcome.kind === 'event') return outcome.record.item;
  return outcome.kind === 'problem' ? outcome.problem.item : outcome.notice.item;
}

function parkedRecord(
  outcome: PlannedOutcome,
  code: string,
  reason: string,
  delivery: Delivery | null,
  now: Date,
  path?: string,
): ParkedRecord {
  const base = {
    parkedAt: now.toISOString(),
    code,
    reason,
    route: delivery?.route ?? null,
    topicArn: delivery?.topicArn ?? null,
  };
  let rest: Pick<ParkedRecord, 'messageId' | 'type' | 'path' | 'transport' | 'text'>;
  if (outcome.kind === 'event') {
    const { event, record } = outcome;
    // safeStringify: a record without text (EventBridge) nested deeper than JSON.stringify can go must not crash the
    // batch; it is parked without its text, with the reason that says why.
    rest = {
      messageId: event.messageId,
      type: event.type,
      path: path ?? record.path,
      transport: record.transport,
      text: record.text ?? safeStringify(record.json),
    };
  } else if (outcome.kind === 'problem') {
    const { path, transport, text } = outcome.problem;
    rest = { messageId: null, type: null, path, transport, text };
  } else {
    rest = { messageId: null, type: null, path: outcome.notice.path, transport: outcome.notice.transport, text: null };
  }
  // Not the path: it holds the item's position in its batch, which changes when the item is redelivered.
  const parkId = createHash('sha256')
    .update(`${code}\n${base.topicArn ?? ''}\n${rest.messageId ?? ''}\n${rest.text ?? rest.path}`)
    .digest('hex')
    .slice(0, 32);
  return { parkId, ...base, ...rest };
}

/**
 * Runs a batch of outcomes through routing, rendering, publishing and parking. Never throws for a record-level
 * failure: the report says, per trigger item, whether it must be retried.
 */
export async function processBatch(outcomes: Outcome[], deps: BridgeDeps): Promise<BatchReport> {
  const batch = new Batch(deps, (index) => outcomes[index]);
  for (const outcome of outcomes) batch.plan(outcome);
  return batch.finish();
}

/** Trigger items read between two pauses of {@link processDocument}. */
const ITEMS_BETWEEN_PAUSES = 256;

const pause = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * {@link processBatch} for one trigger document, as the handlers call it: each record is routed and rendered as soon
 * as it is read, while its parsed tree and text are young (no second parse for a conversion or a pass-through), and
 * its messages go to the publish session at once. Every few hundred trigger items the reader pauses for a turn of
 * the event loop, so the requests filled so far go out and their messages are let go of (docs/performance.md).
 * A record whose delivery fails is read again from its trigger item, for its parking message and logs.
 */
export async function processDocument(doc: unknown, text: string | null, deps: BridgeDeps): Promise<BatchReport> {
  return processItems(triggerItems(doc, text), deps);
}

/** {@link processDocument} over items a strict trigger reader gave (lib/envelopes/triggers). */
export async function processItems(items: TriggerItems, deps: BridgeDeps): Promise<BatchReport> {
  const batch = new Batch(deps, (_, item, nth) => {
    const outcomes: Outcome[] = [];
    items.unwrap(
      item,
      feedbackSink((outcome) => outcomes.push(outcome)),
    );
    return outcomes[nth];
  });
  const sink = feedbackSink((outcome) => batch.plan(outcome));
  for (let i = 0; i < items.count; i++) {
    items.unwrap(i, sink);
    if (i % ITEMS_BETWEEN_PAUSES === ITEMS_BETWEEN_PAUSES - 1) await pause();
  }
  return batch.finish();
}

/**
 * Reads outcome `index` of the batch again: the `nth` outcome of trigger `item`, equal to what was read the first time.
 */
type ReadAgain = (index: number, item: number, nth: number) => Outcome | undefined;

const ignoreMessage = (_message: OutboundMessage) => undefined;

/**
 * One batch on its way: plans each outcome as it comes, hands its messages to the publish session, and when the
 * session is done, counts, parks and reports. A batch keeps every record until its messages are settled, and
 * young-generation GC copies what is kept, so for a record that is simply delivered it keeps a few numbers, not its
 * plan (docs/performance.md): the plans of the few records that fail are made again from their trigger item.
 */
class Batch {
  readonly #deps: BridgeDeps;
  readonly #session: PublishSession;
  readonly #readAgain: ReadAgain;
  readonly #items = new Map<number, ItemStatus>();
  readonly #counts: BatchCounts = {
    records: 0,
    delivered: 0,
    skippedFormat: 0,
    dropped: 0,
    skippedInputs: 0,
    parked: 0,
    retry: 0,
    suppressed: 0,
    routed: [],
  };
  /** Plans kept whole from the start, by outcome index: skipped inputs and records with a poison step. */
  readonly #kept = new Map<number, PlannedRecord>();
  /** Per outcome: its trigger item. */
  readonly #outcomeItem: number[] = [];
  /** Per message, in the order added: its key, and its slot in `#slots` (route and type, for the counts). */
  readonly #messageKeys: string[] = [];
  readonly #messageSlots: number[] = [];
  readonly #slots: RouteCount[] = [];
  readonly #slotOf = new Map<string, Map<EventType, number>>();
  readonly #add: (message: OutboundMessage) => void;

  constructor(deps: BridgeDeps, readAgain: ReadAgain) {
    this.#deps = deps;
    this.#readAgain = readAgain;
    const session = deps.publisher.open();
    this.#session = session;
    this.#add = (message) => {
      this.#messageKeys.push(message.key);
      session.add(message);
    };
  }

  plan(outcome: Outcome): void {
    const index = this.#outcomeItem.length;
    const item = itemOf(outcome);
    this.#outcomeItem.push(item);
    if (!this.#items.has(item)) this.#items.set(item, 'ok');
    const plan = planOutcome(outcome, index, this.#deps.routes, this.#add);
    if (outcome.kind === 'skipped') this.#counts.skippedInputs++;
    else this.#counts.records++;
    let keep = outcome.kind === 'skipped';
    for (const step of plan.steps) {
      if (step.kind === 'publish')
        this.#messageSlots.push(
          this.#slot(
            step.delivery.route ?? '(unmatched)',
            plan.outcome.kind === 'event' ? plan.outcome.event.type : 'unknown',
            step.delivery.shadow,
          ),
        );
      else if (step.kind === 'skip') this.#counts.skippedFormat++;
      else if (step.kind === 'drop') this.#counts.dropped++;
      else keep = true;
    }
    if (keep) this.#kept.set(index, plan);
  }

  async finish(): Promise<BatchReport> {
    const deps = this.#deps;
    const now = (deps.now ?? (() => new Date()))();
    const items = this.#items;
    const counts = this.#counts;
    const results = await this.#session.finish();
    const failed: BatchReport['failed'] = new Map();
    const poison: Array<{ index: number; item: number; record: ParkedRecord }> = [];
    // Plans made again for the records with a failed delivery, by outcome index.
    const again = new Map<number, PlannedRecord>();
    // A session answers in the order messages were added; a publisher that does not is still read by key.
    let position: Map<string, number> | undefined;
    const positionOf = (key: string): number => {
      position ??= new Map(results.map((r, i) => [r.key, i]));
      return position.get(key) ?? -1;
    };
    const keys = this.#messageKeys;
    for (let n = 0; n < keys.length; n++) {
      const key = keys[n] as string;
      const next = results[n];
      const result = next !== undefined && next.key === key ? next : results[positionOf(key)];
      if (result?.status === 'ok') {
        const slot = this.#slots[this.#messageSlots[n] as number] as RouteCount;
        if (result.messageId === null) {
          counts.suppressed++;
          slot.suppressed++;
        } else {
          counts.delivered++;
          slot.delivered++;
        }
        continue;
      }
      const plan = this.#planAgain(again, key);
      const item = itemOf(plan.outcome);
      if (result === undefined || result.status === 'retryable') {
        if (result !== undefined) failed.set(key, result);
        items.set(item, 'retry');
        continue;
      }
      failed.set(key, result);
      const step = plan.steps.find((s) => s.kind === 'publish' && s.key === key) as Extract<
        PlannedStep,
        { kind: 'publish' }
      >;
      poison.push({
        index: plan.index,
        item,
        record: parkedRecord(plan.outcome, result.code, result.reason, step.delivery, now),
      });
    }
    counts.routed = this.#slots.filter((slot) => slot.delivered > 0 || slot.suppressed > 0);
    for (const plan of this.#kept.values()) {
      for (const step of plan.steps) {
        if (step.kind === 'poison')
          poison.push({
            index: plan.index,
            item: itemOf(plan.outcome),
            record: parkedRecord(plan.outcome, step.code, step.reason, step.delivery, now, step.path),
          });
      }
    }
    // Parked in batch order, as the records came.
    poison.sort((a, b) => a.index - b.index);

    const deferred = poison.filter(({ item }) => items.get(item) === 'retry');
    const { parked, unparked } = await park(
      poison.filter(({ item }) => items.get(item) !== 'retry'),
      deps,
    );
    for (const { item } of unparked) items.set(item, 'retry');
    counts.parked = parked.length;
    for (const status of items.values()) if (status === 'retry') counts.retry++;
    const notable = [...this.#kept.values(), ...again.values()].sort((a, b) => a.index - b.index);
    return {
      items,
      notable,
      failed,
      parked: parked.map((p) => p.record),
      unparked: unparked.map((p) => p.record),
      deferred: deferred.map((p) => p.record),
      counts,
    };
  }

  /** The count slot of a (route, type) pair, found without building a key per message. */
  #slot(route: string, type: EventType, shadow: boolean): number {
    let byType = this.#slotOf.get(route);
    if (byType === undefined) {
      byType = new Map();
      this.#slotOf.set(route, byType);
    }
    let slot = byType.get(type);
    if (slot === undefined) {
      slot = this.#slots.push({ route, type, shadow, delivered: 0, suppressed: 0 }) - 1;
      byType.set(type, slot);
    }
    return slot;
  }

  /** The plan of the record that message `key` (`<outcome index>.<delivery>`) came from, made again. */
  #planAgain(again: Map<number, PlannedRecord>, key: string): PlannedRecord {
    const index = Number.parseInt(key, 10);
    const kept = this.#kept.get(index);
    if (kept !== undefined) return kept;
    let plan = again.get(index);
    if (plan === undefined) {
      const item = this.#outcomeItem[index] as number;
      let first = index;
      while (first > 0 && this.#outcomeItem[first - 1] === item) first--;
      const outcome = this.#readAgain(index, item, index - first);
      if (outcome === undefined) throw new Error(`outcome ${index} of trigger item ${item} could not be read again`);
      plan = planOutcome(outcome, index, this.#deps.routes, ignoreMessage);
      again.set(index, plan);
    }
    return plan;
  }
}

async function park(poison: Array<{ item: number; record: ParkedRecord }>, deps: BridgeDeps) {
  if (poison.length === 0) return { parked: [], unparked: [] };
  if (deps.parkingTopicArn === null) return { parked: [], unparked: poison };
  const topicArn = deps.parkingTopicArn;
  const messages: OutboundMessage[] = [];
  poison.forEach(({ record }, i) => {
    const bodies = parkingBodies(record);
    bodies.forEach((body, part) => {
      // Each part is its own message to deduplicate; bridgeId as on delivered messages, parkId groups the parts.
      const bridgeId =
        bodies.length === 1
          ? record.parkId
          : createHash('sha256')
              .update(`${record.parkId}\n${part + 1}/${bodies.length}`)
              .digest('hex')
              .slice(0, 32);
      messages.push({ key: `park.${i}.${part}`, topicArn, body, attributes: parkingAttributes(record.code, bridgeId) });
    });
  });
  const results = await publishAll(deps.publisher, messages);
  const failed = new Set(results.filter((r) => r.status !== 'ok').map((r) => r.key.slice(0, r.key.lastIndexOf('.'))));
  return {
    parked: poison.filter((_, i) => !failed.has(`park.${i}`)),
    unparked: poison.filter((_, i) => failed.has(`park.${i}`)),
  };
}

function parkingAttributes(code: string, bridgeId: string): Record<string, MessageAttribute> {
  return { code: { DataType: 'String', StringValue: code }, bridgeId: { DataType: 'String', StringValue: bridgeId } };
}

/**
 * The parking message(s) of one record. Usually one JSON document. A record too large to fit in one SNS message
 * with its reason (the very records parked as message_too_large, whose text JSON escaping makes larger still) is
 * split: each part carries all the fields and a slice of `text`, with `part` and `parts`; the slices joined in part
 * order are the original text. Parking never truncates.
 */
export function parkingBodies(record: ParkedRecord): string[] {
  const attributes = parkingAttributes(record.code, '0'.repeat(32));
  const whole = JSON.stringify(record);
  if (payloadBytes({ body: whole, attributes }) <= SNS_MAX_PAYLOAD_BYTES || record.text === null) return [whole];
  const text = record.text;
  const room =
    SNS_MAX_PAYLOAD_BYTES -
    payloadBytes({ body: JSON.stringify({ ...record, text: '', part: 999_999, parts: 999_999 }), attributes });
  // Fields so large that little text fits beside them would make thousands of parts: refuse; the publisher then
  // reports the one message too large, and the item goes to its dead-letter queue whole.
  if (room < 16_384) return [whole];
  const slices: string[] = [];
  for (let start = 0; start < text.length; ) {
    // The longest slice whose JSON string fits: escaping makes a character cost 1 to 6 bytes, so search for it.
    let low = start + 1;
    let high = text.length;
    while (low < high) {
      const mid = Math.ceil((low + high) / 2);
      if (Buffer.byteLength(JSON.stringify(text.slice(start, mid))) <= room) low = mid;
      else high = mid - 1;
    }
    let end = low;
    // Never split a surrogate pair: each part must be well-formed text on its own.
    const last = text.charCodeAt(end - 1);
    if (end < text.length && end - 1 > start && last >= 0xd800 && last <= 0xdbff) end--;
    slices.push(text.slice(start, end));
    start = end;
  }
  return slices.map((slice, i) => JSON.stringify({ ...record, text: slice, part: i + 1, parts: slices.length }));
}
