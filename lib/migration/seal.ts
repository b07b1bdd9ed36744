/**
 * Sealing plan files. `digest` is a SHA-256 of the whole plan document (every field but `digest` and `hmac`, keys
 * sorted), so an edit of plan.json after `plan` wrote it, by accident or by a tool that rewrote it, is refused. Anyone
 * who can edit the file can also recompute a digest: against a malicious editor, set `SES_BRIDGE_PLAN_HMAC_KEY` (the
 * same secret wherever the plan is made and used) and `hmac` is required and checked too.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { RoutesDocument, Step, Strategy } from '#lib/migration/types';

/** The environment variable holding the plan HMAC key. */
export const PLAN_HMAC_KEY_ENV = 'SES_BRIDGE_PLAN_HMAC_KEY';

/** JSON with object keys sorted at every level: the same content always gives the same text. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** The sealed content: the plan document without its seals. */
function content(doc: Record<string, unknown>): string {
  const { digest: _digest, hmac: _hmac, ...rest } = doc;
  return canonicalJson(rest);
}

/** `sha256:<hex>` of the plan document. */
export function planDocumentDigest(doc: Record<string, unknown>): string {
  return `sha256:${createHash('sha256').update(content(doc)).digest('hex')}`;
}

/** `hmac-sha256:<hex>` of the plan document with `key`. */
export function planDocumentHmac(doc: Record<string, unknown>, key: string): string {
  return `hmac-sha256:${createHmac('sha256', key).update(content(doc)).digest('hex')}`;
}

/** True when `hmac` is the document's HMAC with `key` (compared in constant time). */
export function hmacMatches(doc: Record<string, unknown>, key: string, hmac: unknown): boolean {
  if (typeof hmac !== 'string') return false;
  const want = Buffer.from(planDocumentHmac(doc, key));
  const got = Buffer.from(hmac);
  return want.length === got.length && timingSafeEqual(want, got);
}

/** Adds `digest` (and `hmac` when a key is given) to a plan that has neither yet. */
export function seal<T extends Record<string, unknown>>(
  plan: T,
  key: string | undefined,
): T & { digest: string; hmac: string | null } {
  const digest = planDocumentDigest(plan);
  return { ...plan, digest, hmac: key ? planDocumentHmac(plan, key) : null };
}

/** The plan id: a digest of strategy, steps and routes, the same for the same inventories (generatedAt aside). */
export function planDigest(strategy: Strategy, steps: Step[], routes: RoutesDocument | null): string {
  return createHash('sha256').update(JSON.stringify({ strategy, steps, routes })).digest('hex').slice(0, 16);
}
