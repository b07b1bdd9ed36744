/**
 * How the migration makes an SES call: paced (SES v1 identity notification calls, 1/s), retried on throttling,
 * counted. Clients are injected per region, so tests pass mocks or clients aimed at the fake server. The calls
 * themselves are in ses.ts.
 */
import type { SESClient } from '@aws-sdk/client-ses';
import type { SESv2Client } from '@aws-sdk/client-sesv2';
import {
  DEFAULT_RETRY,
  Pacer,
  type RetryEvent,
  type RetryOptions,
  realSleep,
  type Sleep,
  withRetry,
} from '#lib/migration/retry';

export interface SesClients {
  ses: SESClient;
  sesv2: SESv2Client;
}

/** The clients for a region (the migration may touch identities in several regions). */
export type ClientsFor = (region: string) => SesClients;

export interface SessionOptions {
  clients: ClientsFor;
  /** Minimum milliseconds between SES v1 identity notification calls; 1000 in production, 0 in tests. */
  paceMs?: number;
  retry?: RetryOptions;
  sleep?: Sleep;
  /** The pacer's clock (epoch milliseconds); tests pass one that their fake `sleep` advances. */
  now?: () => number;
  /** Progress notices (throttling retries). */
  onRetry?: (event: RetryEvent) => void;
}

/** An SDK error's code (`NotFoundException`, `InvalidParameterValue`...). */
export function errorCode(err: unknown): string {
  return typeof err === 'object' && err !== null && 'name' in err ? String((err as { name: unknown }).name) : '';
}

/** SESv2's answer for a configuration set, destination or identity that does not exist. */
export function isNotFound(err: unknown): boolean {
  return errorCode(err) === 'NotFoundException';
}

/** The base of SesSession: one pacer, one retry policy and the call counts for every call it makes. */
export class SesCalls {
  private readonly pacer: Pacer;
  private readonly retry: RetryOptions;
  private readonly sleep: Sleep;
  /** Calls made per API, for progress lines and the figures in the report. */
  readonly calls = new Map<string, number>();
  retries = 0;

  constructor(private readonly options: SessionOptions) {
    this.sleep = options.sleep ?? realSleep;
    this.pacer = new Pacer(options.paceMs ?? 1000, this.sleep, options.now);
    this.retry = options.retry ?? DEFAULT_RETRY;
  }

  protected async call<T>(api: string, paced: boolean, run: () => Promise<T>): Promise<T> {
    return withRetry(
      api,
      async () => {
        if (paced) await this.pacer.wait();
        this.calls.set(api, (this.calls.get(api) ?? 0) + 1);
        return run();
      },
      this.retry,
      this.sleep,
      (event) => {
        this.retries++;
        this.options.onRetry?.(event);
      },
    );
  }

  protected ses(region: string): SESClient {
    return this.options.clients(region).ses;
  }

  protected sesv2(region: string): SESv2Client {
    return this.options.clients(region).sesv2;
  }

  /** Calls made so far, per API, as `{api: count}` sorted by name. */
  callCounts(): Record<string, number> {
    return Object.fromEntries([...this.calls.entries()].sort(([a], [b]) => a.localeCompare(b)));
  }
}
