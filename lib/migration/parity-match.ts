/**
 * Parity, the pure part: reading a copy of feedback from a temporary queue, choosing the copies a route is about,
 * and matching the legacy and the bridge sides by feedback key (lib/ses/feedback-key.ts), with a field-level diff of
 * each matched pair. No I/O.
 */
import { readFeedback } from '#lib/intake';
import { type DiffContext, diffPayloads } from '#lib/migration/parity-diff';
import type { ParityDestination, ParityEvent, ParityStatus } from '#lib/migration/parity-report';
import { NOTIFICATION_TYPES, type Plan, ROUTE_TYPE_OF, type RoutesDocument } from '#lib/migration/types';
import { render } from '#lib/render/index';

type Route = RoutesDocument['routes'][number];

/** One copy of feedback read from a queue, normalized. */
export interface ParityCopy {
  feedbackKey: string;
  type: string;
  messageId: string;
  sendingAccountId: string | null;
  sourceArn: string | null;
  mailTimestamp: string;
  /** The payload as a legacy notification: the copy itself, or the bridge's `notification` rendering of it. */
  notification: unknown;
}

/**
 * Reads one SQS message body (an SNS envelope, or a raw SES record with raw delivery). Returns a reason instead when
 * the body is not SES feedback: parity reports it rather than dropping it silently.
 */
export function readParityCopy(body: string): ParityCopy | { unreadable: string } {
  let doc: unknown;
  try {
    doc = JSON.parse(body);
    const envelope = doc as { Type?: unknown; Message?: unknown };
    if (envelope?.Type === 'Notification' && typeof envelope.Message === 'string') doc = JSON.parse(envelope.Message);
  } catch (err) {
    return { unreadable: `not JSON: ${(err as Error).message}` };
  }
  const outcome = readFeedback(doc)[0];
  if (outcome?.kind !== 'event') return { unreadable: 'not an SES feedback record' };
  const { event, record } = outcome;
  let notification: unknown = doc;
  if (event.format !== 'notification') {
    const rendered = render(event, record, 'parity', 'notification');
    notification = rendered.kind === 'message' ? JSON.parse(rendered.body) : null;
  }
  return {
    feedbackKey: event.feedbackKey,
    type: event.type,
    messageId: event.messageId,
    sendingAccountId: event.sendingAccountId,
    sourceArn: event.sourceArn,
    mailTimestamp: event.mailTimestamp,
    notification,
  };
}

/**
 * True when the route is about this copy: the legacy topic may also carry feedback of the delegate's own identities
 * or other senders, which the bridge never routes there, so they are not "legacy only".
 */
export function routeCovers(route: Route, copy: ParityCopy): boolean {
  const list = (v: string | string[] | undefined) => (v === undefined ? null : [v].flat());
  const accounts = list(route.when.sendingAccountId);
  const arns = list(route.when.sourceArn);
  return (
    (accounts === null || (copy.sendingAccountId !== null && accounts.includes(copy.sendingAccountId))) &&
    (arns === null || (copy.sourceArn !== null && arns.includes(copy.sourceArn))) &&
    (route.when.types === undefined || route.when.types.includes(copy.type))
  );
}

/** Matches the two sides by feedback key; `context` says which differences the plan expects for a type. */
export function matchCopies(
  legacy: ParityCopy[],
  bridge: ParityCopy[],
  context: (type: string) => DiffContext,
): ParityEvent[] {
  const keys = new Map<string, { legacy: ParityCopy[]; bridge: ParityCopy[] }>();
  const side = (key: string) => {
    const entry = keys.get(key) ?? { legacy: [], bridge: [] };
    keys.set(key, entry);
    return entry;
  };
  for (const c of legacy) side(c.feedbackKey).legacy.push(c);
  for (const c of bridge) side(c.feedbackKey).bridge.push(c);
  return [...keys.entries()].map(([feedbackKey, { legacy: l, bridge: b }]) => {
    const first = (l[0] ?? b[0])!;
    let status: ParityStatus = l.length === 0 ? 'bridge-only' : b.length === 0 ? 'legacy-only' : 'matched';
    const differences =
      status === 'matched' ? diffPayloads(l[0]!.notification, b[0]!.notification, context(first.type)) : [];
    if (differences.some((d) => d.expected === null)) status = 'different';
    return {
      feedbackKey,
      type: first.type,
      messageId: first.messageId,
      status,
      legacyCopies: l.length,
      bridgeCopies: b.length,
      differences,
    };
  });
}

/** The result of one route: counts per status; it passes only with events seen and every one of them matched. */
export function destinationResult(route: Route, events: ParityEvent[], ignored: number): ParityDestination {
  const counts = { matched: 0, different: 0, 'legacy-only': 0, 'bridge-only': 0, ignored };
  for (const e of events) counts[e.status]++;
  return {
    route: route.name,
    topicArn: route.to.topicArn,
    shadowTopicArn: route.shadowTopicArn ?? '',
    passed: events.length > 0 && counts.matched === events.length,
    counts,
    events,
  };
}

/** The delegate routes of `accountId` that parity compares: shadow routes whose live topic is in that account. */
export function parityRoutes(plan: Plan, accountId: string): Route[] {
  return (plan.routes?.routes ?? []).filter(
    (r) => r.mode === 'shadow' && r.shadowTopicArn !== undefined && r.to.topicArn.split(':')[4] === accountId,
  );
}

/** Which differences the plan expects on a route, per normalized type (see DiffContext). */
export function diffContexts(plan: Plan, route: Route): (type: string) => DiffContext {
  const arns = [route.when.sourceArn ?? []].flat();
  return (type) => {
    const nt = NOTIFICATION_TYPES.find((t) => ROUTE_TYPE_OF[t] === type);
    if (nt === undefined) return { headersAddedByPlan: false };
    const flagStep = (identity: string) =>
      plan.steps.find(
        (s) =>
          s.action.api === 'ses:SetIdentityHeadersInNotificationsEnabled' &&
          s.action.params.Identity === identity &&
          s.action.params.NotificationType === nt,
      );
    const headersAddedByPlan = plan.identities.some((id) => {
      if (!arns.includes(id.identityArn)) return false;
      const had = id.subscriptions.find((s) => s.delegateAccountId === route.when.sendingAccountId)?.topics[nt];
      const step = flagStep(id.identity);
      const after =
        step?.action.api === 'ses:SetIdentityHeadersInNotificationsEnabled'
          ? step.action.params.Enabled
          : id.owner?.notifications[nt].headersEnabled === true;
      return had?.headersEnabled === false && after;
    });
    return { headersAddedByPlan };
  };
}
