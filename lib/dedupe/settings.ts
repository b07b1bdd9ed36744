/** The de-duplication store's settings, apart from the store so that reading them loads no AWS SDK. */

export interface DedupeSettings {
  tableName: string;
  /** How long a delivered feedback event suppresses its copies. */
  windowSeconds: number;
  /** How long a pending claim holds before another copy may take it (at least the function's timeout). */
  leaseSeconds: number;
  /** At most this many writes in flight. */
  concurrency: number;
}

export const DEFAULT_DEDUPE_SETTINGS: Readonly<Omit<DedupeSettings, 'tableName'>> = Object.freeze({
  windowSeconds: 24 * 60 * 60,
  leaseSeconds: 15 * 60,
  concurrency: 16,
});
