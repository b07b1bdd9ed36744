/**
 * The field-level diff of parity: the SES payload the legacy path delivered against the bridge's `notification`
 * rendering of the same feedback. Every difference the bridge is allowed to make is a row of EXPECTED_DIFFERENCES
 * (documented in docs/cutover.md, "Parity"); any other difference is a failure. Pure: no I/O.
 */
import type { FieldDiff } from '#lib/migration/parity-report';

/** What the plan says about one delegate and type, which decides whether a difference is expected. */
export interface DiffContext {
  /**
   * The delegate had original headers off for this type, but the plan turns them on for the identity (another
   * consumer had them on; the plan warns): the bridge's copy carries headers the legacy one does not.
   */
  headersAddedByPlan: boolean;
}

interface ExpectedDifference {
  id: string;
  fields: string;
  why: string;
  /** True when the difference at `path` is this row's. */
  explains: (d: { path: string; legacy?: unknown; bridge?: unknown }, ctx: DiffContext, bridgeDoc: unknown) => boolean;
}

const HEADER_FIELD = /^mail\.(headers|commonHeaders|headersTruncated)(\.|\[|$)/;
const absent = (v: unknown) => v === undefined;

/** The only differences parity accepts between the legacy payload and the bridge's (docs/cutover.md, "Parity"). */
export const EXPECTED_DIFFERENCES: readonly ExpectedDifference[] = [
  {
    id: 'headers-added-by-plan',
    fields: '`mail.headers`, `mail.commonHeaders`, `mail.headersTruncated` (present on the bridge side only)',
    why: 'SES keeps one headers flag per identity and type: the plan turns it on when any consumer had it, so a delegate that had it off gets the headers too (the plan warns about it).',
    explains: (d, ctx) => ctx.headersAddedByPlan && HEADER_FIELD.test(d.path) && absent(d.legacy),
  },
  {
    id: 'headers-dropped-for-size',
    fields: '`mail.headers` (absent on the bridge side) with `mail.headersTruncated: true`',
    why: "A converted message over SNS's 256 KiB limit loses `mail.headers` and says so with `mail.headersTruncated` (docs/publishing.md), rather than being refused.",
    explains: (d, _ctx, bridgeDoc) =>
      (bridgeDoc as { mail?: { headersTruncated?: unknown } })?.mail?.headersTruncated === true &&
      (/^mail\.headers(\.|\[|$)/.test(d.path) ? absent(d.bridge) : d.path === 'mail.headersTruncated'),
  },
];

/** Leaves of a JSON value by path (`a.b[0].c`); an empty object or array is a leaf of its own. */
export function flatten(value: unknown, path = '', out = new Map<string, unknown>()): Map<string, unknown> {
  if (Array.isArray(value) && value.length > 0) {
    for (const [i, v] of value.entries()) flatten(v, `${path}[${i}]`, out);
  } else if (value !== null && typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length > 0) {
    for (const [k, v] of Object.entries(value)) flatten(v, path === '' ? k : `${path}.${k}`, out);
  } else out.set(path, value);
  return out;
}

function same(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  // Empty containers are leaves: compare them by kind.
  return JSON.stringify(a) === JSON.stringify(b) && a !== undefined && b !== undefined;
}

/**
 * Every leaf that differs, in path order, each with the row that explains it or null. Key order and whitespace are
 * not differences (both sides are parsed); a value of another type or a missing field is.
 */
export function diffPayloads(legacy: unknown, bridge: unknown, ctx: DiffContext): FieldDiff[] {
  const a = flatten(legacy);
  const b = flatten(bridge);
  const paths = [...new Set([...a.keys(), ...b.keys()])].sort();
  const diffs: FieldDiff[] = [];
  for (const path of paths) {
    const l = a.get(path);
    const r = b.get(path);
    if (a.has(path) && b.has(path) && same(l, r)) continue;
    const d = { path, ...(a.has(path) ? { legacy: l } : {}), ...(b.has(path) ? { bridge: r } : {}) };
    const row = EXPECTED_DIFFERENCES.find((e) => e.explains(d, ctx, bridge));
    diffs.push({ ...d, expected: row?.id ?? null });
  }
  return diffs;
}
