/**
 * Redrive: parked records (and intake DLQ messages) run again through the current routes. A dry run plans each
 * record and publishes nothing; `execute` publishes, and deletes a record's messages only once every delivery it
 * produced succeeded (or the current routes drop it on purpose). What is still poison, or must be retried, stays in
 * the queue. Re-running is safe: a record gets the same `bridgeId` at the same destination every time.
 *
 * Records go through the handlers' own path (lib/pipeline `processDocument`), ten at a time, as the raw bodies of
 * an SQS event: the record's original text is what the intake queue would have carried.
 */

import { readFeedback } from '#lib/intake';
import { type BridgeDeps, planOutcome, processDocument } from '#lib/pipeline';
import type { Publisher } from '#lib/publish/types';
import { matches, type RedriveFilter } from '#lib/redrive/filter';
import type { RedriveSource } from '#lib/redrive/source';
import { classify, PartAssembler, type RedriveUnit } from '#lib/redrive/units';
import type { CompiledRoutes } from '#lib/routing/index';
import type { Outcome } from '#lib/ses/types';
import { PairTally } from '#lib/tally';

export interface RedriveOptions {
  source: RedriveSource;
  routes: CompiledRoutes;
  /** Null: dry run. */
  publisher: Publisher | null;
  filter: RedriveFilter;
  now?: () => number;
  /** Checked between batches: a batch under way always finishes (published, then deleted or released). */
  stopped?: () => boolean;
  onProgress?: (tally: RedriveTally) => void;
}

export interface RedriveTally {
  /** Records read (a record parked in parts counts once, when whole). */
  read: number;
  /** Left in the queue by --filter. */
  filtered: number;
  /** Execute: delivered (or dropped by the current routes) and deleted from the queue. */
  redriven: number;
  /** Still poison under the current routes: left in the queue. */
  stillPoison: number;
  /** A delivery failed in a way that may succeed later: left in the queue. */
  retry: number;
  /** Parked in parts, some of which were not found: left in the queue. */
  incomplete: number;
  /** Parked without text: nothing to run again. */
  unusable: number;
  /** Records per (parked code, what happens). */
  rows: PairTally;
  /** Execute: messages published per (route, type). */
  routed: PairTally;
  stopped: boolean;
}

/** The SQS event the records are read from: each text a raw-delivery body, as the intake queue carries it. */
function asSqsEvent(units: readonly RedriveUnit[]) {
  return {
    Records: units.map((u, i) => ({ messageId: `redrive-${i}`, eventSource: 'aws:sqs', body: u.text })),
  };
}

/** Records run together: ten receives' worth, so publishing fills its requests and memory stays flat. */
const ROUND = 100;

/** What the current routes would do with one record, one line per distinct destination or action. */
function planned(outcome: Outcome, routes: CompiledRoutes): string[] {
  if (outcome.kind === 'skipped') return ['skip (not feedback)'];
  const steps = planOutcome(outcome, 0, routes, () => undefined).steps;
  const what = steps.map((step) => {
    switch (step.kind) {
      case 'publish':
        return `deliver to ${step.delivery.route ?? '(unmatched destination)'}`;
      case 'skip':
        return `skip ${step.delivery.route ?? '(unmatched destination)'} (format cannot carry the type)`;
      case 'drop':
        return 'drop (no route matches, unmatched.action is drop)';
      default:
        return `still poison: ${step.code}`;
    }
  });
  return [...new Set(what)];
}

/** Index of the trigger item a parked-record path names (`Records[3].body...` -> 3). */
function itemOfPath(path: string): number {
  const m = /^Records\[(\d+)\]/.exec(path);
  return m === null ? -1 : Number(m[1]);
}

export async function redrive(options: RedriveOptions): Promise<RedriveTally> {
  const { source, routes, publisher, filter } = options;
  const now = options.now ?? Date.now;
  const stopped = options.stopped ?? (() => false);
  const tally: RedriveTally = {
    read: 0,
    filtered: 0,
    redriven: 0,
    stillPoison: 0,
    retry: 0,
    incomplete: 0,
    unusable: 0,
    rows: new PairTally(),
    routed: new PairTally(),
    stopped: false,
  };
  const parts = new PartAssembler();
  // Messages left as they were: made visible again at the end (not before: the queue would hand them out again).
  const keep: string[] = [];
  const deps: BridgeDeps | null = publisher === null ? null : { routes, publisher, parkingTopicArn: null };

  try {
    let pending: RedriveUnit[] = [];
    const flush = async () => {
      const units = pending;
      pending = [];
      if (units.length > 0) await (deps === null ? plan(units) : execute(units, deps));
      options.onProgress?.(tally);
    };
    for await (const messages of source.batches(stopped)) {
      for (const message of messages) {
        const c = classify(message);
        if (c.kind === 'unusable') {
          tally.unusable++;
          tally.rows.add(c.code, 'left parked: no text to run again');
          if (c.handle !== null) keep.push(c.handle);
          continue;
        }
        const unit = c.kind === 'part' ? parts.add(c) : c.unit;
        if (unit === undefined) continue;
        tally.read++;
        if (!matches(filter, unit, now())) {
          tally.filtered++;
          keep.push(...unit.handles);
          continue;
        }
        pending.push(unit);
      }
      if (pending.length >= ROUND) await flush();
    }
    // The records read before a stop are finished too: delivered and deleted, or left as they were.
    await flush();
  } finally {
    tally.stopped = stopped();
    for (const waiting of parts.incomplete()) {
      tally.incomplete++;
      tally.rows.add(waiting.code, `left parked: ${waiting.have} of ${waiting.parts} parts found`);
      keep.push(...waiting.handles);
    }
    await source.release(keep);
  }
  return tally;

  async function plan(units: RedriveUnit[]): Promise<void> {
    const byItem = new Map<number, Set<string>>();
    for (const outcome of readFeedback(asSqsEvent(units))) {
      const item =
        outcome.kind === 'event'
          ? outcome.record.item
          : outcome.kind === 'problem'
            ? outcome.problem.item
            : outcome.notice.item;
      const set = byItem.get(item) ?? new Set<string>();
      for (const line of planned(outcome, routes)) set.add(line);
      byItem.set(item, set);
    }
    units.forEach((unit, i) => {
      for (const line of byItem.get(i) ?? ['nothing to deliver']) tally.rows.add(unit.code, line);
      keep.push(...unit.handles);
    });
  }

  async function execute(units: RedriveUnit[], bridge: BridgeDeps): Promise<void> {
    const report = await processDocument(asSqsEvent(units), null, bridge);
    const poison = new Map<number, string>();
    for (const record of [...report.unparked, ...report.deferred]) poison.set(itemOfPath(record.path), record.code);
    for (const { route, type, delivered } of report.counts.routed)
      if (delivered > 0) tally.routed.add(route, type, delivered);
    const done: string[] = [];
    units.forEach((unit, i) => {
      const still = poison.get(i);
      if (report.items.get(i) !== 'retry') {
        tally.redriven++;
        tally.rows.add(unit.code, 'redriven');
        done.push(...unit.handles);
      } else if (still !== undefined) {
        tally.stillPoison++;
        tally.rows.add(unit.code, `left parked: still poison (${still})`);
        keep.push(...unit.handles);
      } else {
        tally.retry++;
        tally.rows.add(unit.code, 'left parked: delivery failed, run again later');
        keep.push(...unit.handles);
      }
    });
    // Deleted only now: every delivery of these records succeeded.
    await source.delete(done);
  }
}
