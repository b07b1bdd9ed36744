/**
 * The batch engine: plans each outcome as it comes, hands its messages to one publish session, and when the session
 * is done, counts, parks and reports.
 */

import { park, parkedRecord } from '#lib/pipeline/parking';
import { itemOf, type PlannedRecord, type PlannedStep, planOutcome } from '#lib/pipeline/plan';
import type { BatchCounts, BatchReport, BridgeDeps, ItemStatus, ParkedRecord, RouteCount } from '#lib/pipeline/report';
import { outcomeReader } from '#lib/publish/index';
import type { OutboundMessage, PublishSession } from '#lib/publish/types';
import type { EventType, Outcome } from '#lib/ses/types';

/**
 * Reads outcome `index` of the batch again: the `nth` outcome of trigger `item`, equal to what was read the first time.
 */
export type ReadAgain = (index: number, item: number, nth: number) => Outcome | undefined;

const ignoreMessage = (_message: OutboundMessage) => undefined;

/**
 * One batch on its way: plans each outcome as it comes, hands its messages to the publish session, and when the
 * session is done, counts, parks and reports. A batch keeps every record until its messages are settled, and
 * young-generation GC copies what is kept, so for a record that is simply delivered it keeps a few numbers, not its
 * plan (docs/performance.md): the plans of the few records that fail are made again from their trigger item.
 */
export class Batch {
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
  /**
   * Per message, in the order added: its key (to match its publish outcome), the index of the outcome it was
   * planned from, and its slot in `#slots` (route and type, for the counts).
   */
  readonly #messageKeys: string[] = [];
  readonly #messageOutcomes: number[] = [];
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
      // `plan` has recorded the outcome's item already: the outcome planned now is the last one.
      this.#messageOutcomes.push(this.#outcomeItem.length - 1);
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
    const outcomeOf = outcomeReader(results);
    const keys = this.#messageKeys;
    for (let n = 0; n < keys.length; n++) {
      const key = keys[n] as string;
      const result = outcomeOf(n, key);
      if (result?.status === 'ok') {
        const slot = this.#slots[this.#messageSlots[n] as number] as RouteCount;
        if ('suppressed' in result) {
          counts.suppressed++;
          slot.suppressed++;
        } else {
          counts.delivered++;
          slot.delivered++;
        }
        continue;
      }
      const plan = this.#planAgain(again, this.#messageOutcomes[n] as number);
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
    const { parked, unparked, refused } = await park(
      poison.filter(({ item }) => items.get(item) !== 'retry'),
      deps,
    );
    for (const { item } of unparked) items.set(item, 'retry');
    const unparkable = new Set(refused.map(({ item }) => item));
    counts.parked = parked.length;
    for (const status of items.values()) if (status === 'retry') counts.retry++;
    const notable = [...this.#kept.values(), ...again.values()].sort((a, b) => a.index - b.index);
    return {
      items,
      notable,
      failed,
      parked: parked.map((p) => p.record),
      unparked: unparked.map((p) => p.record),
      unparkable,
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

  /** The plan of outcome `index` (the record a failed message came from), kept or made again. */
  #planAgain(again: Map<number, PlannedRecord>, index: number): PlannedRecord {
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
