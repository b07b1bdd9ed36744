/**
 * `ses-bridge migrate parity`, the I/O: for each delegate route of the plan in this account, a temporary queue on its
 * legacy (live) topic and one on its shadow topic (the canary's machinery, lib/migration/temp-queue.ts); optionally
 * test mail to the SES mailbox simulator; a bounded collection; then the pure matching of lib/migration/parity-match.ts.
 * The queues and subscriptions are always removed, also on error or Ctrl-C.
 */
import { randomBytes } from 'node:crypto';
import { canaryDestinations } from '#lib/migration/canary-destinations';
import {
  destinationResult,
  diffContexts,
  matchCopies,
  type ParityCopy,
  parityRoutes,
  readParityCopy,
  routeCovers,
} from '#lib/migration/parity-match';
import type { ParityReport } from '#lib/migration/parity-report';
import type { SesSession } from '#lib/migration/ses';
import { type Clients, openQueue, receiveAndDelete, removeQueues, type TempQueue } from '#lib/migration/temp-queue';
import { NOTIFICATION_TYPES, type Plan, ROUTE_TYPE_OF } from '#lib/migration/types';
import { SIMULATOR } from '#lib/migration/verify';

/** Default bound of the collection. */
export const PARITY_DURATION_MS = 5 * 60 * 1000;

export interface ParityOptions {
  plan: Plan;
  accountId: string;
  session: SesSession;
  clients: Clients;
  durationMs?: number;
  /** With `send`: once every test message arrived on both sides, how long to keep listening for late copies. */
  settleMs?: number;
  /** Sends test mail to the mailbox simulator for each type of each route, and stops early once all of it arrived. */
  send?: boolean;
  progress?: (line: string) => void;
  signal?: AbortSignal;
  now?: () => Date;
}

interface Listening {
  route: ReturnType<typeof parityRoutes>[number];
  legacyQueue: Required<TempQueue>;
  bridgeQueue: Required<TempQueue>;
  legacy: ParityCopy[];
  bridge: ParityCopy[];
  ignored: number;
  sent: string[];
}

export async function runParity(options: ParityOptions): Promise<ParityReport> {
  const { plan, accountId, signal } = options;
  const progress = options.progress ?? (() => {});
  const durationMs = options.durationMs ?? PARITY_DURATION_MS;
  const startedAt = options.now?.() ?? new Date();
  const started = Date.now();
  const routes = parityRoutes(plan, accountId);
  const created: TempQueue[] = [];
  const listening: Listening[] = [];
  const tag = randomBytes(4).toString('hex');
  if (routes.length === 0)
    progress(`parity: the plan has no shadow route to a topic of account ${accountId}: nothing to compare`);
  try {
    for (const [i, route] of routes.entries()) {
      const region = route.to.topicArn.split(':')[3]!;
      const name = `ses-bridge-parity-${tag}-${i + 1}`;
      const legacyQueue = await openQueue(options.clients, region, route.to.topicArn, `${name}-legacy`, created);
      const bridgeQueue = await openQueue(options.clients, region, route.shadowTopicArn!, `${name}-shadow`, created);
      listening.push({ route, legacyQueue, bridgeQueue, legacy: [], bridge: [], ignored: 0, sent: [] });
      progress(
        `parity: ${route.name}: listening on ${route.to.topicArn} (legacy) and ${route.shadowTopicArn} (shadow)`,
      );
    }
    if (options.send) for (const l of listening) await sendTests(plan, accountId, options.session, l, progress);
    const deadline = started + durationMs;
    let settleUntil: number | null = null;
    // Without --send, after the duration: a short tail that only completes pairs already begun, so an event near
    // the end is not reported one-sided because its other copy was a second late.
    let tail = false;
    let reported = 0;
    while (!signal?.aborted) {
      if (settleUntil === null && Date.now() >= deadline) {
        if (options.send) break;
        tail = true;
        settleUntil = Date.now() + (options.settleMs ?? 3000);
      }
      if (settleUntil !== null && Date.now() >= settleUntil) break;
      for (const l of listening) {
        for (const [queue, into] of [
          [l.legacyQueue, l.legacy],
          [l.bridgeQueue, l.bridge],
        ] as const) {
          for (const m of await receiveAndDelete(options.clients, queue)) {
            const copy = readParityCopy(m.Body ?? '');
            if ('unreadable' in copy) {
              progress(`parity: ${queue.topicArn}: ignored a message: ${copy.unreadable}`);
              l.ignored++;
            } else if (copy.mailTimestamp < startedAt.toISOString() || !routeCovers(l.route, copy)) l.ignored++;
            else if (tail && ![...l.legacy, ...l.bridge].some((c) => c.feedbackKey === copy.feedbackKey)) l.ignored++;
            else into.push(copy);
          }
        }
      }
      const seen = (list: ParityCopy[], id: string) => list.some((c) => c.messageId === id);
      const waiting = listening.some((l) => l.sent.some((id) => !seen(l.legacy, id) || !seen(l.bridge, id)));
      if (options.send && settleUntil === null && !waiting) settleUntil = Date.now() + (options.settleMs ?? 3000);
      if (Date.now() - reported >= 5000) {
        reported = Date.now();
        const count = (side: 'legacy' | 'bridge') => listening.reduce((n, l) => n + l[side].length, 0);
        progress(
          `parity: ${Math.round((Date.now() - started) / 1000)} s of ${Math.round(durationMs / 1000)} s: ${count('legacy')} legacy and ${count('bridge')} shadow copies`,
        );
      }
    }
  } finally {
    await removeQueues(options.clients, created, progress, 'parity');
  }
  const destinations = listening.map((l) =>
    destinationResult(l.route, matchCopies(l.legacy, l.bridge, diffContexts(plan, l.route)), l.ignored),
  );
  const interrupted = signal?.aborted === true;
  return {
    v: 1,
    report: 'ses-bridge-parity',
    planId: plan.planId,
    accountId,
    checkedAt: startedAt.toISOString(),
    durationMs: Date.now() - started,
    sent: listening.flatMap((l) => l.sent),
    interrupted,
    passed: destinations.length > 0 && destinations.every((d) => d.passed) && !interrupted,
    destinations,
  };
}

/** Sends one test message per type of the route from each identity it covers, as the delegate (`sourceArn`). */
async function sendTests(
  plan: Plan,
  accountId: string,
  session: SesSession,
  l: Listening,
  progress: (line: string) => void,
): Promise<void> {
  const arns = [l.route.when.sourceArn ?? []].flat();
  for (const d of canaryDestinations(plan, accountId)) {
    if (d.topicArn !== l.route.to.topicArn || !arns.includes(d.identityArn)) continue;
    for (const type of NOTIFICATION_TYPES.filter((t) => l.route.when.types?.includes(ROUTE_TYPE_OF[t]) ?? true)) {
      const messageId = await session.sendEmail(d.region, {
        from: d.from,
        to: SIMULATOR[type],
        subject: `ses-bridge parity ${plan.planId} ${type}`,
        body: `Parity test of route ${l.route.name} (plan ${plan.planId}).`,
        sourceArn: d.sourceArn,
        configurationSetName: null,
      });
      l.sent.push(messageId);
      progress(`parity: ${l.route.name}: sent ${type} from ${d.from} (${messageId})`);
    }
  }
}
