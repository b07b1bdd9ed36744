/**
 * A Publisher that suppresses copies of one SES event to one destination: each message that carries a `dedupeKey`
 * is claimed in the de-duplication table before it goes to the inner publisher (see ./store.ts). A copy whose event
 * is pending or was delivered within the window is not published: its outcome is `suppressed`.
 *
 * When the table does not answer, at-least-once wins by default: the message is published anyway and counted
 * (`onUnavailable: 'publish'`); `'retry'` makes it retryable instead, for consumers that cannot take a duplicate.
 */

import type { DedupeStore } from '#lib/dedupe/store';
import type { OutboundMessage, Publisher, PublishOutcome, PublishSession } from '#lib/publish/types';

export type OnUnavailable = 'publish' | 'retry';

export interface DedupingPublisherOptions {
  store: Pick<DedupeStore, 'claim' | 'delivered' | 'release'>;
  onUnavailable: OnUnavailable;
  now?: () => number;
  /**
   * Told of each write the table did not answer, with the error: `claim` (the message was then published or left to
   * retry, per `onUnavailable`) or `mark` (a claim stays pending until its lease ends).
   */
  onTableError?: (error: unknown, write: 'claim' | 'mark') => void;
}

export function createDedupingPublisher(inner: Publisher, options: DedupingPublisherOptions): Publisher {
  return { open: () => new DedupingSession(inner.open(), options) };
}

class DedupingSession implements PublishSession {
  readonly #inner: PublishSession;
  readonly #options: DedupingPublisherOptions;
  readonly #now: () => number;
  /** In the order added: the outcome already known (suppressed, refused), or null when the inner session has it. */
  readonly #decided: Array<PublishOutcome | null> = [];
  readonly #keys: string[] = [];
  /** Message key -> its table key, for the messages claimed (to be marked delivered, or given back). */
  readonly #claims = new Map<string, string>();
  readonly #pending: Array<Promise<void>> = [];

  constructor(inner: PublishSession, options: DedupingPublisherOptions) {
    this.#inner = inner;
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  add(message: OutboundMessage): void {
    const slot = this.#decided.push(null) - 1;
    this.#keys.push(message.key);
    const tableKey = message.dedupeKey;
    if (tableKey === undefined) {
      this.#inner.add(message);
      return;
    }
    this.#pending.push(
      this.#options.store.claim(tableKey, this.#now()).then((claim) => {
        if (claim.kind === 'claimed') {
          this.#claims.set(message.key, tableKey);
          this.#inner.add(message);
        } else if (claim.kind === 'duplicate') {
          this.#decided[slot] = { key: message.key, status: 'ok', messageId: null, suppressed: true };
        } else {
          this.#options.onTableError?.(claim.error, 'claim');
          if (this.#options.onUnavailable === 'publish') {
            this.#inner.add(message);
          } else {
            this.#decided[slot] = {
              key: message.key,
              status: 'retryable',
              code: 'dedupe_unavailable',
              reason: 'the de-duplication table did not answer, and dedupe.onUnavailable is "retry"',
            };
          }
        }
      }),
    );
  }

  async finish(): Promise<PublishOutcome[]> {
    await Promise.all(this.#pending);
    const published = await this.#inner.finish();
    const byKey = new Map(published.map((outcome) => [outcome.key, outcome]));
    const now = this.#now();
    const settle: Array<Promise<void>> = [];
    for (const outcome of published) {
      const tableKey = this.#claims.get(outcome.key);
      if (tableKey === undefined) continue;
      const store = this.#options.store;
      // A failed mark keeps the claim pending until its lease ends: a later copy is then published (at least once).
      const mark = outcome.status === 'ok' ? store.delivered(tableKey, now) : store.release(tableKey, now);
      settle.push(mark.catch((error) => this.#options.onTableError?.(error, 'mark')));
    }
    await Promise.all(settle);
    return this.#keys.map(
      (key, n) =>
        this.#decided[n] ??
        byKey.get(key) ?? {
          key,
          status: 'retryable',
          code: 'missing_result',
          reason: 'the publisher returned no outcome for this message',
        },
    );
  }
}
