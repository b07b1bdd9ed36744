/** Small statistics for the benchmark: every figure is reported with its spread, never as one run. */

export interface Spread {
  min: number;
  median: number;
  max: number;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

export function spread(values: readonly number[]): Spread {
  return { min: Math.min(...values), median: median(values), max: Math.max(...values) };
}

/** Rounds for JSON and tables: 3 significant decimals are already below the noise of this machine. */
export function round(value: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

export function roundSpread(s: Spread, digits = 3): Spread {
  return { min: round(s.min, digits), median: round(s.median, digits), max: round(s.max, digits) };
}
