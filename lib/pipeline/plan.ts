/**
 * Planning one record: its deliveries (routing), each rendered into a message or settled without one (a skipped
 * format, a poison reason), or the record dropped or parked as a whole. Pure: no I/O.
 */
import { dedupeKey } from '#lib/dedupe/key';
import { describeError, ErrorCode, ProblemCode } from '#lib/errors';
import type { OutboundMessage } from '#lib/publish/types';
import { render } from '#lib/render/index';
import { type CompiledRoutes, type Delivery, route, unmatchedDelivery } from '#lib/routing/index';
import type { FeedbackEvent, Outcome, SesRecord } from '#lib/ses/types';

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
  unmatched: ErrorCode.unmatched,
  messageTooLarge: ErrorCode.messageTooLarge,
  renderFailed: ErrorCode.renderFailed,
} as const;

/**
 * The publish key of delivery `delivery` of outcome `index`: unique within a batch, and only ever compared, never
 * parsed back (the batch keeps each message's outcome index beside it).
 */
export function messageKey(index: number, delivery: number): string {
  return `${index}.${delivery}`;
}

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
      const key = messageKey(index, d);
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

export function itemOf(outcome: PlannedOutcome): number {
  if (outcome.kind === 'event') return outcome.record.item;
  return outcome.kind === 'problem' ? outcome.problem.item : outcome.notice.item;
}
