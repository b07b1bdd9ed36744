/**
 * Pacing and retrying SES calls. SES v1 identity notification operations (GetIdentityNotificationAttributes,
 * SetIdentityNotificationTopic, SetIdentityHeadersInNotificationsEnabled, SetIdentityFeedbackForwardingEnabled) allow
 * one request per second (SES API reference, each operation's "You can execute this operation no more than once per
 * second"), so calls are spaced by `paceMs`; throttling and transient server errors are retried with backoff.
 */

export type Sleep = (ms: number) => Promise<void>;

/** Sleeps with a timer; tests pass a fake. */
export const realSleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export interface RetryOptions {
  /** Attempts per call, the first one included. */
  maxAttempts: number;
  /** First backoff; doubled per attempt, with jitter. */
  baseDelayMs: number;
  maxDelayMs: number;
}

/** Eight attempts, 0.5 s doubling to 20 s: rides out a minute of throttling. */
export const DEFAULT_RETRY: Readonly<RetryOptions> = Object.freeze({
  maxAttempts: 8,
  baseDelayMs: 500,
  maxDelayMs: 20_000,
});

// Error codes SES v1 (awsQuery `Throttling`), SESv2 (`TooManyRequestsException`) and the SDK use for "slow down".
const THROTTLING = new Set([
  'Throttling',
  'ThrottlingException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'SlowDown',
]);
const TRANSIENT = new Set([
  'InternalFailure',
  'InternalError',
  'ServiceUnavailable',
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
  // ECONNREFUSED is not here: nothing listens at the endpoint, and retrying for a minute would not change that.
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
]);

interface SdkErrorLike {
  name?: string;
  code?: string;
  $fault?: string;
  $retryable?: { throttling?: boolean };
  $metadata?: { httpStatusCode?: number };
}

/** 'throttling', 'transient' or null (do not retry) for an error thrown by an SDK call. */
export function retryKind(err: unknown): 'throttling' | 'transient' | null {
  if (typeof err !== 'object' || err === null) return null;
  const e = err as SdkErrorLike;
  const name = e.name ?? e.code ?? '';
  if (THROTTLING.has(name) || e.$retryable?.throttling === true || e.$metadata?.httpStatusCode === 429)
    return 'throttling';
  if (TRANSIENT.has(name) || (e.code !== undefined && TRANSIENT.has(e.code))) return 'transient';
  const status = e.$metadata?.httpStatusCode;
  if (e.$fault === 'server' || (status !== undefined && status >= 500)) return 'transient';
  return null;
}

export interface RetryEvent {
  label: string;
  attempt: number;
  delayMs: number;
  kind: 'throttling' | 'transient';
  error: string;
}

/**
 * Runs `call`, retrying throttling and transient errors up to `maxAttempts` with exponential backoff and full jitter
 * in [delay/2, delay]. Other errors are thrown at once.
 */
export async function withRetry<T>(
  label: string,
  call: () => Promise<T>,
  options: RetryOptions,
  sleep: Sleep = realSleep,
  onRetry?: (event: RetryEvent) => void,
  random: () => number = Math.random,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (err) {
      const kind = retryKind(err);
      if (kind === null || attempt >= options.maxAttempts) throw err;
      const ceiling = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** (attempt - 1));
      const delayMs = Math.round(ceiling / 2 + (random() * ceiling) / 2);
      onRetry?.({
        label,
        attempt,
        delayMs,
        kind,
        error: err instanceof Error ? `${err.name}: ${err.message}` : String(err),
      });
      await sleep(delayMs);
    }
  }
}

/** Spaces calls at least `intervalMs` apart (start to start). Calls queue in order. */
export class Pacer {
  private next = 0;
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly intervalMs: number,
    private readonly sleep: Sleep = realSleep,
    private readonly now: () => number = Date.now,
  ) {}

  /** Resolves when the caller may make its call. */
  wait(): Promise<void> {
    const turn = this.queue.then(async () => {
      const delay = this.next - this.now();
      if (delay > 0) await this.sleep(delay);
      this.next = this.now() + this.intervalMs;
    });
    this.queue = turn;
    return turn;
  }
}
