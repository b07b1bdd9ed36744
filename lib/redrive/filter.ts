/**
 * `--filter` for redrive: `code=CODE`, `route=NAME`, `older-than=AGE`, `newer-than=AGE` (AGE: 90s, 30m, 12h, 7d).
 * Filters of one key are alternatives (code=unmatched code=NotFound); different keys must all hold.
 */
import { UsageError } from '#lib/errors';
import type { RedriveUnit } from '#lib/redrive/units';

export interface RedriveFilter {
  codes: Set<string>;
  routes: Set<string>;
  /** The unit must be at least this old (ms). */
  olderThanMs: number | null;
  /** The unit must be at most this old (ms). */
  newerThanMs: number | null;
}

const UNITS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

function age(text: string, key: string): number {
  const m = /^(\d+)([smhd])$/.exec(text);
  if (m === null) throw new UsageError(`--filter ${key}=${text}: an age is a whole number and s, m, h or d (e.g. 12h)`);
  return Number(m[1]) * (UNITS[m[2] as string] as number);
}

export function parseFilters(filters: readonly string[]): RedriveFilter {
  const out: RedriveFilter = { codes: new Set(), routes: new Set(), olderThanMs: null, newerThanMs: null };
  for (const filter of filters) {
    const eq = filter.indexOf('=');
    const key = eq < 0 ? filter : filter.slice(0, eq);
    const value = eq < 0 ? '' : filter.slice(eq + 1);
    if (value === '') throw new UsageError(`--filter ${filter}: expected KEY=VALUE`);
    if (key === 'code') out.codes.add(value);
    else if (key === 'route') out.routes.add(value);
    else if (key === 'older-than') out.olderThanMs = age(value, key);
    else if (key === 'newer-than') out.newerThanMs = age(value, key);
    else throw new UsageError(`--filter ${filter}: unknown key "${key}" (code, route, older-than, newer-than)`);
  }
  return out;
}

/** True when the unit passes every filter. A unit of unknown age passes no age filter. */
export function matches(filter: RedriveFilter, unit: RedriveUnit, now: number): boolean {
  if (filter.codes.size > 0 && !filter.codes.has(unit.code)) return false;
  if (filter.routes.size > 0 && (unit.route === null || !filter.routes.has(unit.route))) return false;
  if (filter.olderThanMs !== null && (unit.at === null || now - unit.at < filter.olderThanMs)) return false;
  if (filter.newerThanMs !== null && (unit.at === null || now - unit.at > filter.newerThanMs)) return false;
  return true;
}
