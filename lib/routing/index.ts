/**
 * Routing: compiled once from the routes file into a lookup keyed on the sending account, then one pass per event.
 * A record goes to every matching route; the same (topicArn, format) pair is delivered once.
 */

import {
  type Destination,
  MATCH_FIELDS,
  publishTopicOf,
  type Route,
  type RoutesConfig,
  type Unmatched,
} from '#lib/routing/config';
import type { FeedbackEvent } from '#lib/ses/types';

export type { Destination, Route, RoutesConfig, Unmatched } from '#lib/routing/config';

export interface Delivery {
  /** Name of the route that chose this destination; null for the `unmatched.deliver` destination. */
  route: string | null;
  /** Where the message goes: the route's shadow topic while the route is in shadow mode. */
  topicArn: string;
  format: Destination['format'];
  /** True for a shadow route's delivery (never sent to the live destination; marked with a `shadow` attribute). */
  shadow: boolean;
  /** True when the route suppresses copies of one SES event (lib/dedupe). */
  dedupe: boolean;
}

interface CompiledRoute {
  name: string;
  matches: (event: FeedbackEvent) => boolean;
  /** The delivery this route yields, built once and shared by every event it matches. */
  delivery: Readonly<Delivery>;
}

export interface CompiledRoutes {
  /** Candidate routes per sending account: the account's own routes and the account-agnostic ones, in file order. */
  byAccount: Map<string, CompiledRoute[]>;
  /** Routes that do not name a sending account (the candidates for any other account, or none). */
  anyAccount: CompiledRoute[];
  unmatched: Unmatched;
  config: RoutesConfig;
}

function compileRoute(route: Route): CompiledRoute {
  const checks: Array<(event: FeedbackEvent) => boolean> = [];
  for (const field of MATCH_FIELDS) {
    const values = route.when[field];
    if (values === undefined || field === 'sendingAccountId') continue; // the account is matched by the lookup
    const allowed = new Set(values);
    checks.push((event) => event[field] !== null && allowed.has(event[field] as string));
  }
  if (route.when.types !== undefined) {
    const types = new Set<string>(route.when.types);
    checks.push((event) => types.has(event.type));
  }
  if (route.when.tags !== undefined) {
    for (const [name, values] of Object.entries(route.when.tags)) {
      const allowed = new Set(values);
      // hasOwn: a tag named like an Object.prototype member (constructor, toString) is absent unless the record has it.
      checks.push(
        (event) => Object.hasOwn(event.tags, name) && event.tags[name]?.some((value) => allowed.has(value)) === true,
      );
    }
  }
  const matches = checks.length === 0 ? () => true : (event: FeedbackEvent) => checks.every((check) => check(event));
  return {
    name: route.name,
    matches,
    delivery: Object.freeze({
      route: route.name,
      topicArn: publishTopicOf(route),
      format: route.to.format,
      shadow: route.mode === 'shadow',
      dedupe: route.dedupe === true,
    }),
  };
}

/** Compiles a validated routes configuration into its lookup. */
export function compileRoutes(config: RoutesConfig): CompiledRoutes {
  const byAccount = new Map<string, CompiledRoute[]>();
  const anyAccount: CompiledRoute[] = [];
  const accounts = new Set(config.routes.flatMap((route) => route.when.sendingAccountId ?? []));
  for (const account of accounts) byAccount.set(account, []);
  for (const route of config.routes) {
    const compiled = compileRoute(route);
    const only = route.when.sendingAccountId;
    if (only === undefined) {
      anyAccount.push(compiled);
      for (const list of byAccount.values()) list.push(compiled);
    } else {
      for (const account of only) byAccount.get(account)!.push(compiled);
    }
  }
  return { byAccount, anyAccount, unmatched: config.unmatched, config };
}

/**
 * The destinations of one event, deduplicated on (topicArn, format). An empty array means unmatched; the caller
 * applies `unmatched` (see {@link unmatchedDelivery}).
 */
export function route(routes: CompiledRoutes, event: FeedbackEvent): Delivery[] {
  const candidates =
    (event.sendingAccountId !== null && routes.byAccount.get(event.sendingAccountId)) || routes.anyAccount;
  const deliveries: Delivery[] = [];
  for (const candidate of candidates) {
    if (!candidate.matches(event)) continue;
    const { topicArn, format } = candidate.delivery;
    if (deliveries.some((d) => d.topicArn === topicArn && d.format === format)) continue;
    deliveries.push(candidate.delivery);
  }
  return deliveries;
}

/** The delivery for an unmatched event when `unmatched.action` is `deliver`, else null. */
export function unmatchedDelivery(routes: CompiledRoutes): Delivery | null {
  return routes.unmatched.action === 'deliver'
    ? { route: null, ...routes.unmatched.to, shadow: false, dedupe: false }
    : null;
}
