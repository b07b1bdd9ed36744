/**
 * Replay protection across containers for the HTTPS intake: a signed SNS MessageId is claimed in the
 * de-duplication table (lib/dedupe, a key namespace of its own) before its notification is processed, so a copy
 * that reaches another container within the signature window is acknowledged, not published again. Only signed
 * MessageIds are claimed; raw-delivery posts carry none that can be trusted.
 *
 * A claim is pending while its notification is processed (a copy then gets 5xx, and SNS retries it later), done
 * once delivered (a copy gets 200), and given back when processing failed (SNS's retry takes it again). When the
 * table does not answer, DEDUPE_ON_UNAVAILABLE decides, as for the routes: process it anyway (default; at least
 * once) or answer 5xx so SNS retries; either way it is counted (DedupeTableErrors).
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { DEDUPE_TABLE_ERRORS_METRIC, type DedupeConfig } from '#lib/config';
import { dynamoTableApi } from '#lib/dedupe/dynamodb-json';
import { replayKey } from '#lib/dedupe/key';
import type { OnUnavailable } from '#lib/dedupe/publisher';
import { DEFAULT_DEDUPE_SETTINGS, DedupeStore } from '#lib/dedupe/store';
import { metrics } from '#lib/logger';
import type { SnsHttpsConfig } from '#lib/sns-https/config';

/** `first`: process it; `delivered`: a copy was; `in-flight`: a copy is being processed; `unavailable`: no answer. */
export type ReplayClaim =
  | { kind: 'first' }
  | { kind: 'delivered' }
  | { kind: 'in-flight' }
  | { kind: 'unavailable'; error: unknown; onUnavailable: OnUnavailable };

export interface ReplayGuard {
  claim(topicArn: string, messageId: string, nowMs: number): Promise<ReplayClaim>;
  /** Settles a `first` claim: delivered (copies are acknowledged) or not (the retry may take it at once). */
  settle(topicArn: string, messageId: string, delivered: boolean, nowMs: number): Promise<void>;
}

/**
 * Longer than the intake takes to answer (SNS waits 15 s), so a copy never takes a claim still being processed;
 * short, so a container that died mid-way holds SNS's retries back only briefly.
 */
export const REPLAY_LEASE_SECONDS = 30;

export type ReplayStore = Pick<DedupeStore, 'claim' | 'delivered' | 'release' | 'read'>;

export function tableReplayGuard(
  store: ReplayStore,
  onUnavailable: OnUnavailable,
  onTableError: (error: unknown) => void = () => {},
): ReplayGuard {
  return {
    async claim(topicArn, messageId, nowMs) {
      const key = replayKey(topicArn, messageId);
      const claim = await store.claim(key, nowMs);
      if (claim.kind === 'claimed') return { kind: 'first' };
      if (claim.kind === 'unavailable') {
        onTableError(claim.error);
        return { kind: 'unavailable', error: claim.error, onUnavailable };
      }
      try {
        // The claim was refused: a copy is pending or delivered. Which one decides between 200 and 5xx.
        return (await store.read(key, nowMs)) === 'done' ? { kind: 'delivered' } : { kind: 'in-flight' };
      } catch (error) {
        onTableError(error);
        return { kind: 'unavailable', error, onUnavailable };
      }
    },
    async settle(topicArn, messageId, delivered, nowMs) {
      const key = replayKey(topicArn, messageId);
      try {
        await (delivered ? store.delivered(key, nowMs) : store.release(key, nowMs));
      } catch (error) {
        // The claim stays pending until its lease ends: a copy then gets 5xx until it can take it (at least once).
        onTableError(error);
      }
    },
  };
}

/**
 * The replay guard of a deployed intake, when the stack gives it the table (DEDUPE_TABLE): remembered for the
 * signature window (a message older than that is refused by its Timestamp anyway), in the function's region.
 */
export function snsHttpsReplayGuard(
  dedupe: DedupeConfig | null,
  config: Pick<SnsHttpsConfig, 'maxAgeSeconds' | 'maxFutureSkewSeconds'>,
  region: string,
): ReplayGuard | undefined {
  if (dedupe === null) return undefined;
  // Two attempts, not three: SNS waits 15 s for the answer, and the notification still has to be published.
  const store = new DedupeStore(dynamoTableApi(region, { maxAttempts: 2 }), {
    ...DEFAULT_DEDUPE_SETTINGS,
    tableName: dedupe.tableName,
    windowSeconds: config.maxAgeSeconds + config.maxFutureSkewSeconds,
    leaseSeconds: REPLAY_LEASE_SECONDS,
  });
  // Flushed at once: a 5xx answered for it runs no pipeline, whose batch would flush it.
  return tableReplayGuard(store, dedupe.onUnavailable, () => {
    metrics.addMetric(DEDUPE_TABLE_ERRORS_METRIC, MetricUnit.Count, 1);
    metrics.publishStoredMetrics();
  });
}
