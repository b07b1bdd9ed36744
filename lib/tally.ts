/** Counts per pair of strings (a parked code and what happened to it, a route and an event type), for summaries. */
export class PairTally {
  readonly #counts = new Map<string, Map<string, number>>();

  add(first: string, second: string, n = 1): void {
    let inner = this.#counts.get(first);
    if (inner === undefined) {
      inner = new Map();
      this.#counts.set(first, inner);
    }
    inner.set(second, (inner.get(second) ?? 0) + n);
  }

  get size(): number {
    let size = 0;
    for (const inner of this.#counts.values()) size += inner.size;
    return size;
  }

  /** Every pair with its count, sorted by the first string, then the second. */
  rows(): Array<[first: string, second: string, count: number]> {
    const rows: Array<[string, string, number]> = [];
    for (const [first, inner] of this.#counts) for (const [second, n] of inner) rows.push([first, second, n]);
    return rows.sort((a, b) => (a[0] === b[0] ? compare(a[1], b[1]) : compare(a[0], b[0])));
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
